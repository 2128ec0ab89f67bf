"""Small manifest builders for the Kubernetes tests."""

from __future__ import annotations

import copy

from aml_deploy.kube import recommended_labels
from tests.support import SHARED

EXAMPLES = SHARED / "reference" / "azure" / "examples"


def labelled(obj: dict, instance: str = "demo") -> dict:
    obj = copy.deepcopy(obj)
    obj["metadata"].setdefault("labels", {}).update(recommended_labels(obj["metadata"]["name"], instance))
    return obj


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def deployment(
    name: str,
    ns: str,
    image: str,
    *,
    replicas: int = 1,
    command=None,
    env=None,
    port: int = 8080,
    readiness: bool = True,
    resources=None,
    pull_secret: str | None = None,
    **container,
) -> dict:
    spec = {"name": name, "image": image, "ports": [{"containerPort": port}], **container}
    if command:
        spec["command"] = command
    if env:
        spec["env"] = env
    if resources:
        spec["resources"] = resources
    if readiness:
        spec["readinessProbe"] = {"httpGet": {"path": "/", "port": port}, "periodSeconds": 1}
    pod = {"containers": [spec]}
    if pull_secret:
        pod["imagePullSecrets"] = [{"name": pull_secret}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod},
        },
    }


def service(name: str, ns: str, *, port: int = 80, target: int = 8080, kind: str = "ClusterIP") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"type": kind, "selector": {"app": name}, "ports": [{"port": port, "targetPort": target}]},
    }


HTTP_SERVER = ["python3", "-m", "http.server", "8080"]
