"""What a front is made of: the endpoint, how callers authenticate, the deployments behind it with
their traffic shares and request limits. Plain data; `check()` says what is wrong and where."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .credentials import Credentials
from .errors import FrontError

AUTH_MODES = ("key", "aml_token", "aad_token", "none")
V2, V1 = "v2", "v1"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")  # Azure's deployment name rule
_ADDRESS = re.compile(r"^(?P<host>[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):(?P<port>\d{1,5})$")

# Azure's defaults: managed online deployments (request_settings) and v1 AKS services (azureml-fe).
V2_REQUEST_TIMEOUT_MS = 5000
V2_MAX_REQUEST_TIMEOUT_MS = 180000
V1_SCORING_TIMEOUT_MS = 60000
V1_MAX_QUEUE_WAIT_MS = 500
MAX_MIRROR_PERCENT = 50


@dataclass
class Limits:
    """A deployment's request limits. v2: over `timeout_ms` -> 408, more than 2 x `max_concurrent` x
    `instance_count` requests in flight -> 429. v1 (azureml-fe): over `timeout_ms` -> 504, at most
    `max_concurrent` x `instance_count` in flight, the others wait up to `max_queue_wait_ms` -> 503."""

    timeout_ms: int = V2_REQUEST_TIMEOUT_MS
    max_concurrent: int = 1
    instance_count: int = 1
    max_queue_wait_ms: int = V1_MAX_QUEUE_WAIT_MS  # v1 only

    @classmethod
    def from_v2(cls, request_settings: dict | None = None, instance_count: int | None = None) -> Limits:
        """From a v2 deployment's `request_settings` and `instance_count`."""
        settings = request_settings or {}
        return cls(
            timeout_ms=int(settings.get("request_timeout_ms") or V2_REQUEST_TIMEOUT_MS),
            max_concurrent=int(settings.get("max_concurrent_requests_per_instance") or 1),
            instance_count=int(instance_count or 1),
        )

    @classmethod
    def from_v1(cls, deployment_config: dict | None = None) -> Limits:
        """From a v1 deploymentconfig.json (AKS fields; ACI and local have none and get the defaults)."""
        config = deployment_config or {}
        autoscaler = config.get("autoScaler") or {}
        replicas = config.get("numReplicas") or autoscaler.get("minReplicas") or 1
        return cls(
            timeout_ms=int(config.get("scoringTimeoutMs") or V1_SCORING_TIMEOUT_MS),
            max_concurrent=int(config.get("maxConcurrentRequestsPerContainer") or 1),
            instance_count=int(replicas),
            max_queue_wait_ms=int(config.get("maxQueueWaitMs") or V1_MAX_QUEUE_WAIT_MS),
        )

    def in_flight_limit(self, api: str) -> int:
        """Requests the front lets through to the deployment at once."""
        factor = 2 if api == V2 else 1
        return factor * self.max_concurrent * self.instance_count


@dataclass
class Deployment:
    """One deployment behind the front. `address` is host:port as the front's container reaches it:
    a Docker network alias (local), 127.0.0.1:port (ACI: one container group shares localhost), or a
    Service's DNS name (Kubernetes)."""

    name: str
    address: str
    weight: int = 0  # the endpoint's `traffic` share, percent
    mirror: int = 0  # the endpoint's `mirror_traffic` share, percent
    limits: Limits = field(default_factory=Limits)


@dataclass
class Tls:
    """TLS termination at the front (ACI's sslEnabled): PEM certificate (chain) and private key."""

    certificate: bytes = field(repr=False)
    key: bytes = field(repr=False)


@dataclass
class Front:
    """Everything the front needs. `credentials` holds the secrets; `describe()` leaves them out."""

    endpoint: str
    deployments: list[Deployment] = field(default_factory=list)
    auth_mode: str = "key"
    credentials: Credentials = field(default_factory=Credentials, repr=False)
    api: str = V2
    tls: Tls | None = field(default=None, repr=False)
    listen_port: int | None = None  # inside the container; None: 8080, or 8443 with TLS
    runtime_api: bool = True  # False where other containers share the front's localhost (ACI, a pod)
    access_log: bool = False
    max_timeout_ms: int = V2_MAX_REQUEST_TIMEOUT_MS  # v2: Azure's limit (managed 180000; Kubernetes 300000)

    @property
    def port_in_container(self) -> int:
        return self.listen_port or (8443 if self.tls else 8080)

    def deployment(self, name: str) -> Deployment | None:
        return next((d for d in self.deployments if d.name == name), None)

    def notes(self) -> list[str]:
        """What the caller should tell the user about this front."""
        notes = []
        if self.auth_mode == "aad_token":
            notes.append(
                "auth_mode aad_token: Microsoft Entra tokens cannot be checked offline; the front accepts any "
                "'Authorization: Bearer <token>' and only refuses requests without one."
            )
        if self.auth_mode == "none":
            notes.append("Authentication is off: anyone who can reach the port can call the endpoint.")
        if self.deployments and not any(d.weight > 0 for d in self.deployments):
            notes.append(
                "No deployment has a positive traffic share: requests that do not name one with the "
                "azureml-model-deployment header get 404."
            )
        return notes

    def describe(self) -> dict:
        """The front without its secrets: safe to show, log and store."""
        return {
            "endpoint": self.endpoint,
            "api": self.api,
            "auth_mode": self.auth_mode,
            "tls": self.tls is not None,
            "listen_port": self.port_in_container,
            "deployments": [
                {"name": d.name, "address": d.address, "weight": d.weight, "mirror": d.mirror, "limits": vars(d.limits)}
                for d in self.deployments
            ],
            "notes": self.notes(),
        }

    def with_traffic(self, traffic: dict[str, int], mirror: dict[str, int] | None = None) -> Front:
        """A copy with new `traffic` (and, when given, `mirror_traffic`) shares; names not listed get 0."""
        unknown = sorted((set(traffic) | set(mirror or {})) - {d.name for d in self.deployments})
        if unknown:
            raise FrontError(
                f"The endpoint {self.endpoint} has no deployment {', '.join(unknown)}; it has "
                f"{', '.join(d.name for d in self.deployments) or 'none'}."
            )
        deployments = [
            Deployment(d.name, d.address, int(traffic.get(d.name, 0)), d.mirror if mirror is None else int(mirror.get(d.name, 0)), d.limits)
            for d in self.deployments
        ]
        return replace(self, deployments=deployments)

    def check(self) -> None:
        """Refuse what Azure refuses, and what the front cannot serve, with the reason."""
        problems = list(_problems(self))
        if problems:
            raise FrontError(f"The front of endpoint {self.endpoint!r} cannot be configured:\n- " + "\n- ".join(problems))


def _problems(front: Front):
    if front.auth_mode not in AUTH_MODES:
        yield f"auth_mode {front.auth_mode!r} is not one of {', '.join(AUTH_MODES)}"
    if front.api not in (V1, V2):
        yield f"api {front.api!r} is not v1 or v2"
    if front.auth_mode == "key" and not (front.credentials.primary_key and front.credentials.secondary_key):
        yield "auth_mode key needs a primary and a secondary key (KeyStore.ensure creates them)"
    names = [d.name for d in front.deployments]
    for name in sorted({n for n in names if names.count(n) > 1}):
        yield f"deployment {name} is listed twice"
    for deployment in front.deployments:
        yield from _deployment_problems(front, deployment)
    yield from _traffic_problems(front)


def _deployment_problems(front: Front, deployment: Deployment):
    where = f"deployment {deployment.name!r}"
    if not _NAME.match(deployment.name):
        yield f"{where}: a name starts with a letter and has at most 32 letters, digits and '-'"
    match = _ADDRESS.match(deployment.address)
    if not match or not 0 < int(match["port"]) < 65536:
        yield f"{where}: address {deployment.address!r} is not host:port"
    limits = deployment.limits
    for label, value in (
        ("timeout_ms", limits.timeout_ms),
        ("max_concurrent", limits.max_concurrent),
        ("instance_count", limits.instance_count),
        ("max_queue_wait_ms", limits.max_queue_wait_ms),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            yield f"{where}: {label} must be a positive whole number, not {value!r}"
    if front.api == V2 and isinstance(limits.timeout_ms, int) and limits.timeout_ms > front.max_timeout_ms:
        yield f"{where}: request_timeout_ms {limits.timeout_ms} is above Azure's maximum {front.max_timeout_ms}"
    for label, value in (("traffic", deployment.weight), ("mirror_traffic", deployment.mirror)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            yield f"{where}: {label} {value!r} is not a percentage from 0 to 100"


def _traffic_problems(front: Front):
    weights = [d.weight for d in front.deployments if isinstance(d.weight, int)]
    if sum(weights) > 100:
        yield f"traffic adds up to {sum(weights)}%; at most 100"
    mirrored = [d for d in front.deployments if isinstance(d.mirror, int) and d.mirror > 0]
    if len(mirrored) > 1:
        yield f"mirror_traffic names {', '.join(d.name for d in mirrored)}; Azure mirrors to one deployment only"
    for deployment in mirrored:
        if deployment.mirror > MAX_MIRROR_PERCENT:
            yield f"mirror_traffic {deployment.name}={deployment.mirror}: at most {MAX_MIRROR_PERCENT}%"
        if deployment.weight > 0:
            yield (f"deployment {deployment.name!r} has live traffic and mirror traffic; Azure allows one or the other")
    if mirrored and not any(d.weight > 0 for d in front.deployments):
        yield "mirror_traffic copies live traffic, but no deployment has a traffic share"
    if front.api == V1 and len(front.deployments) > 1:
        yield "a v1 service has a single deployment"


def shares(value, what: str = "traffic") -> dict[str, int]:
    """An endpoint file's `traffic` or `mirror_traffic` as whole percentages (Azure takes numbers or digit
    strings); anything else is refused with the entry that is wrong."""
    if not isinstance(value, dict):
        raise FrontError(f"{what} must map deployment names to percentages, not {value!r}.")
    return {str(name): _percent(share, f"{what} {name}") for name, share in value.items()}


def _percent(value, where: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise FrontError(f"{where}={value!r} is not a percentage from 0 to 100.")
    return value


def normalize_auth_mode(value: str | None) -> str:
    """Azure's spellings (Key, AMLToken, aml_token, AADToken, ...) to key | aml_token | aad_token."""
    text = (value or "key").replace("_", "").lower()
    return {"key": "key", "amltoken": "aml_token", "aadtoken": "aad_token", "none": "none"}.get(text, value or "key")


def v1_auth_mode(deployment_config: dict | None) -> str:
    """A v1 service's auth: tokenAuthEnabled -> aml_token, authEnabled -> key (AKS: on by default;
    ACI and local: off by default)."""
    config = deployment_config or {}
    if config.get("tokenAuthEnabled"):
        return "aml_token"
    default = str(config.get("computeType", "")).lower() == "aks"
    return "key" if config.get("authEnabled", default) else "none"
