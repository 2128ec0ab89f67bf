"""The manifests an endpoint and its deployments are published as: plain Kubernetes objects, with
nothing to install on the cluster. Pure functions of plain data (no cluster, no Docker), so that
`--dry-run` prints exactly what would be applied and the same input gives the same bytes.

- the endpoint: its Namespace (when it is the endpoint's own), a Secret with its keys or tokens,
  the front's configuration in a Secret, the front (HAProxy) as a Deployment that rolls when its
  configuration changes (maxUnavailable 0: no request dropped), a LoadBalancer Service, and the
  image pull Secret;
- each deployment: a Deployment running the publish image by digest with its resources, probes and
  the inference server's settings, a ClusterIP Service the front reaches it by, and an
  autoscaling/v2 HorizontalPodAutoscaler when autoscaling is asked for."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field

from ... import front
from . import names
from .settings import SCORING_PORT, PodSettings

FRONT_PORT = 8080  # HAProxy's port inside its pod (unprivileged)
PUBLIC_PORT = 80
DRAIN_SECONDS = 5  # before a pod stops: the Service stops sending to it while it still answers
FRONT_USER = 99  # the haproxy user of the official image; the front runs as it everywhere
CLUSTER_DOMAIN = "cluster.local"
CREDENTIALS_KEY = "credentials.json"  # in the keys Secret


@dataclass
class ScorerPlan:
    """One deployment as it is published."""

    endpoint: str
    deployment: str
    namespace: str
    image: str  # by digest: registry/repository@sha256:...
    settings: PodSettings
    environment: dict[str, str] = field(default_factory=dict)  # the container layout's and the user's variables
    version: str | None = None  # e.g. the model's name and version, for app.kubernetes.io/version
    pull_secret: str | None = None


@dataclass
class EndpointPlan:
    """The endpoint's own objects. `front` is the whole front (every deployment, its traffic)."""

    endpoint: str
    namespace: str
    front: front.Front
    front_image: str
    own_namespace: bool  # the Namespace object is part of the endpoint (created for it)
    pull_secret: bytes | None = None  # .dockerconfigjson for the registry (dockerconfigjson()); None: public images
    front_replicas: int = 1


def service_address(endpoint: str, deployment: str, namespace: str, domain: str = CLUSTER_DOMAIN) -> str:
    """host:port the front reaches a deployment at: its Service's full DNS name (HAProxy's resolver
    does not use search domains)."""
    return f"{names.scorer_name(endpoint, deployment)}.{namespace}.svc.{domain}:{SCORING_PORT}"


# -- a deployment -------------------------------------------------------------------------------


def scorer_objects(plan: ScorerPlan) -> list[dict]:
    name = names.scorer_name(plan.endpoint, plan.deployment)
    labels = names.deployment_labels(plan.endpoint, plan.deployment, plan.version)
    objects = [_scorer_deployment(plan, name, labels), _service(name, plan.namespace, labels, "ClusterIP", SCORING_PORT)]
    if plan.settings.autoscale is not None:
        objects.append(_autoscaler(plan, name, labels))
    return objects


def _scorer_deployment(plan: ScorerPlan, name: str, labels: dict) -> dict:
    settings = plan.settings
    variables = {**plan.environment, **settings.server_environment()}
    container = {
        "name": names.SCORER,
        "image": plan.image,
        "ports": [{"name": "http", "containerPort": SCORING_PORT}],
        "env": [{"name": key, "value": value} for key, value in sorted(variables.items())],
        "livenessProbe": settings.liveness.manifest(),
        "readinessProbe": settings.readiness.manifest(),
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(DRAIN_SECONDS)]}}},
    }
    resources = {part: dict(values) for part, values in (("requests", settings.requests), ("limits", settings.limits)) if values}
    if resources:
        container["resources"] = resources
    pod = {
        "containers": [container],
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": DRAIN_SECONDS + settings.timeout_ms // 1000 + 5,
    }
    if plan.pull_secret:
        pod["imagePullSecrets"] = [{"name": plan.pull_secret}]
    spec = {
        "selector": {"matchLabels": names.selector(labels)},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
        "revisionHistoryLimit": 10,
        "template": {"metadata": {"labels": labels}, "spec": pod},
    }
    if settings.autoscale is None:  # with an autoscaler, the replicas are its to set
        spec["replicas"] = settings.replicas
    return _object("apps/v1", "Deployment", name, plan.namespace, labels, spec=spec)


def _autoscaler(plan: ScorerPlan, name: str, labels: dict) -> dict:
    autoscale = plan.settings.autoscale
    assert autoscale is not None  # called only when the deployment asks for autoscaling
    metric = {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": autoscale.target_utilization}},
    }
    spec = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "minReplicas": autoscale.min_replicas,
        "maxReplicas": autoscale.max_replicas,
        "metrics": [metric],
    }
    return _object("autoscaling/v2", "HorizontalPodAutoscaler", name, plan.namespace, labels, spec=spec)


def _service(name: str, namespace: str, labels: dict, kind: str, port: int, target: str = "http") -> dict:
    spec = {
        "type": kind,
        "selector": names.selector(labels),
        "ports": [{"name": "http", "port": port, "targetPort": target, "protocol": "TCP"}],
    }
    return _object("v1", "Service", name, namespace, labels, spec=spec)


# -- the endpoint -------------------------------------------------------------------------------


def endpoint_objects(plan: EndpointPlan) -> list[dict]:
    endpoint, namespace = plan.endpoint, plan.namespace
    objects = []
    if plan.own_namespace:
        objects.append(_object("v1", "Namespace", namespace, None, names.endpoint_labels(endpoint, "namespace")))
    objects.append(keys_secret(plan))
    files = front.render(plan.front).files
    objects.append(_secret(names.front_secret(endpoint), namespace, names.endpoint_labels(endpoint, "front-config"), files))
    if plan.pull_secret is not None:
        secret = _secret(
            names.pull_secret(endpoint), namespace, names.endpoint_labels(endpoint, "registry"), {".dockerconfigjson": plan.pull_secret}
        )
        objects.append({**secret, "type": "kubernetes.io/dockerconfigjson"})
    labels = names.endpoint_labels(endpoint, "front")
    objects.append(_front_deployment(plan, labels, config_hash(files)))
    objects.append(_service(names.front_name(endpoint), namespace, labels, "LoadBalancer", PUBLIC_PORT))
    return objects


def keys_secret(plan: EndpointPlan) -> dict:
    """The endpoint's keys and tokens (the front's Credentials as JSON), where get-credentials reads them."""
    credentials = json.dumps(plan.front.credentials.to_json(), sort_keys=True)
    return _secret(
        names.keys_secret(plan.endpoint),
        plan.namespace,
        names.endpoint_labels(plan.endpoint, "keys"),
        {CREDENTIALS_KEY: credentials.encode()},
    )


def config_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:16]


def _front_deployment(plan: EndpointPlan, labels: dict, digest: str) -> dict:
    longest = max((d.limits.timeout_ms for d in plan.front.deployments), default=5000)
    probe = {"httpGet": {"path": front.READY_URI, "port": "http"}, "timeoutSeconds": 2}
    container = {
        "name": names.FRONT,
        "image": plan.front_image,
        "command": list(front.ENTRYPOINT),
        "args": list(front.COMMAND),
        "ports": [{"name": "http", "containerPort": plan.front.port_in_container}],
        "readinessProbe": {**probe, "periodSeconds": 1, "failureThreshold": 2},
        "livenessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
        # Drain, then a soft stop: HAProxy stops listening and finishes the requests it serves.
        "lifecycle": {"preStop": {"exec": {"command": ["/bin/sh", "-c", f"sleep {DRAIN_SECONDS}; kill -USR1 1"]}}},
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "config", "mountPath": front.CONFIG_DIR, "readOnly": True}],
    }
    pod = {
        "containers": [container],
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": FRONT_USER, "runAsGroup": FRONT_USER, "fsGroup": FRONT_USER},
        "terminationGracePeriodSeconds": DRAIN_SECONDS + longest // 1000 + 10,
        "volumes": [{"name": "config", "secret": {"secretName": names.front_secret(plan.endpoint), "defaultMode": 0o440}}],
    }
    if plan.pull_secret is not None:
        pod["imagePullSecrets"] = [{"name": names.pull_secret(plan.endpoint)}]
    spec = {
        "replicas": plan.front_replicas,
        "selector": {"matchLabels": names.selector(labels)},
        # A new configuration is a new pod template: the new front is ready before the old one drains.
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        "revisionHistoryLimit": 3,
        "template": {"metadata": {"labels": labels, "annotations": {names.CONFIG_HASH: digest}}, "spec": pod},
    }
    return _object("apps/v1", "Deployment", names.front_name(plan.endpoint), plan.namespace, labels, spec=spec)


def dockerconfigjson(server: str, username: str, password: str) -> bytes:
    """A kubernetes.io/dockerconfigjson Secret's content, as `kubectl create secret docker-registry` makes it."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    config = {"auths": {server: {"username": username, "password": password, "auth": auth}}}
    return json.dumps(config, sort_keys=True).encode()


def _secret(name: str, namespace: str, labels: dict, files: dict[str, bytes]) -> dict:
    data = {key: base64.b64encode(value).decode() for key, value in sorted(files.items())}
    return {**_object("v1", "Secret", name, namespace, labels), "type": "Opaque", "data": data}


def _object(api_version: str, kind: str, name: str, namespace: str | None, labels: dict, **body) -> dict:
    metadata = {"name": name, "labels": dict(labels)}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}
