"""The API kinds the stand-in serves, and the discovery documents the official client reads."""

from __future__ import annotations

from dataclasses import dataclass

VERSION = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.0-standin",
    "gitCommit": "standin",
    "gitTreeState": "clean",
    "buildDate": "2024-04-17T00:00:00Z",
    "goVersion": "go1.22.2",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@dataclass(frozen=True)
class Kind:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    writable: bool = True  # False: only the stand-in's controllers create it (Pods, ReplicaSets, Events)
    subresources: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """How the API server names the kind in messages: Deployment.apps, Service."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def collection_path(self, namespace: str | None = None) -> str:
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            return f"{root}/namespaces/{namespace}/{self.plural}"
        return f"{root}/{self.plural}"


KINDS = (
    Kind("", "v1", "Namespace", "namespaces", False, subresources=("status",)),
    Kind("", "v1", "Secret", "secrets", True),
    Kind("", "v1", "ConfigMap", "configmaps", True),
    Kind("", "v1", "Service", "services", True, subresources=("status",)),
    Kind("", "v1", "Pod", "pods", True, writable=False, subresources=("status", "log")),
    Kind("", "v1", "Event", "events", True, writable=False),
    Kind("apps", "v1", "Deployment", "deployments", True, subresources=("status",)),
    Kind("apps", "v1", "ReplicaSet", "replicasets", True, writable=False, subresources=("status",)),
    Kind("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, subresources=("status",)),
)
BY_KIND = {k.kind: k for k in KINDS}
BY_PATH = {(k.group, k.version, k.plural): k for k in KINDS}
SHORT_NAMES = {
    "namespaces": ["ns"],
    "configmaps": ["cm"],
    "services": ["svc"],
    "pods": ["po"],
    "events": ["ev"],
    "deployments": ["deploy"],
    "replicasets": ["rs"],
    "horizontalpodautoscalers": ["hpa"],
}


def kind_of(api_version: str, kind: str) -> Kind | None:
    found = BY_KIND.get(kind)
    return found if found and found.api_version == api_version else None


def api_versions() -> dict:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:443"}],
    }


def api_groups() -> dict:
    groups = []
    for group in sorted({k.group for k in KINDS if k.group}):
        versions = sorted({k.version for k in KINDS if k.group == group})
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        groups.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group: str) -> dict | None:
    return next((g for g in api_groups()["groups"] if g["name"] == group), None)


def resource_list(group: str, version: str) -> dict | None:
    kinds = [k for k in KINDS if (k.group, k.version) == (group, version)]
    if not kinds:
        return None
    resources = []
    for k in kinds:
        verbs = ["get", "list", "delete"] + (["create", "patch", "update"] if k.writable else [])
        resources.append(
            {
                "name": k.plural,
                "singularName": k.kind.lower(),
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": verbs,
                "shortNames": SHORT_NAMES.get(k.plural, []),
            }
        )
        for sub in k.subresources:
            resources.append(
                {
                    "name": f"{k.plural}/{sub}",
                    "singularName": "",
                    "namespaced": k.namespaced,
                    "kind": "Pod" if sub == "log" else k.kind,
                    "verbs": ["get"],
                }
            )
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}
