"""Settings of a v1 AKS service (deploymentconfig.json, computeType aks) or a v2 Kubernetes online
endpoint/deployment that plain Kubernetes cannot honour the way Azure ML does. Azure ML runs them
with its own cluster extension (azureml-fe, InstanceType resources, App Insights); AML Deploy
publishes standard objects with nothing installed on the cluster, so these settings change meaning
or are dropped. `not_honoured()` says which and why; the validator warns on each (AMLD171) and the
Kubernetes target repeats them in its result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...findings import Finding, Severity
from ..context import Context
from ..kinds import Kind
from ..nodes import key_span
from ..parsing import Parsed
from ..schemas import canonical_enum_value

DEFAULT_INSTANCE_TYPE = "defaultinstancetype"  # the one instance type the Azure ML extension always creates
APP_INSIGHTS = "Application Insights is wired by Azure ML only; on plain Kubernetes it is ignored."
HPA_NOTE = (
    "plain Kubernetes scales with a HorizontalPodAutoscaler on CPU use as a share of the CPU request, not on "
    "azureml-fe's concurrency (busy replicas and queued requests)"
)


def not_honoured(kind: Kind, data: Any) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path of the key, why Kubernetes without the Azure ML extension cannot honour it) for each."""
    if not isinstance(data, dict):
        return
    if kind is Kind.DEPLOYMENT_CONFIG and canonical_enum_value(data.get("computeType"), ("aks",)) == "aks":
        yield from _v1(data)
    elif kind is Kind.KUBERNETES_ONLINE_DEPLOYMENT:
        yield from _v2_deployment(data)
    elif kind is Kind.KUBERNETES_ONLINE_ENDPOINT:
        yield from _v2_endpoint(data)


def check(kind: Kind, parsed: Parsed, ctx: Context) -> Iterator[Finding]:
    for path, message in not_honoured(kind, parsed.data):
        yield Finding("AMLD171", Severity.WARNING, message, key_span(parsed.root, path))


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _no_counterpart(key: str) -> str:
    return (
        f"{key} has no Kubernetes counterpart: a HorizontalPodAutoscaler is re-evaluated at the cluster's own "
        "period (15 s by default); it is ignored."
    )


def _liveness_threshold(data: dict, probe: str, key: str) -> Iterator[tuple[tuple[str, ...], str]]:
    threshold = _dict(data.get(probe)).get(key)
    if isinstance(threshold, int) and threshold != 1:
        yield (probe, key), f"{key} {threshold}: Kubernetes accepts only 1 for a liveness probe; it is published as 1."


def _v1(data: dict) -> Iterator[tuple[tuple[str, ...], str]]:
    scaler = _dict(data.get("autoScaler"))
    if scaler.get("autoscaleEnabled") is not False and "numReplicas" not in data:
        if "targetUtilization" in scaler:
            yield ("autoScaler", "targetUtilization"), f"targetUtilization: {HPA_NOTE}."
        if "refreshPeriodInSeconds" in scaler:
            yield ("autoScaler", "refreshPeriodInSeconds"), _no_counterpart("refreshPeriodInSeconds")
    yield from _liveness_threshold(data, "livenessProbeRequirements", "successThreshold")
    if data.get("appInsightsEnabled") is True:
        yield ("appInsightsEnabled",), APP_INSIGHTS
    if _dict(data.get("dataCollection")).get("storageEnabled") is True:
        yield (
            ("dataCollection", "storageEnabled"),
            "Model data collection to blob storage is done by Azure ML only; on plain Kubernetes it is ignored.",
        )


def _v2_deployment(data: dict) -> Iterator[tuple[tuple[str, ...], str]]:
    instance_type = data.get("instance_type")
    if isinstance(instance_type, str) and instance_type:
        if data.get("resources"):
            yield (
                ("instance_type",),
                (
                    "instance_type is ignored: resources is given, and instance types are custom "
                    "resources of the Azure ML extension, which plain Kubernetes does not have."
                ),
            )
        elif instance_type.lower() != DEFAULT_INSTANCE_TYPE:
            yield (
                ("instance_type",),
                (
                    f"instance type {instance_type!r} is a custom resource of the Azure ML "
                    f"extension, which plain Kubernetes does not have: give resources (requests "
                    f"and limits) instead; only {DEFAULT_INSTANCE_TYPE} is known (cpu 100m-2, "
                    "memory 2Gi)."
                ),
            )
    scale = _dict(data.get("scale_settings"))
    if str(scale.get("type", "")).lower() == "target_utilization":
        if "target_utilization_percentage" in scale:
            yield ("scale_settings", "target_utilization_percentage"), f"target_utilization_percentage: {HPA_NOTE}."
        if "polling_interval" in scale:
            yield ("scale_settings", "polling_interval"), _no_counterpart("polling_interval")
        if scale.get("min_instances") == 0:
            yield (
                ("scale_settings", "min_instances"),
                "min_instances 0: a HorizontalPodAutoscaler keeps at least 1 replica (scaling to zero needs a "
                "cluster feature gate); it is published as 1.",
            )
    yield from _liveness_threshold(data, "liveness_probe", "success_threshold")
    if data.get("app_insights_enabled") is True:
        yield ("app_insights_enabled",), APP_INSIGHTS
    if data.get("data_collector"):
        yield ("data_collector",), "Data collection is done by Azure ML only; on plain Kubernetes it is ignored."


def _v2_endpoint(data: dict) -> Iterator[tuple[tuple[str, ...], str]]:
    if str(data.get("auth_mode", "")).replace("_", "").lower() == "aadtoken":
        yield (
            ("auth_mode",),
            (
                "aad_token: Microsoft Entra tokens cannot be verified without Azure ML's front; the "
                "published front accepts any bearer token. Use key or aml_token."
            ),
        )
    if data.get("identity"):
        yield ("identity",), "identity is an Azure resource identity; plain Kubernetes pods do not get it (ignored)."
