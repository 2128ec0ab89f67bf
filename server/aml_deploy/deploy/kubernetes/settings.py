"""What a deployment asks of Kubernetes, read once from the v1 deploymentconfig.json (computeType
aks; azureml-core's defaults) or the v2 Kubernetes online deployment YAML (the Azure ML CLI's
defaults): replicas or autoscaling, resources, probes, and the request settings the front enforces
and the inference server reads. Plain data; the renderer turns it into manifests."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ...documents import Context, validate_or_refuse
from ...documents.kinds import Kind
from ...documents.rules.kubernetes import DEFAULT_INSTANCE_TYPE, not_honoured
from ...front import V1, V2, Limits
from ..errors import InvalidDeployment
from ..spec import DeploymentSpec

SCORING_PORT = 5001  # azmlinfsrv's port
# defaultinstancetype, which the Azure ML extension creates and uses when none is named
DEFAULT_RESOURCES = ({"cpu": "100m", "memory": "2Gi"}, {"cpu": "2", "memory": "2Gi"})
V1_CPU, V1_MEMORY_GB = 0.1, 0.5  # AksWebservice.deploy_configuration: pod requests
V1_TIMEOUT_MS, V1_QUEUE_WAIT_MS = 60000, 500
V2_TIMEOUT_MS = 5000
GPU = "nvidia.com/gpu"


@dataclass(frozen=True)
class Probe:
    initial_delay: int
    period: int
    timeout: int
    success: int
    failure: int

    def manifest(self, port: str = "http") -> dict:
        return {
            "httpGet": {"path": "/", "port": port},
            "initialDelaySeconds": self.initial_delay,
            "periodSeconds": self.period,
            "timeoutSeconds": self.timeout,
            "successThreshold": self.success,
            "failureThreshold": self.failure,
        }


@dataclass(frozen=True)
class Autoscale:
    min_replicas: int
    max_replicas: int
    target_utilization: int  # percent of the CPU request


@dataclass
class PodSettings:
    api: str  # front.V1 (azureml-fe's 503/504) or front.V2 (408/429/424)
    replicas: int  # the Deployment's replicas, or the autoscaler's minimum
    autoscale: Autoscale | None
    requests: dict[str, str]
    limits: dict[str, str]
    liveness: Probe
    readiness: Probe
    timeout_ms: int
    max_concurrent: int
    max_queue_wait_ms: int = V1_QUEUE_WAIT_MS
    notes: list[str] = field(default_factory=list)  # what plain Kubernetes does differently (AMLD171)

    def front_limits(self) -> Limits:
        return Limits(self.timeout_ms, self.max_concurrent, self.replicas, self.max_queue_wait_ms)

    def server_environment(self) -> dict[str, str]:
        """The inference server's own settings (azureml-inference-server-http reads them)."""
        return {"WORKER_COUNT": str(self.max_concurrent), "SCORING_TIMEOUT_MS": str(self.timeout_ms)}


def from_v1(config: dict) -> PodSettings:
    """A v1 deploymentconfig.json with computeType aks."""
    scaler = _dict(config.get("autoScaler"))
    autoscale = None
    if config.get("numReplicas") is None and scaler.get("autoscaleEnabled", True) is not False:
        autoscale = Autoscale(
            int(scaler.get("minReplicas") or 1), int(scaler.get("maxReplicas") or 10), int(scaler.get("targetUtilization") or 70)
        )
    replicas = int(config.get("numReplicas") or (autoscale.min_replicas if autoscale else 1))
    resources = _dict(config.get("containerResourceRequirements"))
    requests = {"cpu": cores(resources.get("cpu") or V1_CPU), "memory": mebibytes(resources.get("memoryInGB") or V1_MEMORY_GB)}
    limits = {}
    if resources.get("cpuLimit"):
        limits["cpu"] = cores(resources["cpuLimit"])
    if resources.get("memoryInGBLimit"):
        limits["memory"] = mebibytes(resources["memoryInGBLimit"])
    if config.get("gpuCores"):
        limits[GPU] = str(int(config["gpuCores"]))  # extended resources: the request is the limit
    probe = _dict(config.get("livenessProbeRequirements"))
    liveness = Probe(
        int(probe.get("initialDelaySeconds", 310)),
        int(probe.get("periodSeconds", 10)),
        int(probe.get("timeoutSeconds", 2)),
        1,
        int(probe.get("failureThreshold", 3)),
    )
    # v1 has no readiness setting: the same check, from the start (the liveness delay is a grace period
    # before restarts; readiness only decides when the replica gets requests).
    readiness = Probe(0, min(liveness.period, 5), liveness.timeout, 1, 3)
    notes = [message for _, message in not_honoured(Kind.DEPLOYMENT_CONFIG, config)]
    return PodSettings(
        V1,
        replicas,
        autoscale,
        requests,
        limits,
        liveness,
        readiness,
        int(config.get("scoringTimeoutMs") or V1_TIMEOUT_MS),
        int(config.get("maxConcurrentRequestsPerContainer") or 1),
        int(config.get("maxQueueWaitMs") or V1_QUEUE_WAIT_MS),
        notes,
    )


def from_v2(data: dict, kind: Kind = Kind.KUBERNETES_ONLINE_DEPLOYMENT) -> PodSettings:
    """A v2 Kubernetes online deployment (a managed one is read the same way; its instance_type, an
    Azure VM size, has no meaning on a cluster)."""
    scale = _dict(data.get("scale_settings"))
    autoscale = None
    if str(scale.get("type", "default")).lower() == "target_utilization":
        low = max(1, int(scale.get("min_instances", 1)))
        autoscale = Autoscale(low, max(low, int(scale.get("max_instances", 1))), int(scale.get("target_utilization_percentage", 70)))
    replicas = autoscale.min_replicas if autoscale else int(data.get("instance_count") or 1)
    requests, limits = _v2_resources(data)
    settings = _dict(data.get("request_settings"))
    notes = [message for _, message in not_honoured(Kind.KUBERNETES_ONLINE_DEPLOYMENT, data)]
    if kind is Kind.MANAGED_ONLINE_DEPLOYMENT and data.get("instance_type"):
        notes.append(
            f"instance_type {data['instance_type']} is an Azure VM size, which means nothing on a cluster: "
            f"published with {DEFAULT_INSTANCE_TYPE}'s resources unless resources is given."
        )
    return PodSettings(
        V2,
        replicas,
        autoscale,
        requests,
        limits,
        _v2_probe(data.get("liveness_probe"), liveness=True),
        _v2_probe(data.get("readiness_probe"), liveness=False),
        int(settings.get("request_timeout_ms") or V2_TIMEOUT_MS),
        int(settings.get("max_concurrent_requests_per_instance") or 1),
        int(settings.get("max_queue_wait_ms") or V1_QUEUE_WAIT_MS),
        notes,
    )


def _v2_resources(data: dict) -> tuple[dict[str, str], dict[str, str]]:
    resources = _dict(data.get("resources"))
    if not resources:
        requests, limits = DEFAULT_RESOURCES  # defaultinstancetype (named or not), or an unknown one
        return dict(requests), dict(limits)
    requests = {_resource_name(k): str(v) for k, v in _dict(resources.get("requests")).items()}
    limits = {_resource_name(k): str(v) for k, v in _dict(resources.get("limits")).items()}
    if GPU in requests:  # an extended resource is asked for as a limit (a request alone is refused)
        limits.setdefault(GPU, requests[GPU])
    return requests, limits


def _resource_name(name: str) -> str:
    return GPU if name == "gpu" else name


def _v2_probe(value: Any, liveness: bool) -> Probe:
    probe = _dict(value)
    success = 1 if liveness else int(probe.get("success_threshold", 1))
    return Probe(
        int(probe.get("initial_delay", 10)),
        int(probe.get("period", 10)),
        int(probe.get("timeout", 2)),
        success,
        int(probe.get("failure_threshold", 30)),
    )


def cores(value: float | int) -> str:
    """CPU cores as a Kubernetes quantity: whole cores as "2", the rest in millicores ("100m")."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return f"{int((number * 1000).to_integral_value())}m"


def mebibytes(gigabytes: float | int) -> str:
    """v1's memoryInGB as mebibytes (Azure ML treats the GB as GiB: 0.5 -> 512Mi)."""
    return f"{int((Decimal(str(gigabytes)) * 1024).to_integral_value())}Mi"


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def read_config(path: Path) -> tuple[Kind | None, dict]:
    """A v2 endpoint or deployment file, checked (refused with the validator's errors): its kind and data."""
    path = Path(path).resolve()
    result = validate_or_refuse(path, Context(path), "nothing was published", InvalidDeployment)
    data = result.parsed.data if result.parsed is not None and isinstance(result.parsed.data, dict) else {}
    return result.kind, data


def model_version(spec: DeploymentSpec) -> str | None:
    """<model>-<version> when the deployment has one model (for app.kubernetes.io/version)."""
    if len(spec.models) == 1:
        return f"{spec.models[0].name}-{spec.models[0].version}"
    return None
