"""What a local deployment is made of, read from a v2 deployment YAML or from v1
inferenceconfig.json + deploymentconfig.json, after the validator has passed them."""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from ..documents import Context, validate_file
from ..documents.kinds import Kind
from ..findings import Finding, Severity
from ..registry import Registry, RegistryError
from ..registry.lookup import ModelRegistryLookup
from ..registry.names import parse_reference
from .errors import DeployError

APP_ROOT = "/var/azureml-app"
MODELS_ROOT = f"{APP_ROOT}/azureml-models"
V1_DEFAULT_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"


@dataclass
class ModelMount:
    host: Path  # the file or folder, mounted as <models root>/<name>/<version>/<its own name>
    name: str
    version: str
    reference: str | None = None  # azureml:name:version when it comes from the local registry

    @property
    def target(self) -> str:
        return f"{MODELS_ROOT}/{self.name}/{self.version}/{self.host.name}"


@dataclass
class EnvironmentSpec:
    image: str | None = None
    build_context: Path | None = None
    dockerfile: str = "Dockerfile"
    conda_text: str | None = None  # the conda file's content
    conda_folder: Path | None = None  # where its `-r requirements.txt` lines point from
    extra_steps: str | None = None  # v1 extraDockerfileSteps

    def describe(self) -> dict:
        return {"image": self.image, "build": str(self.build_context) if self.build_context else None,
                "dockerfile": self.dockerfile, "conda": self.conda_text, "extra_steps": self.extra_steps}


@dataclass
class DeploymentSpec:
    endpoint: str
    deployment: str
    config: Path
    code_dir: Path
    scoring_script: str  # relative to code_dir, with '/'
    models: list[ModelMount] = field(default_factory=list)
    environment: EnvironmentSpec = field(default_factory=EnvironmentSpec)
    environment_variables: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    preload: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def code_target(self) -> str:
        return f"{APP_ROOT}/{self.code_dir.name}"

    @property
    def model_dir(self) -> str:
        if len(self.models) == 1:
            model = self.models[0]
            return f"{MODELS_ROOT}/{model.name}/{model.version}"
        return MODELS_ROOT

    def fingerprint(self) -> str:
        """Changes when anything but the code's content changes (then the container is recreated)."""
        data = {
            "code": str(self.code_dir), "script": self.scoring_script, "models": [str(m.host) for m in self.models],
            "environment": self.environment.describe(), "variables": self.environment_variables,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def from_config(path: Path, *, endpoint: str | None = None, deployment: str | None = None,
                deployment_config: Path | None = None, models: list[str] | None = None, port: int | None = None,
                workspace: Path | None = None, registry: Registry | None = None) -> DeploymentSpec:
    """Read and check a deployment's configuration; refuse it with the validator's diagnostics."""
    path = Path(path).resolve()
    registry = registry or Registry()
    result = validate_file(path, Context(path, workspace, registry=ModelRegistryLookup(registry)), explicit=True)
    _refuse_errors(path, result.findings)
    if result.kind is Kind.MANAGED_ONLINE_DEPLOYMENT or result.kind is Kind.KUBERNETES_ONLINE_DEPLOYMENT:
        spec = _from_v2(path, result.parsed.data, endpoint, deployment, registry)
    elif result.kind is Kind.INFERENCE_CONFIG:
        spec = _from_v1(path, result.parsed.data, endpoint, deployment_config, models or [], registry, workspace)
    else:
        what = result.kind.title if result.kind else "not an Azure ML file"
        raise DeployError(f"{path} is a {what}; give an online deployment YAML or an inferenceconfig.json.")
    if port is not None:
        spec.port = port
    if models and result.kind is not Kind.INFERENCE_CONFIG:
        spec.models = [_model_argument(m, registry) for m in models]
    _check_inside(spec, workspace, registry)
    spec.preload = third_party_imports(spec.code_dir / spec.scoring_script)
    return spec


def _refuse_errors(path: Path, findings: list[Finding]) -> None:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        lines = [f"{path}:{f.span.start_line + 1}:{f.span.start_col + 1}: {f.code} {f.message}" for f in errors]
        raise DeployError(f"{path.name} has {len(errors)} error(s); nothing was built:\n" + "\n".join(lines),
                          findings=[(str(path), f) for f in errors])


def _from_v2(path: Path, data: dict, endpoint: str | None, deployment: str | None, registry: Registry) -> DeploymentSpec:
    endpoint = endpoint or data.get("endpoint_name")
    deployment = deployment or data.get("name")
    if not endpoint or not deployment:
        raise DeployError(f"{path.name} names no {'endpoint_name' if not endpoint else 'name'}: "
                          f"give {'--endpoint-name' if not endpoint else '--name'}.")
    folder = path.parent
    code_config = data.get("code_configuration")
    if not isinstance(code_config, dict) or not isinstance(code_config.get("code"), str):
        raise DeployError(f"{path.name} has no code_configuration.code: a local endpoint runs your scoring script "
                          "(MLflow models without a script are not supported locally).")
    if code_config["code"].startswith("azureml:"):
        raise DeployError("A registered code asset cannot be used locally: point code_configuration.code at a folder.")
    spec = DeploymentSpec(endpoint, deployment, path, (folder / code_config["code"]).resolve(),
                          Path(code_config["scoring_script"]).as_posix())
    spec.models = _v2_models(path, data.get("model"), deployment, registry)
    spec.environment = _v2_environment(path, data.get("environment"))
    variables = data.get("environment_variables") or {}
    spec.environment_variables = {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in variables.items()}
    settings = data.get("request_settings") or {}
    if settings.get("request_timeout_ms"):
        spec.environment_variables.setdefault("SCORING_TIMEOUT_MS", str(settings["request_timeout_ms"]))
    if settings.get("max_concurrent_requests_per_instance"):
        spec.environment_variables.setdefault("WORKER_COUNT", str(settings["max_concurrent_requests_per_instance"]))
    return spec


def _v2_models(path: Path, model, deployment: str, registry: Registry) -> list[ModelMount]:
    if model is None:
        return []
    if isinstance(model, str):
        return [_model_argument(model, registry)]
    local = (path.parent / model["path"]).resolve()
    name = str(model.get("name") or f"{deployment}-model")
    return [ModelMount(local, name, str(model.get("version", 1)))]


def _model_argument(value: str, registry: Registry) -> ModelMount:
    """azureml:name:version (or @latest) from the local registry, or a local path."""
    reference = parse_reference(value) if value.startswith("azureml:") else None
    if value.startswith("azureml:") and reference is None:
        raise DeployError(f"{value} is not a local model: use azureml:<name>:<version> from the local registry, "
                          "or model.path with local files.")
    if reference is None:
        local = Path(value).expanduser().resolve()
        if not local.exists():
            raise DeployError(f"The model {value} does not exist.")
        return ModelMount(local, local.stem or "model", "1")
    try:
        found = registry.resolve(reference)
        mount = registry.mount_path(found.name, found.version)
    except RegistryError as err:
        raise DeployError(f"{value}: {err}") from None
    return ModelMount(mount, found.name, found.version, found.reference)


def _v2_environment(path: Path, environment) -> EnvironmentSpec:
    if isinstance(environment, str):
        raise DeployError(f"{environment} is a registered environment, which is not available locally: write the "
                          "environment inline (image and conda_file).")
    if not isinstance(environment, dict):
        raise DeployError(f"{path.name} has no environment: a local endpoint needs an image (and a conda file).")
    if "inference_config" in environment:
        raise DeployError("Custom containers that serve the model themselves (inference_config) cannot be deployed "
                          "locally yet; AML Deploy runs scoring scripts with the Azure ML inference server.")
    spec = EnvironmentSpec(image=environment.get("image"))
    build = environment.get("build")
    if isinstance(build, dict):
        spec.build_context = (path.parent / build["path"]).resolve()
        spec.dockerfile = build.get("dockerfile_path", "Dockerfile")
    conda = environment.get("conda_file")
    if isinstance(conda, str):
        conda_path = (path.parent / conda).resolve()
        spec.conda_text, spec.conda_folder = conda_path.read_text(encoding="utf-8"), conda_path.parent
    elif isinstance(conda, dict):
        spec.conda_text = yaml.safe_dump(conda, sort_keys=False)
    if not spec.image and not spec.build_context:
        raise DeployError("The environment has no image or build context; a local endpoint needs one to build on.")
    return spec


def _from_v1(path: Path, data: dict, endpoint: str | None, deployment_config: Path | None, models: list[str],
             registry: Registry, workspace: Path | None) -> DeploymentSpec:
    if not endpoint:
        raise DeployError("Give the service a name with --name (Azure ML v1 names services on the command line).")
    folder = path.parent
    source = (folder / data["sourceDirectory"]).resolve() if data.get("sourceDirectory") else folder
    spec = DeploymentSpec(endpoint, "default", path, source, Path(data["entryScript"]).as_posix())
    environment = data.get("environment") if isinstance(data.get("environment"), dict) else {}
    docker = environment.get("docker") or {}
    python = environment.get("python") or {}
    image = data.get("baseImage") or docker.get("baseImage") or V1_DEFAULT_IMAGE
    env = EnvironmentSpec(image=image)
    if data.get("condaFile"):
        conda_path = source / data["condaFile"]
        env.conda_text, env.conda_folder = conda_path.read_text(encoding="utf-8"), conda_path.parent
    elif isinstance(python.get("condaDependencies"), dict) and not python.get("userManagedDependencies"):
        env.conda_text = yaml.safe_dump(python["condaDependencies"], sort_keys=False)
    steps = data.get("extraDockerfileSteps")
    if steps:
        env.extra_steps = (source / steps).read_text(encoding="utf-8")
    spec.environment = env
    spec.environment_variables = {str(k): str(v) for k, v in (environment.get("environmentVariables") or {}).items()}
    if deployment_config is not None:
        spec.port = _v1_port(Path(deployment_config), workspace)
    spec.models = [_model_argument(m, registry) for m in models]
    return spec


def _v1_port(path: Path, workspace: Path | None) -> int | None:
    path = path.resolve()
    result = validate_file(path, Context(path, workspace), explicit=True)
    _refuse_errors(path, result.findings)
    data = result.parsed.data if result.parsed else {}
    if str(data.get("computeType", "")).lower() != "local":
        raise DeployError(f"{path.name} has computeType {data.get('computeType')!r}; a local deployment needs computeType local.")
    return data.get("port")


def _check_inside(spec: DeploymentSpec, workspace: Path | None, registry: Registry) -> None:
    """Refuse to mount anything outside the workspace (or, for registered models, the registry)."""
    if not (spec.code_dir / spec.scoring_script).is_file():
        raise DeployError(f"The scoring script {spec.code_dir / spec.scoring_script} does not exist.")
    if workspace is None:
        return
    workspace = workspace.resolve()
    places = [("The code folder", spec.code_dir)] + [(f"The model {m.name}", m.host) for m in spec.models if not m.reference]
    for what, place in places:
        if place != workspace and workspace not in place.resolve().parents:
            raise DeployError(f"{what} {place} is outside the workspace {workspace}; AML Deploy mounts only workspace "
                              "files into containers. Move it into the workspace, or register the model.")
    root = registry.root.resolve()
    for model in spec.models:
        if model.reference and root not in model.host.resolve().parents:
            raise DeployError(f"The registered model {model.reference} resolves outside the registry.")


def third_party_imports(script: Path) -> list[str]:
    """Top-level imports of the script that are neither the standard library nor its own modules:
    the container imports these once, ahead of the script, so restarts are quick."""
    try:
        tree = ast.parse(script.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    local = {p.stem for p in script.parent.iterdir()} if script.parent.exists() else set()
    return sorted({n for n in names if n.split(".")[0] not in sys.stdlib_module_names and n.split(".")[0] not in local})


def as_dict(spec: DeploymentSpec) -> dict:
    data = asdict(spec)
    return json.loads(json.dumps(data, default=str))
