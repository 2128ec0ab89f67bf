"""Read a conda environment file: its conda packages, its pip requirements, its Python."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import problem_with
from .kinds import Kind
from .parsing import parse

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
INFERENCE_SERVER_PACKAGES = ("azureml-inference-server-http", "azureml-defaults")


@dataclass
class CondaSpec:
    conda: list[str] = field(default_factory=list)  # conda package specs as written
    pip: list[str] = field(default_factory=list)  # pip requirement lines, -r files expanded
    channels: list[str] = field(default_factory=list)
    python: str | None = None  # version from the python=... spec
    requirement_files: list[Path] = field(default_factory=list)

    def distributions(self) -> set[str]:
        """Normalised names of every package (conda and pip)."""
        names = (distribution_name(spec) for spec in self.conda + self.pip)
        return {name for name in names if name is not None}

    def has_inference_server(self) -> bool:
        return any(name in self.distributions() for name in INFERENCE_SERVER_PACKAGES)


def distribution_name(requirement: str) -> str | None:
    """'scikit-learn==1.5' -> 'scikit-learn'; 'Pillow' -> 'pillow'; options and URLs -> None."""
    text = requirement.strip()
    if not text or text.startswith(("-", "#", "git+", "http:", "https:", "file:")):
        return None
    if "::" in text:  # conda channel::package
        text = text.split("::", 1)[1]
    match = _REQUIREMENT_NAME.match(text)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else None


def spec_from_data(data: Any, folder: Path | None = None, read: Callable[[Path], str | None] | None = None) -> CondaSpec:
    spec = CondaSpec()
    if not isinstance(data, dict):
        return spec
    spec.channels = [c for c in data.get("channels") or [] if isinstance(c, str)]
    for item in data.get("dependencies") or []:
        if isinstance(item, str):
            spec.conda.append(item)
            name = distribution_name(item)
            if name == "python":
                version = item.strip()[len("python") :].lstrip("=<>~! ")
                spec.python = version or None
        elif isinstance(item, dict) and isinstance(item.get("pip"), list):
            for line in item["pip"]:
                if isinstance(line, str):
                    _add_pip_line(spec, line, folder, read)
    return spec


def _add_pip_line(spec: CondaSpec, line: str, folder: Path | None, read) -> None:
    stripped = line.strip()
    if stripped.startswith(("-r ", "--requirement ")) and folder is not None and read is not None:
        target = folder / stripped.split(None, 1)[1].strip()
        spec.requirement_files.append(target)
        text = read(target)
        if text is not None:
            spec.pip.extend(r.strip() for r in text.splitlines() if r.strip() and not r.strip().startswith("#"))
        return
    spec.pip.append(stripped)


@dataclass(frozen=True)
class CondaProblem:
    why: str
    readable: bool  # YAML that reads as data (just not a usable environment)


def read_spec(path: Path, read: Callable[[Path], str | None]) -> tuple[CondaSpec | None, CondaProblem | None]:
    """(spec, None) or (None, why it cannot be used)."""
    text = read(path)
    if text is None:
        why = problem_with(path)
        return None, CondaProblem(f"it is {why}" if why else "it cannot be read", readable=False)
    parsed = parse(text)
    if not parsed.ok:
        problem = parsed.findings[0] if parsed.findings else None
        if problem is not None and problem.code == "AMLD004":  # a limit (an alias bomb, say), not a syntax error
            reason = problem.message.removeprefix("Not validated: ").rstrip(".")
            return None, CondaProblem(f"it cannot be read safely: {reason} (line {problem.span.start_line + 1})", readable=False)
        where = f" at line {problem.span.start_line + 1}" if problem else ""
        return None, CondaProblem(f"it is not valid YAML{where}", readable=False)
    if not isinstance(parsed.data, dict) or not isinstance(parsed.data.get("dependencies"), list):
        return None, CondaProblem("it has no dependencies list", readable=True)
    return spec_from_data(parsed.data, path.parent, read), None


def inline_conda_field(kind: Kind, data: Any) -> tuple[tuple, dict] | None:
    """(where it is written, the conda environment) when a deployment or an inferenceconfig.json
    writes it inline: v2 `environment.conda_file` as a mapping; v1
    `environment.python.condaDependencies`, unless `userManagedDependencies` says the image brings
    its own packages (then Azure installs nothing)."""
    if not isinstance(data, dict) or not isinstance(data.get("environment"), dict):
        return None
    environment = data["environment"]
    if kind is Kind.INFERENCE_CONFIG:
        python = environment.get("python")
        if not isinstance(python, dict) or not isinstance(python.get("condaDependencies"), dict):
            return None
        if python.get("userManagedDependencies") is True:
            return None
        return ("environment", "python", "condaDependencies"), python["condaDependencies"]
    if isinstance(environment.get("conda_file"), dict):
        return ("environment", "conda_file"), environment["conda_file"]
    return None


def inline_conda(kind: Kind, data: Any) -> dict | None:
    found = inline_conda_field(kind, data)
    return found[1] if found is not None else None
