"""Which kind of Azure ML file is this? Decided by $schema, modeline, file name, then content.

Anything that is not clearly one of ours is left alone: a GitHub workflow or a Kubernetes
manifest gets no diagnostics.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any


class Kind(str, enum.Enum):
    MANAGED_ONLINE_ENDPOINT = "managedOnlineEndpoint"
    KUBERNETES_ONLINE_ENDPOINT = "kubernetesOnlineEndpoint"
    MANAGED_ONLINE_DEPLOYMENT = "managedOnlineDeployment"
    KUBERNETES_ONLINE_DEPLOYMENT = "kubernetesOnlineDeployment"
    BATCH_ENDPOINT = "batchEndpoint"
    BATCH_DEPLOYMENT = "batchDeployment"
    MODEL_BATCH_DEPLOYMENT = "modelBatchDeployment"
    PIPELINE_COMPONENT_BATCH_DEPLOYMENT = "pipelineComponentBatchDeployment"
    MODEL = "model"
    ENVIRONMENT = "environment"
    CONDA = "conda"
    INFERENCE_CONFIG = "inferenceConfig"
    DEPLOYMENT_CONFIG = "deploymentConfig"
    SCORING_SCRIPT = "scoringScript"  # a .py file, linted rather than schema-validated

    @property
    def is_online_deployment(self) -> bool:
        return self in (Kind.MANAGED_ONLINE_DEPLOYMENT, Kind.KUBERNETES_ONLINE_DEPLOYMENT)

    @property
    def is_deployment(self) -> bool:
        return self.is_online_deployment or self in BATCH_DEPLOYMENTS

    @property
    def is_endpoint(self) -> bool:
        return self in (Kind.MANAGED_ONLINE_ENDPOINT, Kind.KUBERNETES_ONLINE_ENDPOINT, Kind.BATCH_ENDPOINT)

    @property
    def is_v1(self) -> bool:
        return self in (Kind.INFERENCE_CONFIG, Kind.DEPLOYMENT_CONFIG)

    @property
    def label(self) -> str:
        """ "managed online deployment" and so on: the kind as people say it."""
        return re.sub(r"(?<!^)([A-Z])", r" \1", self.value).lower()


BATCH_DEPLOYMENTS = (Kind.BATCH_DEPLOYMENT, Kind.MODEL_BATCH_DEPLOYMENT, Kind.PIPELINE_COMPONENT_BATCH_DEPLOYMENT)

# Last path segment of a $schema URL (lower-cased, without .schema.json/.json) -> kind.
# "onlinedeployment" covers the documentation's own http://azureml/sdk-2-0/OnlineDeployment.json.
_SCHEMA_NAMES = {
    "managedonlineendpoint": Kind.MANAGED_ONLINE_ENDPOINT,
    "onlineendpoint": Kind.MANAGED_ONLINE_ENDPOINT,
    "kubernetesonlineendpoint": Kind.KUBERNETES_ONLINE_ENDPOINT,
    "managedonlinedeployment": Kind.MANAGED_ONLINE_DEPLOYMENT,
    "onlinedeployment": Kind.MANAGED_ONLINE_DEPLOYMENT,
    "kubernetesonlinedeployment": Kind.KUBERNETES_ONLINE_DEPLOYMENT,
    "batchendpoint": Kind.BATCH_ENDPOINT,
    "batchdeployment": Kind.BATCH_DEPLOYMENT,
    "modelbatchdeployment": Kind.MODEL_BATCH_DEPLOYMENT,
    "pipelinecomponentbatchdeployment": Kind.PIPELINE_COMPONENT_BATCH_DEPLOYMENT,
    "model": Kind.MODEL,
    "environment": Kind.ENVIRONMENT,
}

_SCHEMA_LINE = re.compile(r"""^\$schema\s*:\s*["']?([^\s"'#]+)""", re.MULTILINE)
_MODELINE = re.compile(r"^#\s*(?:yaml-language-server\s*:\s*)?\$schema(?:=|:\s*)(\S+)")
_INFERENCE_NAME = re.compile(r"inference[-_]?config", re.IGNORECASE)
_DEPLOYMENT_NAME = re.compile(r"deploy(?:ment)?[-_]?config", re.IGNORECASE)

_ENDPOINT_KEYS = {
    "$schema",
    "name",
    "description",
    "tags",
    "properties",
    "auth_mode",
    "identity",
    "traffic",
    "mirror_traffic",
    "public_network_access",
    "compute",
    "defaults",
    "scoring_uri",
    "openapi_uri",
    "location",
    "provisioning_state",
    "id",
    "kind",
}
_MODEL_KEYS = {
    "$schema",
    "name",
    "version",
    "path",
    "type",
    "description",
    "tags",
    "properties",
    "flavors",
    "stage",
    "datastore",
    "system_metadata",
    "id",
    "utc_time_created",
    "creation_context",
    "job_name",
    "latest_version",
    "intellectual_property",
    "default_deployment_template",
    "allowed_deployment_templates",
}
_ENVIRONMENT_KEYS = {
    "$schema",
    "name",
    "version",
    "description",
    "tags",
    "properties",
    "image",
    "build",
    "conda_file",
    "os_type",
    "inference_config",
    "datastore",
    "auto_delete_setting",
    "intellectual_property",
    "id",
    "creation_context",
    "latest_version",
}
_ONLINE_DEPLOYMENT_SIGNS = {
    "instance_type",
    "instance_count",
    "code_configuration",
    "scale_settings",
    "request_settings",
    "liveness_probe",
    "readiness_probe",
    "app_insights_enabled",
    "data_collector",
    "egress_public_network_access",
    "model_mount_path",
}
_BATCH_SIGNS = {
    "settings",
    "mini_batch_size",
    "output_action",
    "output_file_name",
    "retry_settings",
    "max_concurrency_per_instance",
    "error_threshold",
    "component",
    "job_definition",
}


@dataclass(frozen=True, slots=True)
class Detection:
    kind: Kind
    how: str  # "schema" | "modeline" | "filename" | "content" | "reference"
    schema_url: str | None = None


def schema_url_in(text: str, leading_comments: list[str] | None = None) -> tuple[str, str] | None:
    """(url, "modeline"|"schema") declared by the file, read from the raw text so that it
    works even when the YAML does not parse."""
    for comment in leading_comments or ():
        match = _MODELINE.match(comment)
        if match:
            return match.group(1), "modeline"
    match = _SCHEMA_LINE.search(text)
    if match:
        return match.group(1), "schema"
    return None


def kind_from_schema_url(url: str) -> Kind | None:
    name = url.rstrip("/").rsplit("/", 1)[-1].lower()
    for suffix in (".schema.json", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return _SCHEMA_NAMES.get(name)


def detect(
    path: str, text: str, data: Any, leading_comments: list[str] | None = None, referenced_as: Kind | None = None
) -> Detection | None:
    declared = schema_url_in(text, leading_comments)
    if declared:
        url, how = declared
        kind = kind_from_schema_url(url)
        if kind is None:
            return None  # someone else's schema: not our file
        return Detection(_refine(kind, data), how, url)
    if referenced_as is not None:
        return Detection(referenced_as, "reference")
    name = PurePath(path).name
    if name.lower().endswith(".json"):
        return _detect_json(name, data)
    if not isinstance(data, dict):
        return None
    kind = _kind_from_content(name.lower(), data)
    return Detection(kind, "content") if kind else None


def _refine(kind: Kind, data: Any) -> Kind:
    """The CLI reads batchDeployment.schema.json files with a settings block or a type as a
    model or pipeline component deployment; so do we."""
    if kind is not Kind.BATCH_DEPLOYMENT or not isinstance(data, dict):
        return kind
    return _batch_kind(data) or kind


def _batch_kind(data: dict) -> Kind | None:
    """A pipeline component or model batch deployment, told by its type or its keys."""
    kind_type = str(data.get("type", "")).lower()
    if kind_type == "pipeline" or "component" in data or "job_definition" in data:
        return Kind.PIPELINE_COMPONENT_BATCH_DEPLOYMENT
    if kind_type == "model" or "settings" in data:
        return Kind.MODEL_BATCH_DEPLOYMENT
    return None


def _detect_json(name: str, data: Any) -> Detection | None:
    if _INFERENCE_NAME.search(name):
        return Detection(Kind.INFERENCE_CONFIG, "filename")
    if _DEPLOYMENT_NAME.search(name):
        return Detection(Kind.DEPLOYMENT_CONFIG, "filename")
    if isinstance(data, dict):
        if "entryScript" in data:
            return Detection(Kind.INFERENCE_CONFIG, "content")
        if "computeType" in data:
            return Detection(Kind.DEPLOYMENT_CONFIG, "content")
    return None


def _kind_from_content(name: str, data: dict) -> Kind | None:
    keys = set(data)
    if {"apiVersion", "kind"} <= keys or "jobs" in keys or "steps" in keys:
        return None  # Kubernetes manifest, CI workflow, ...
    if "endpoint_name" in keys or (keys & _ONLINE_DEPLOYMENT_SIGNS and keys & {"model", "environment", "code_configuration"}):
        return _deployment_kind(data)
    if keys <= _ENDPOINT_KEYS and ("auth_mode" in keys or "traffic" in keys or ("name" in keys and "endpoint" in name)):
        if "defaults" in keys:
            return Kind.BATCH_ENDPOINT
        return Kind.KUBERNETES_ONLINE_ENDPOINT if "compute" in keys else Kind.MANAGED_ONLINE_ENDPOINT
    model_type = str(data.get("type", "")).lower()
    if keys <= _MODEL_KEYS and "path" in keys and (model_type.endswith("model") or "model" in name):
        return Kind.MODEL
    if keys <= _ENVIRONMENT_KEYS and keys & {"image", "build"} and "name" in keys:
        return Kind.ENVIRONMENT
    return None


def _deployment_kind(data: dict) -> Kind:
    batch = _batch_kind(data)
    if batch is not None:
        return batch
    keys = set(data)
    if keys & _BATCH_SIGNS or "compute" in keys:
        return Kind.BATCH_DEPLOYMENT
    if str(data.get("type", "")).lower() == "kubernetes" or "resources" in keys:
        return Kind.KUBERNETES_ONLINE_DEPLOYMENT
    return Kind.MANAGED_ONLINE_DEPLOYMENT
