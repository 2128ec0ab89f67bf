"""Manifest lists in and out: multi-document YAML, the order to apply them in, and a deterministic
dump (the same bytes for the same objects, whatever their key order) for --dry-run and GitOps."""

from __future__ import annotations

import yaml

from .errors import ManifestError

# Namespaces first (everything lives in one), then what pods read, then workloads, then what
# points at them; deletion goes the other way.
_ORDER = (
    "Namespace",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "PersistentVolumeClaim",
    "Service",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "Ingress",
    "NetworkPolicy",
)


def kind_rank(kind: str) -> int:
    return _ORDER.index(kind) if kind in _ORDER else len(_ORDER)


def apply_order(objects: list[dict]) -> list[dict]:
    """A stable sort by kind: the order apply() sends objects in and dump_manifests() writes them."""
    return sorted(objects, key=lambda obj: kind_rank(str(obj.get("kind", ""))))


def load_manifests(text: str, source: str = "<manifests>") -> list[dict]:
    """Every non-empty document of a multi-document YAML text, each a mapping with apiVersion and kind."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as error:
        raise ManifestError(f"{source} is not valid YAML: {error}") from None
    for index, document in enumerate(documents):
        if not isinstance(document, dict) or not document.get("apiVersion") or not document.get("kind"):
            raise ManifestError(f"{source}: document {index + 1} is not a Kubernetes object (it needs apiVersion and kind)")
    return documents


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, long strings never folded."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _canonical(value, top: bool = False):
    """Keys in a fixed order: apiVersion, kind, metadata first at the top, `name` first in any map,
    the rest sorted; so equal objects give equal bytes."""
    if isinstance(value, dict):
        first = ("apiVersion", "kind", "metadata") if top else ("name",)
        keys = [k for k in first if k in value] + sorted(k for k in value if k not in first)
        return {k: _canonical(value[k]) for k in keys}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def dump_manifests(objects: list[dict]) -> str:
    """Multi-document YAML ("---" before each document), objects in apply order."""
    parts = []
    for obj in apply_order(objects):
        text = yaml.dump(
            _canonical(obj, top=True), Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=10**6
        )
        parts.append("---\n" + text)
    return "".join(parts)
