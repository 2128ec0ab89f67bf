"""The container layout Azure ML gives a scoring script, which every container target uses (the
local Docker engine mounts into it; a published image copies into it): the code under
/var/azureml-app, the model under AZUREML_MODEL_DIR, and the inference server's settings."""

from __future__ import annotations

from pathlib import Path

from .spec import DeploymentSpec, ModelFiles

APP_ROOT = "/var/azureml-app"
MODELS_ROOT = f"{APP_ROOT}/azureml-models"


def code_target(spec: DeploymentSpec) -> str:
    return f"{APP_ROOT}/{spec.code_dir.name}"


def model_target(model: ModelFiles) -> str:
    """<models root>/<name>/<version>/<the file or folder's own name>, as Azure lays a model out."""
    return f"{MODELS_ROOT}/{model.name}/{model.version}/{model.path.name}"


def model_dir(spec: DeploymentSpec) -> str:
    """AZUREML_MODEL_DIR: the one model's version folder, or the root holding several."""
    if len(spec.models) == 1:
        model = spec.models[0]
        return f"{MODELS_ROOT}/{model.name}/{model.version}"
    return MODELS_ROOT


def container_environment(spec: DeploymentSpec) -> dict[str, str]:
    """The variables Azure sets for the inference server, then the user's (which win, as in Azure)."""
    folder = Path(spec.scoring_script).parent.as_posix()
    root = code_target(spec)
    variables = {
        "AZUREML_MODEL_DIR": model_dir(spec),
        "AML_APP_ROOT": root if folder == "." else f"{root}/{folder}",
        "AZUREML_ENTRY_SCRIPT": Path(spec.scoring_script).name,
    }
    settings = spec.request_settings  # request_timeout_ms is the front's to enforce (408), as in Azure
    if settings.get("max_concurrent_requests_per_instance"):
        variables["WORKER_COUNT"] = str(settings["max_concurrent_requests_per_instance"])
    return {**variables, **spec.environment_variables}
