"""What a cluster holds of an endpoint, read back: the front as last applied (its description and
credentials are in the endpoint's Secrets), the front's image, whether the namespace is the
endpoint's own, the image pull Secret, the deployments and the load balancer's address. The
cluster is the record of what runs; the local record only says where to look."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass

from kubernetes import client as k8s

from ... import front, kube
from ...kube.cluster import call
from . import names
from .manifests import CREDENTIALS_KEY

KUBERNETES_MAX_TIMEOUT_MS = 300_000  # request_timeout_ms on Kubernetes online deployments
PULL_KEY = ".dockerconfigjson"


@dataclass
class LiveEndpoint:
    front: front.Front  # with its credentials
    front_image: str
    own_namespace: bool
    pull_secret: bytes | None  # the .dockerconfigjson the pods pull with, as applied


def new_front(endpoint: str, auth_mode: str, credentials: front.Credentials, api: str = front.V2) -> front.Front:
    """A front as it runs in a pod: alone there, so no runtime API (nothing would use it)."""
    return front.Front(
        endpoint, [], auth_mode=auth_mode, credentials=credentials, api=api, runtime_api=False, max_timeout_ms=KUBERNETES_MAX_TIMEOUT_MS
    )


def read_endpoint(cluster: kube.Cluster, namespace: str, endpoint: str) -> LiveEndpoint | None:
    core = k8s.CoreV1Api(cluster.api)
    config = _secret_data(cluster, core, namespace, names.front_secret(endpoint))
    keys = _secret_data(cluster, core, namespace, names.keys_secret(endpoint))
    running = front_workload(cluster, namespace, endpoint)
    if config is None or keys is None or running is None:
        return None
    description = json.loads(config["front.json"])
    credentials = front.Credentials.from_json(json.loads(keys[CREDENTIALS_KEY]))
    served = new_front(description["endpoint"], description["auth_mode"], credentials, description["api"])
    served.deployments = [
        front.Deployment(d["name"], d["address"], d["weight"], d["mirror"], front.Limits(**d["limits"])) for d in description["deployments"]
    ]
    pull = _secret_data(cluster, core, namespace, names.pull_secret(endpoint))
    return LiveEndpoint(
        served,
        running["spec"]["template"]["spec"]["containers"][0]["image"],
        namespace_is_own(cluster, namespace, endpoint) is not False,
        pull[PULL_KEY] if pull and PULL_KEY in pull else None,
    )


def namespace_is_own(cluster: kube.Cluster, namespace: str, endpoint: str) -> bool | None:
    """None: the namespace does not exist (it will be the endpoint's own); True: it was created for this
    endpoint; False: it is someone else's (it is used, never changed or deleted)."""
    found = call(cluster, f"read namespace {namespace}", k8s.CoreV1Api(cluster.api).read_namespace, name=namespace, missing_ok=True)
    if found is None:
        return None
    labels = found.metadata.labels or {}
    return labels.get(kube.MANAGED_BY) == kube.labels.MANAGER and labels.get(kube.INSTANCE) == names.endpoint_instance(endpoint)


def _secret_data(cluster: kube.Cluster, core, namespace: str, name: str) -> dict[str, bytes] | None:
    secret = call(cluster, f"read Secret {namespace}/{name}", core.read_namespaced_secret, name=name, namespace=namespace, missing_ok=True)
    if secret is None:
        return None
    return {key: base64.b64decode(value) for key, value in (secret.data or {}).items()}


def scorer_workloads(cluster: kube.Cluster, namespace: str, endpoint: str) -> list[dict]:
    """The endpoint's deployments' Deployment objects (as the API server writes them)."""
    apps = k8s.AppsV1Api(cluster.api)
    selector = f"{names.ENDPOINT_LABEL}={names.fit(endpoint)},{kube.labels.NAME}={names.SCORER}"
    found = call(
        cluster, f"list the deployments of {endpoint}", apps.list_namespaced_deployment, namespace=namespace, label_selector=selector
    )
    return cluster.api.sanitize_for_serialization(found)["items"]


def scorer_workload(cluster: kube.Cluster, namespace: str, endpoint: str, deployment: str) -> dict | None:
    return workload(cluster, namespace, names.scorer_name(endpoint, deployment))


def front_workload(cluster: kube.Cluster, namespace: str, endpoint: str) -> dict | None:
    return workload(cluster, namespace, names.front_name(endpoint))


def workload(cluster: kube.Cluster, namespace: str, name: str) -> dict | None:
    """The Deployment `name` as the API server writes it, or None."""
    apps = k8s.AppsV1Api(cluster.api)
    found = call(
        cluster, f"read Deployment {namespace}/{name}", apps.read_namespaced_deployment, name=name, namespace=namespace, missing_ok=True
    )
    return cluster.api.sanitize_for_serialization(found) if found is not None else None


def belongs_to(workload: dict, endpoint: str, deployment: str) -> bool:
    labels = workload["metadata"].get("labels") or {}
    return labels.get(names.ENDPOINT_LABEL) == names.fit(endpoint) and labels.get(names.DEPLOYMENT_LABEL) == names.fit(deployment)


def load_balancer_address(cluster: kube.Cluster, namespace: str, endpoint: str) -> str | None:
    """The front's public address (an IP, or a host name on some clouds), once the cloud has given one."""
    service = call(
        cluster,
        f"read the front Service of {endpoint}",
        k8s.CoreV1Api(cluster.api).read_namespaced_service,
        name=names.front_name(endpoint),
        namespace=namespace,
        missing_ok=True,
    )
    ingress = (service.status.load_balancer.ingress or []) if service and service.status and service.status.load_balancer else []
    for entry in ingress:
        if entry.ip or entry.hostname:
            return entry.ip or entry.hostname
    return None


def pod_names(cluster: kube.Cluster, namespace: str, workload: dict, terminating: bool = False) -> list[str]:
    """The workload's pods, newest first; with `terminating`, those being deleted too."""
    match = (workload["spec"].get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(match.items()))
    found = call(cluster, "list pods", k8s.CoreV1Api(cluster.api).list_namespaced_pod, namespace=namespace, label_selector=selector)
    pods = sorted(found.items, key=lambda p: (p.metadata.creation_timestamp is not None, p.metadata.creation_timestamp), reverse=True)
    return [p.metadata.name for p in pods if terminating or not p.metadata.deletion_timestamp]


def wait_until_drained(cluster: kube.Cluster, namespace: str, name: str, timeout: float) -> bool:
    """Until the Deployment `name` has no pod left but its current ones (old ones end after draining)."""
    deadline = time.monotonic() + timeout
    while True:
        found = workload(cluster, namespace, name)
        if found is None or len(pod_names(cluster, namespace, found, terminating=True)) <= found["spec"].get("replicas", 1):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.25)
