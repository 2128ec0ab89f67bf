"""What a deployment is made of, read once from a v2 deployment YAML or from v1
inferenceconfig.json (+ deploymentconfig.json), after the validator has passed them. Every
target (the local Docker engine, ACI, Kubernetes) starts from this; how a target lays it out
belongs to the target (`layout.py` holds the Azure container layout they share)."""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import files
from ..documents import Context, validate_or_refuse
from ..documents.conda import inline_conda
from ..documents.kinds import Kind
from ..documents.references import Reference, Role
from ..registry import Registry, RegistryError
from ..registry.lookup import ModelRegistryLookup
from ..registry.names import parse_reference
from .errors import DeployError, InvalidDeployment

V1_DEFAULT_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"
REFUSED = "nothing was built"


@dataclass
class ModelFiles:
    path: Path  # the model's file or folder on this machine
    name: str
    version: str
    reference: str | None = None  # azureml:name:version when it comes from the local registry


@dataclass
class EnvironmentSpec:
    image: str | None = None
    build_context: Path | None = None
    dockerfile: str = "Dockerfile"
    conda_text: str | None = None  # the conda file's content
    conda_folder: Path | None = None  # where its `-r requirements.txt` lines point from
    extra_steps: str | None = None  # v1 extraDockerfileSteps

    def describe(self) -> dict:
        return {
            "image": self.image,
            "build": str(self.build_context) if self.build_context else None,
            "dockerfile": self.dockerfile,
            "conda": self.conda_text,
            "extra_steps": self.extra_steps,
        }


@dataclass
class DeploymentSpec:
    endpoint: str
    deployment: str
    config: Path
    code_dir: Path
    scoring_script: str  # relative to code_dir, with '/'
    models: list[ModelFiles] = field(default_factory=list)
    environment: EnvironmentSpec = field(default_factory=EnvironmentSpec)
    environment_variables: dict[str, str] = field(default_factory=dict)
    request_settings: dict[str, Any] = field(default_factory=dict)  # v2 request_settings, as written
    target_settings: dict[str, Any] = field(default_factory=dict)  # v1 deploymentconfig.json, as written
    instance_count: int = 1  # v2 instance_count; v1 numReplicas (or the autoscaler's minimum)
    port: int | None = None
    preload: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    is_v1: bool = False

    @property
    def script_path(self) -> Path:
        return self.code_dir / self.scoring_script

    def fingerprint(self) -> str:
        """Changes when anything but the code's content changes (then the container is recreated)."""
        data = {
            "code": str(self.code_dir),
            "script": self.scoring_script,
            "models": [str(m.path) for m in self.models],
            "environment": self.environment.describe(),
            "variables": self.environment_variables,
            "requests": self.request_settings,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def from_config(
    path: Path,
    *,
    endpoint: str | None = None,
    deployment: str | None = None,
    deployment_config: Path | None = None,
    models: list[str] | None = None,
    port: int | None = None,
    workspace: Path | None = None,
    registry: Registry | None = None,
) -> DeploymentSpec:
    """Read and check a deployment's configuration; refuse it with the validator's diagnostics."""
    path = Path(path).resolve()
    registry = registry or Registry()
    result = validate_or_refuse(path, Context(path, workspace, registry=ModelRegistryLookup(registry)), REFUSED, InvalidDeployment)
    data = result.parsed.data if result.parsed is not None else None
    if not isinstance(data, dict):
        raise DeployError(f"{path} holds no settings.")
    references = {ref.role: ref for ref in result.references}
    if result.kind is not None and result.kind.is_online_deployment:
        spec = _from_v2(path, data, references, endpoint, deployment, registry)
    elif result.kind is Kind.INFERENCE_CONFIG:
        # v1 names a service (--name); it becomes an endpoint with one deployment, "default".
        spec = _from_v1(path, data, references, endpoint or deployment, deployment if endpoint else None)
        if deployment_config is not None:
            spec.target_settings = read_deployment_config(Path(deployment_config), workspace)
            spec.port = spec.target_settings.get("port")
            autoscaler = spec.target_settings.get("autoScaler") or {}
            spec.instance_count = _whole(spec.target_settings.get("numReplicas") or autoscaler.get("minReplicas"), 1)
        spec.models = [_model_argument(m, registry) for m in models or []]
    else:
        what = f"a {result.kind.label}" if result.kind else "not an Azure ML deployment"
        raise DeployError(f"{path} is {what}; give an online deployment YAML or an inferenceconfig.json.")
    if port is not None:
        spec.port = port
    if models and not spec.is_v1:
        spec.models = [_model_argument(m, registry) for m in models]
    check_inside(spec, workspace, registry)
    spec.preload = third_party_imports(spec.script_path)
    return spec


def read_deployment_config(path: Path, workspace: Path | None) -> dict:
    """A v1 deploymentconfig.json, checked: its settings as written."""
    path = path.resolve()
    result = validate_or_refuse(path, Context(path, workspace), REFUSED, InvalidDeployment)
    data = result.parsed.data if result.parsed is not None else None
    return data if isinstance(data, dict) else {}


def _resolved(references: dict[Role, Reference], role: Role) -> Path | None:
    ref = references.get(role)
    return ref.resolved.resolve() if ref is not None and ref.resolved is not None else None


def _from_v2(
    path: Path, data: dict, references: dict[Role, Reference], endpoint: str | None, deployment: str | None, registry: Registry
) -> DeploymentSpec:
    endpoint = endpoint or data.get("endpoint_name")
    deployment = deployment or data.get("name")
    if not endpoint or not deployment:
        raise DeployError(
            f"{path.name} names no {'endpoint_name' if not endpoint else 'name'}: give {'--endpoint-name' if not endpoint else '--name'}."
        )
    code_config = data.get("code_configuration")
    if not isinstance(code_config, dict) or not isinstance(code_config.get("code"), str):
        raise DeployError(
            f"{path.name} has no code_configuration.code: a local endpoint runs your scoring script "
            "(MLflow models without a script are not supported locally)."
        )
    if code_config["code"].startswith("azureml:"):
        raise DeployError("A registered code asset cannot be used locally: point code_configuration.code at a folder.")
    code_dir = _resolved(references, Role.CODE) or path.parent
    spec = DeploymentSpec(endpoint, deployment, path, code_dir, Path(code_config["scoring_script"]).as_posix())
    spec.models = _v2_models(data.get("model"), _resolved(references, Role.MODEL), deployment, registry)
    spec.environment = _v2_environment(path, data, references)
    variables = data.get("environment_variables") or {}
    spec.environment_variables = {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in variables.items()}
    spec.request_settings = dict(data.get("request_settings") or {})
    spec.instance_count = _whole(data.get("instance_count"), 1)
    return spec


def _whole(value: Any, default: int) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return default


def _v2_models(model: Any, local: Path | None, deployment: str, registry: Registry) -> list[ModelFiles]:
    if model is None:
        return []
    if isinstance(model, str):
        return [_model_argument(model, registry)]
    if local is None:
        raise DeployError("The model has no local path: give model.path, or azureml:<name>:<version> from the local registry.")
    return [ModelFiles(local, str(model.get("name") or f"{deployment}-model"), str(model.get("version", 1)))]


def _model_argument(value: str, registry: Registry) -> ModelFiles:
    """azureml:name:version (or @latest) from the local registry, or a local path."""
    reference = parse_reference(value) if value.startswith("azureml:") else None
    if value.startswith("azureml:") and reference is None:
        raise DeployError(
            f"{value} is not a local model: use azureml:<name>:<version> from the local registry, or model.path with local files."
        )
    if reference is None:
        local = Path(value).expanduser().resolve()
        if not local.exists():
            raise DeployError(f"The model {value} does not exist.")
        return ModelFiles(local, local.stem or "model", "1")
    try:
        found = registry.resolve(reference)
        mount = registry.mount_path(found.name, found.version)
    except RegistryError as err:
        raise DeployError(f"{value}: {err}") from None
    return ModelFiles(mount, found.name, found.version, found.reference)


def _v2_environment(path: Path, data: dict, references: dict[Role, Reference]) -> EnvironmentSpec:
    environment = data.get("environment")
    if isinstance(environment, str):
        raise DeployError(
            f"{environment} is a registered environment, which is not available locally: write the "
            "environment inline (image and conda_file)."
        )
    if not isinstance(environment, dict):
        raise DeployError(f"{path.name} has no environment: a local endpoint needs an image (and a conda file).")
    if "inference_config" in environment:
        raise DeployError(
            "Custom containers that serve the model themselves (inference_config) cannot be deployed "
            "locally yet; AML Deploy runs scoring scripts with the Azure ML inference server."
        )
    spec = EnvironmentSpec(image=environment.get("image"))
    build = environment.get("build")
    if isinstance(build, dict):
        spec.build_context = _resolved(references, Role.BUILD_CONTEXT)
        spec.dockerfile = build.get("dockerfile_path", "Dockerfile")
    _read_conda(spec, references, inline_conda(Kind.MANAGED_ONLINE_DEPLOYMENT, data))
    if not spec.image and not spec.build_context:
        raise DeployError("The environment has no image or build context; a local endpoint needs one to build on.")
    return spec


def _read_conda(spec: EnvironmentSpec, references: dict[Role, Reference], inline: dict | None) -> None:
    conda_path = _resolved(references, Role.CONDA)
    if conda_path is not None:
        spec.conda_text, spec.conda_folder = files.read_text(conda_path), conda_path.parent
    elif inline is not None:
        import yaml

        spec.conda_text = yaml.safe_dump(inline, sort_keys=False)


def _from_v1(path: Path, data: dict, references: dict[Role, Reference], endpoint: str | None, deployment: str | None) -> DeploymentSpec:
    if not endpoint:
        raise DeployError("Give the service a name with --name (Azure ML v1 names services on the command line).")
    source = _resolved(references, Role.SOURCE_DIRECTORY) or path.parent
    spec = DeploymentSpec(endpoint, deployment or "default", path, source, Path(data["entryScript"]).as_posix(), is_v1=True)
    environment: dict = data["environment"] if isinstance(data.get("environment"), dict) else {}
    docker: dict = environment.get("docker") or {}
    env = EnvironmentSpec(image=data.get("baseImage") or docker.get("baseImage") or V1_DEFAULT_IMAGE)
    _read_conda(env, references, inline_conda(Kind.INFERENCE_CONFIG, data))
    steps = _resolved(references, Role.EXTRA_STEPS)
    if steps is not None:
        env.extra_steps = files.read_text(steps)
    spec.environment = env
    spec.environment_variables = {str(k): str(v) for k, v in (environment.get("environmentVariables") or {}).items()}
    return spec


def check_inside(spec: DeploymentSpec, workspace: Path | None, registry: Registry) -> None:
    """Refuse anything outside the workspace (or, for registered models, the registry): only
    workspace files are ever mounted into or copied into a container."""
    if not spec.script_path.is_file():
        raise DeployError(f"The scoring script {spec.script_path} does not exist.")
    root = registry.root.resolve()
    for model in spec.models:
        if model.reference and root not in model.path.resolve().parents:
            raise DeployError(f"The registered model {model.reference} resolves outside the registry.")
    for what, place in (("The code folder", spec.code_dir), ("The build context", spec.environment.build_context)):
        if place is not None and place.resolve() in too_wide():
            raise DeployError(
                f"{what} is {place.resolve()}; AML Deploy never puts the whole filesystem or your home folder "
                "into a container. Point it at the folder that holds your code."
            )
    if workspace is None:
        return
    workspace = workspace.resolve()
    places = [
        ("The code folder", spec.code_dir),
        ("The build context", spec.environment.build_context),
        ("The conda file's folder", spec.environment.conda_folder),
    ]
    places += [(f"The model {m.name}", m.path) for m in spec.models if not m.reference]
    for what, place in places:
        if place is not None and not is_within(place, workspace):
            raise DeployError(
                f"{what} {place} is outside the workspace {workspace}; AML Deploy puts only workspace "
                "files into containers. Move it into the workspace (or register the model)."
            )


def too_wide() -> set[Path]:
    """Folders that are never a workspace, a code folder or a build context."""
    return {Path("/"), Path.home().resolve()}


def is_within(path: Path, folder: Path) -> bool:
    resolved = path.resolve()
    return resolved == folder or folder in resolved.parents


def third_party_imports(script: Path) -> list[str]:
    """Top-level imports of the script that are neither the standard library nor its own modules:
    the container imports these once, ahead of the script, so restarts are quick."""
    try:
        tree = ast.parse(files.read_text(script))
    except (files.UnreadableFile, SyntaxError, ValueError):
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    local = {p.stem for p in script.parent.iterdir()} if script.parent.exists() else set()
    return sorted({n for n in names if n.split(".")[0] not in sys.stdlib_module_names and n.split(".")[0] not in local})
