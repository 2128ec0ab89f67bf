"""Local files a configuration points at, resolved the way the Azure ML CLI resolves them.

v2 YAML: paths are relative to the YAML file's folder; scoring_script is relative to code;
a build context's dockerfile_path is relative to build.path. v1 JSON: entryScript, condaFile
and extraDockerfileSteps are relative to sourceDirectory (itself relative to the JSON file).
The validator, the scoring-script linter and local deployment all use this one resolution.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kinds import Kind

_REMOTE = re.compile(r"^(azureml:|[a-zA-Z][a-zA-Z0-9+.-]*://|runs:/|git\+)")
_PLACEHOLDER = re.compile(r"<[^<>]+>|_place_holder\b|\{[^{}]*\}")


class Role(str, enum.Enum):
    MODEL = "model"
    CODE = "code"
    SCORING_SCRIPT = "scoring_script"
    CONDA = "conda"
    BUILD_CONTEXT = "build_context"
    DOCKERFILE = "dockerfile"
    COMPONENT = "component"
    SOURCE_DIRECTORY = "source_directory"
    ENTRY_SCRIPT = "entry_script"
    EXTRA_STEPS = "extra_docker_steps"
    CERTIFICATE = "certificate"


# What must be at the path: a file, a folder, or either.
EXPECTS = {
    Role.MODEL: "any",
    Role.CODE: "dir",
    Role.SCORING_SCRIPT: "file",
    Role.CONDA: "file",
    Role.BUILD_CONTEXT: "dir",
    Role.DOCKERFILE: "file",
    Role.COMPONENT: "file",
    Role.SOURCE_DIRECTORY: "dir",
    Role.ENTRY_SCRIPT: "file",
    Role.EXTRA_STEPS: "file",
    Role.CERTIFICATE: "file",
}


@dataclass(frozen=True, slots=True)
class Reference:
    role: Role
    field: tuple[str | int, ...]  # where the value is written
    raw: str
    resolved: Path | None  # None for placeholders
    parent: Role | None = None  # the reference this one is relative to (scoring_script -> code)

    @property
    def is_placeholder(self) -> bool:
        return self.resolved is None

    @property
    def expects(self) -> str:
        return EXPECTS[self.role]


def is_remote(value: str) -> bool:
    return bool(_REMOTE.match(value.strip()))


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value))


def local_references(kind: Kind, data: Any, base_dir: Path) -> list[Reference]:
    if not isinstance(data, dict):
        return []
    if kind is Kind.INFERENCE_CONFIG:
        return _inference_config(data, base_dir)
    if kind is Kind.DEPLOYMENT_CONFIG:
        return _deployment_config(data, base_dir)
    refs: list[Reference] = []
    if kind is Kind.MODEL:
        _add(refs, Role.MODEL, ("path",), data.get("path"), base_dir)
    if kind is Kind.ENVIRONMENT:
        _environment(refs, data, (), base_dir)
    if kind.is_deployment:
        model = data.get("model")
        if isinstance(model, dict):
            _add(refs, Role.MODEL, ("model", "path"), model.get("path"), base_dir)
        code_config = data.get("code_configuration")
        if isinstance(code_config, dict):
            code = _add(refs, Role.CODE, ("code_configuration", "code"), code_config.get("code"), base_dir)
            script = code_config.get("scoring_script")
            if isinstance(code_config.get("code"), str) and is_remote(code_config["code"]):
                pass  # a registered code asset: the script lives in Azure
            elif code is not None and code.is_placeholder:
                if isinstance(script, str):
                    refs.append(Reference(Role.SCORING_SCRIPT, ("code_configuration", "scoring_script"), script, None, Role.CODE))
            elif code is not None or code_config.get("code") is None:
                code_dir = code.resolved if code is not None and code.resolved is not None else base_dir
                _add(
                    refs,
                    Role.SCORING_SCRIPT,
                    ("code_configuration", "scoring_script"),
                    script,
                    code_dir,
                    parent=Role.CODE if code is not None else None,
                )
        environment = data.get("environment")
        if isinstance(environment, dict):
            _environment(refs, environment, ("environment",), base_dir)
    if kind is Kind.PIPELINE_COMPONENT_BATCH_DEPLOYMENT or kind is Kind.BATCH_DEPLOYMENT:
        for field in ("component", "job_definition"):
            value = data.get(field)
            if isinstance(value, str) and value.lower().endswith((".yml", ".yaml")):
                _add(refs, Role.COMPONENT, (field,), value, base_dir)
    return refs


def _environment(refs: list[Reference], env: dict, prefix: tuple, base_dir: Path) -> None:
    conda = env.get("conda_file")
    if isinstance(conda, str):
        _add(refs, Role.CONDA, prefix + ("conda_file",), conda, base_dir)
    build = env.get("build")
    if isinstance(build, dict):
        context = _add(refs, Role.BUILD_CONTEXT, prefix + ("build", "path"), build.get("path"), base_dir)
        if context is not None and context.resolved is not None:
            dockerfile = build.get("dockerfile_path", "Dockerfile")
            field = prefix + ("build", "dockerfile_path") if "dockerfile_path" in build else prefix + ("build", "path")
            _add(refs, Role.DOCKERFILE, field, dockerfile, context.resolved, parent=Role.BUILD_CONTEXT)


def _inference_config(data: dict, base_dir: Path) -> list[Reference]:
    refs: list[Reference] = []
    source = _add(refs, Role.SOURCE_DIRECTORY, ("sourceDirectory",), data.get("sourceDirectory"), base_dir)
    root = source.resolved if source is not None and source.resolved is not None else base_dir
    parent = Role.SOURCE_DIRECTORY if source is not None else None
    _add(refs, Role.ENTRY_SCRIPT, ("entryScript",), data.get("entryScript"), root, parent=parent)
    _add(refs, Role.CONDA, ("condaFile",), data.get("condaFile"), root, parent=parent)
    for spelling in ("extraDockerfileSteps", "extraDockerFileSteps"):
        _add(refs, Role.EXTRA_STEPS, (spelling,), data.get(spelling), root, parent=parent)
    environment = data.get("environment")
    python = environment.get("python") if isinstance(environment, dict) else None
    if isinstance(python, dict):
        _add(refs, Role.CONDA, ("environment", "python", "condaDependenciesFile"), python.get("condaDependenciesFile"), root, parent=parent)
    return refs


def _deployment_config(data: dict, base_dir: Path) -> list[Reference]:
    refs: list[Reference] = []
    if data.get("sslEnabled") is True:
        for field in ("sslCertificate", "sslKey"):
            _add(refs, Role.CERTIFICATE, (field,), data.get(field), base_dir)
    return refs


def _add(refs: list[Reference], role: Role, field: tuple, value: Any, base: Path, parent: Role | None = None) -> Reference | None:
    if not isinstance(value, str) or not value.strip() or is_remote(value):
        return None
    if is_placeholder(value):
        ref = Reference(role, field, value, None, parent)
    else:
        ref = Reference(role, field, value, _join(base, value.strip()), parent)
    refs.append(ref)
    return ref


def _join(base: Path, value: str) -> Path:
    """Join like the CLI (Path(base, value).resolve()) but without touching the disk, so that
    a missing path still gets a location to report."""
    path = Path(value).expanduser()
    joined = path if path.is_absolute() else base / path
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if len(parts) > 1:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return Path(*parts)
