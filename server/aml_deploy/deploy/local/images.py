"""The environment image: the base image plus the conda/pip packages, the inference server and
debugpy. Built once per environment content; an unchanged environment never rebuilds."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ... import files
from ...documents.conda import INFERENCE_SERVER_PACKAGES, CondaSpec, distribution_name, spec_from_data
from ..errors import DeployError
from ..spec import EnvironmentSpec

IMAGE_REPOSITORY = "aml-deploy-env"
RUNTIME_VERSION = "1"  # part of the cache key: bump when install.sh changes
EXTRAS = ("azureml-inference-server-http", "debugpy")
INSTALL_SCRIPT = Path(__file__).resolve().parent / "runtime" / "install.sh"


class BuildFailed(DeployError):
    """The environment image did not build. `reason`: the line that says why (pip's or conda's
    error, not Docker's "returned a non-zero code"); `log`: the whole build output."""

    code = "build-failed"

    def __init__(self, reason: str, log: str) -> None:
        super().__init__(f"Building the environment image failed: {reason}")
        self.reason = reason
        self.log = log


# Lines of a build's output that say what went wrong, as pip, conda, apt and our installer write them.
_ERROR_LINE = re.compile(r"^(ERROR:|error:|E: |Error: |[A-Z]\w*(Error|NotFound)\b|aml-deploy: (?!warning:|creating|installing))")


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # Docker colours a step's stderr


def plain(text: str) -> str:
    return _ANSI.sub("", text)


def failure_reason(lines: list[str], docker_error: str) -> str:
    """The last error line of the build's output, else what Docker said."""
    for line in reversed([text.strip() for chunk in lines for text in plain(chunk).splitlines()]):
        if _ERROR_LINE.match(line):
            return line
    return docker_error.strip() or "the build stopped without a message"


@dataclass
class BuiltImage:
    tag: str
    key: str
    built: bool  # False: it was already there
    warnings: list[str] = field(default_factory=list)


def ca_bundle(setting: str | None = None) -> Path | None:
    """The extra CA bundle for builds: the setting, else the conventional variables."""
    for candidate in (
        setting,
        os.environ.get("AML_DEPLOY_CA_BUNDLE"),
        os.environ.get("PIP_CERT"),
        os.environ.get("REQUESTS_CA_BUNDLE"),
        os.environ.get("SSL_CERT_FILE"),
    ):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def environment_key(client, environment: EnvironmentSpec) -> str:
    """The cache key: the base image (by id when present), the packages, and our installer's version."""
    base = environment.image
    if base:
        try:
            base = client.images.get(base).id
        except Exception:  # noqa: BLE001 - not pulled yet: the reference stands in for it
            pass
    content = {
        "base": base,
        "build": _tree_digest(environment.build_context, environment.dockerfile) if environment.build_context else None,
        "conda": environment.conda_text,
        "requirements": _requirement_files(environment),
        "extra_steps": environment.extra_steps,
        "runtime": RUNTIME_VERSION,
        "installer": INSTALL_SCRIPT.read_text(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def ensure_image(client, environment: EnvironmentSpec, on_line: Callable[[str], None] | None = None, ca: Path | None = None) -> BuiltImage:
    key = environment_key(client, environment)
    tag = f"{IMAGE_REPOSITORY}:{key[:20]}"
    try:
        client.images.get(tag)
        return BuiltImage(tag, key, built=False)
    except Exception:  # noqa: BLE001 - docker.errors.ImageNotFound
        pass
    warnings: list[str] = []
    context = _context(environment, ca, warnings)
    lines: list[str] = []
    try:
        for chunk in client.api.build(
            fileobj=context,
            custom_context=True,
            dockerfile="Dockerfile.aml-deploy",
            tag=tag,
            rm=True,
            forcerm=True,
            decode=True,
            pull=False,
            labels={"aml-deploy.environment": key},
        ):
            _follow(chunk, lines, warnings, on_line)
    except docker_errors().APIError as err:
        raise BuildFailed(failure_reason(lines, str(err.explanation or err)), plain("".join(lines))) from None
    return BuiltImage(tag, key, built=True, warnings=warnings)


def docker_errors():
    import docker.errors

    return docker.errors


def _follow(chunk: dict, lines: list[str], warnings: list[str], on_line) -> None:
    """One event of the build stream: output lines, our installer's warnings, or the error."""
    if "error" in chunk:
        raise BuildFailed(failure_reason(lines, chunk["error"]), plain("".join(lines) + chunk["error"].rstrip("\n") + "\n"))
    text = chunk.get("stream", "")
    if not text:
        return
    lines.append(text)
    for line in text.splitlines():
        if line.startswith("aml-deploy: warning:"):
            warnings.append(line[len("aml-deploy: warning:") :].strip())
        if on_line and line.strip():
            on_line(line)


def _context(environment: EnvironmentSpec, ca: Path | None, warnings: list[str]) -> io.BytesIO:
    """The build context as a tar stream: the user's build folder (if any) plus our installer."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        if environment.build_context is not None:
            base_dockerfile = environment.build_context / environment.dockerfile
            if not base_dockerfile.is_file():
                raise DeployError(f"No Dockerfile at {base_dockerfile}.")
            tar.add(environment.build_context, arcname=".", filter=_skip_aml_deploy)
            first = files.read_text(base_dockerfile)
        else:
            first = f"FROM {environment.image}\n"
        installer = _installer_files(environment, ca, warnings)
        for name, data in installer.items():
            _add(tar, f"aml-deploy-build/{name}", data)
        dockerfile = first.rstrip("\n") + "\n"
        if environment.extra_steps:
            dockerfile += environment.extra_steps.rstrip("\n") + "\n"
        dockerfile += (
            "COPY aml-deploy-build/ /tmp/aml-deploy-build/\n"
            "RUN sh /tmp/aml-deploy-build/install.sh && rm -rf /tmp/aml-deploy-build\n"
            "ENV PYTHONUNBUFFERED=1\n"
        )
        _add(tar, "Dockerfile.aml-deploy", dockerfile.encode())
    buffer.seek(0)
    return buffer


def _installer_files(environment: EnvironmentSpec, ca: Path | None, warnings: list[str]) -> dict[str, bytes]:
    installer: dict[str, bytes] = {"install.sh": INSTALL_SCRIPT.read_bytes()}
    spec = CondaSpec()
    if environment.conda_text:
        data = yaml.safe_load(environment.conda_text)
        spec = spec_from_data(data, environment.conda_folder, files.read_text_or_none)
        installer["conda.yml"] = environment.conda_text.encode()
        for requirement in spec.requirement_files:  # conda's pip section reads them next to the conda file
            if requirement.is_file():
                installer[requirement.name] = files.read_bytes(requirement)
    pip = [line for line in spec.pip if not line.startswith("-r")]
    have = spec.distributions()
    added = [name for name in EXTRAS if name not in have and not (name == EXTRAS[0] and "azureml-defaults" in have)]
    if "azureml-inference-server-http" in added and environment.conda_text:
        warnings.append(
            "the conda file does not list azureml-inference-server-http; AML Deploy adds it to the image "
            "(add it to the file: Azure will not)"
        )
    conda_only = [s for s in spec.conda if distribution_name(s) not in ("python", "pip", None)]
    installer["requirements.txt"] = _lines(pip + added)
    installer["extras.txt"] = _lines(added)
    installer["conda-only.txt"] = _lines(conda_only)  # empty files mean "none" to install.sh
    installer["python-version.txt"] = _lines([spec.python] if spec.python else [])
    if ca is not None:
        installer["ca.pem"] = ca.read_bytes()
    return installer


def _lines(items: list[str]) -> bytes:
    return "".join(f"{item}\n" for item in items).encode()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _skip_aml_deploy(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if info.name.startswith("./aml-deploy-build") else info


def _requirement_files(environment: EnvironmentSpec) -> dict[str, str]:
    if not environment.conda_text or environment.conda_folder is None:
        return {}
    data = yaml.safe_load(environment.conda_text)
    spec = spec_from_data(data, environment.conda_folder, files.read_text_or_none)
    texts = {str(p): files.read_text_or_none(p) for p in spec.requirement_files}
    return {path: text for path, text in texts.items() if text is not None}


def _tree_digest(folder: Path, dockerfile: str) -> str:
    """The build context's content, streamed (it may hold large files); special files refused."""
    digest = hashlib.sha256(dockerfile.encode())
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            continue
        problem = files.problem_with(path)
        if problem:
            raise DeployError(f"The build context holds {path}, {problem}; Docker cannot build from it.")
        digest.update(str(path.relative_to(folder)).encode())
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def environment_layer_size(client, tag: str) -> int:
    """Bytes the environment's install step adds on top of the base image."""
    history = client.api.history(tag)
    return sum(entry.get("Size", 0) for entry in history if "install.sh" in (entry.get("CreatedBy") or ""))


__all__ = ["BuildFailed", "BuiltImage", "INFERENCE_SERVER_PACKAGES", "ca_bundle", "ensure_image", "environment_key"]
