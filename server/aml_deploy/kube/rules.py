"""Kubernetes rules that its OpenAPI schema does not express, checked before anything is sent:
names (RFC 1123), label values, the namespace rule, probe thresholds, selectors, resource
quantities and requests <= limits, and HorizontalPodAutoscaler bounds and needs. Each rule yields
(field, message, rule, severity); messages say what to change."""

from __future__ import annotations

import re
from decimal import Decimal

from kubernetes.utils.quantity import parse_quantity

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "CustomResourceDefinition",
    "IngressClass",
}
LABEL_NAMED = {"Namespace", "Service"}  # names that become DNS labels; the rest are DNS subdomains
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}


def _suggest(name: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", name.lower())).strip("-")[:63] or "name"


def dns_label_problem(value: str) -> str | None:
    """None when `value` is an RFC 1123 label; otherwise what is wrong with it."""
    if not value:
        return "it is empty"
    if len(value) > 63:
        return f"it has {len(value)} characters; at most 63 are allowed"
    if not _DNS_LABEL.match(value):
        return "only lowercase letters, digits and '-' are allowed, starting and ending with a letter or digit"
    return None


def _name_problem(kind: str, name: str) -> str | None:
    if kind in LABEL_NAMED:
        return dns_label_problem(name)
    if not name:
        return "it is empty"
    if len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        return (
            "only lowercase letters, digits, '-' and '.' are allowed, each part starting and ending with a "
            "letter or digit, at most 253 characters"
        )
    return None


def _labels(labels, at: str):
    if not isinstance(labels, dict):
        return
    for key, value in labels.items():
        prefix, _, name = str(key).rpartition("/")
        if (prefix and _name_problem("x", prefix)) or not name or len(name) > 63 or not _LABEL_NAME.match(name):
            yield (
                f"{at}[{key}]",
                f"label key {key!r} is invalid: an optional DNS prefix and '/', then at most 63 "
                "letters, digits, '-', '_' or '.' starting and ending with a letter or digit",
                "label",
                "error",
            )
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            yield (
                f"{at}[{key}]",
                f"label value {value!r} is invalid: at most 63 letters, digits, '-', '_' or '.', "
                "starting and ending with a letter or digit (or empty)",
                "label",
                "error",
            )


def object_rules(obj: dict):
    """Rules about one object (its schema already passed)."""
    kind, meta = obj["kind"], obj.get("metadata") or {}
    name = meta.get("name", "")
    problem = _name_problem(kind, name)
    if problem:
        yield "metadata.name", f"{name!r} is not a valid {kind} name: {problem} (e.g. {_suggest(name)!r})", "name", "error"
    namespace = meta.get("namespace")
    if kind in CLUSTER_SCOPED and namespace:
        yield "metadata.namespace", f"a {kind} is cluster-wide: remove metadata.namespace", "namespace", "error"
    elif namespace is not None and dns_label_problem(namespace):
        yield (
            "metadata.namespace",
            f"{namespace!r} is not a valid namespace: {dns_label_problem(namespace)} (e.g. {_suggest(namespace)!r})",
            "namespace",
            "error",
        )
    yield from _labels(meta.get("labels"), "metadata.labels")
    spec = obj.get("spec") or {}
    if kind in WORKLOADS:
        yield from _workload(spec)
    if kind == "Service":
        yield from _labels(spec.get("selector"), "spec.selector")
    if kind == "HorizontalPodAutoscaler":
        low, high = spec.get("minReplicas", 1), spec.get("maxReplicas")
        if low < 1:
            yield "spec.minReplicas", f"minReplicas is {low}: it must be at least 1", "autoscaler", "error"
        if high is not None and high < low:
            yield (
                "spec.maxReplicas",
                f"maxReplicas ({high}) is below minReplicas ({low}): raise maxReplicas or lower minReplicas",
                "autoscaler",
                "error",
            )


def _workload(spec: dict):
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    selector = spec.get("selector") or {}
    yield from _labels(labels, "spec.template.metadata.labels")
    match = selector.get("matchLabels") or {}
    yield from _labels(match, "spec.selector.matchLabels")
    if not match and not selector.get("matchExpressions"):
        yield "spec.selector", "the selector is empty: set spec.selector.matchLabels to the pod template's labels", "selector", "error"
    for key, value in match.items():
        if labels.get(key) != value:
            yield (
                "spec.selector.matchLabels",
                f"the selector asks for {key}={value} but the pod template's labels "
                f"{'have ' + key + '=' + str(labels[key]) if key in labels else 'lack it'}: make "
                "spec.template.metadata.labels include every selector label",
                "selector",
                "error",
            )
    pod = template.get("spec") or {}
    names = set()
    for i, container in enumerate(pod.get("containers") or []):
        at = f"spec.template.spec.containers[{i}]"
        if container.get("name") in names:
            yield f"{at}.name", f"container name {container.get('name')!r} is used twice: names must be unique", "container", "error"
        names.add(container.get("name"))
        yield from _container(container, at)


def _container(container: dict, at: str):
    for probe in ("livenessProbe", "startupProbe"):
        threshold = (container.get(probe) or {}).get("successThreshold", 1)
        if threshold != 1:
            yield (
                f"{at}.{probe}.successThreshold",
                f"successThreshold is {threshold}; Kubernetes accepts only 1 for a {probe} (use failureThreshold/periodSeconds to tune it)",
                "probe",
                "error",
            )
    resources = container.get("resources") or {}
    parsed: dict[str, dict[str, Decimal]] = {"requests": {}, "limits": {}}
    for part in ("requests", "limits"):
        for resource, quantity in (resources.get(part) or {}).items():
            field = f"{at}.resources.{part}[{resource}]"
            try:
                parsed[part][resource] = parse_quantity(quantity)
            except (ValueError, ArithmeticError):
                yield (
                    field,
                    f"{quantity!r} is not a quantity: write e.g. 500m or 2 for cpu, 512Mi or 2Gi for memory",
                    "resources",
                    "error",
                )
                continue
            if resource == "memory" and isinstance(quantity, str) and quantity.endswith("m"):
                yield (
                    field,
                    f"{quantity!r} means {parse_quantity(quantity)} bytes ('m' is milli): write {quantity[:-1]}Mi for mebibytes",
                    "resources",
                    "error",
                )
            if resource == "memory" and not isinstance(quantity, str) and parsed[part][resource] < 1024**2:
                yield (field, f"{quantity!r} is bytes: write e.g. {quantity}Mi or {quantity}Gi", "resources", "warning")
    for resource, request in parsed["requests"].items():
        limit = parsed["limits"].get(resource)
        if limit is not None and request > limit:
            yield (
                f"{at}.resources.requests[{resource}]",
                f"the {resource} request ({resources['requests'][resource]}) "
                f"is above its limit ({resources['limits'][resource]}): lower the request or raise the limit",
                "resources",
                "error",
            )


def set_rules(objects: list[dict], checked: list[int]):
    """Rules across the set (only over the objects whose schema passed): the namespace the set
    creates holds its objects; an HPA scales a Deployment of the set that requests what it measures;
    a Service selects some pods of the set."""
    valid = [(i, objects[i]) for i in checked]
    created = {o["metadata"]["name"] for _, o in valid if o["kind"] == "Namespace"}
    created |= {
        (objects[i].get("metadata") or {}).get("name")
        for i in range(len(objects))
        if i not in checked and objects[i].get("kind") == "Namespace"
    }
    workloads = {(o["metadata"].get("namespace"), o["metadata"]["name"]): o for _, o in valid if o["kind"] in WORKLOADS}
    broken = {
        ((o.get("metadata") or {}).get("namespace"), (o.get("metadata") or {}).get("name"))
        for i, o in enumerate(objects)
        if i not in checked and o.get("kind") in WORKLOADS
    }
    for index, obj in valid:
        meta = obj["metadata"]
        namespace = meta.get("namespace")
        if obj["kind"] not in CLUSTER_SCOPED:
            if not namespace and created:
                yield (
                    index,
                    "metadata.namespace",
                    (f"no namespace: set it to {sorted(created)[0]!r}, the namespace this set creates"),
                    "namespace",
                    "error",
                )
            elif namespace and created and namespace not in created:
                yield (
                    index,
                    "metadata.namespace",
                    (
                        f"{namespace!r} is not created by this set (it creates "
                        f"{', '.join(map(repr, sorted(created)))}): use the same "
                        "namespace name everywhere"
                    ),
                    "namespace",
                    "error",
                )
        target = (obj.get("spec") or {}).get("scaleTargetRef") or {}
        if obj["kind"] == "HorizontalPodAutoscaler" and (namespace, target.get("name")) not in broken:
            yield from _autoscaler(index, obj, workloads)
        if obj["kind"] == "Service" and obj.get("spec", {}).get("selector") and workloads:
            selector = obj["spec"]["selector"]
            selected = [
                w
                for (ns, _), w in workloads.items()
                if ns == namespace
                and all(
                    ((w["spec"].get("template") or {}).get("metadata") or {}).get("labels", {}).get(k) == v for k, v in selector.items()
                )
            ]
            if not selected:
                yield (
                    index,
                    "spec.selector",
                    ("selects no pods of this set: make it match a Deployment's template labels"),
                    "selector",
                    "warning",
                )


def _autoscaler(index: int, hpa: dict, workloads: dict):
    spec = hpa["spec"]
    target = spec.get("scaleTargetRef") or {}
    workload = workloads.get((hpa["metadata"].get("namespace"), target.get("name")))
    if workload is None or workload["kind"] != target.get("kind"):
        yield (
            index,
            "spec.scaleTargetRef",
            (f"scales {target.get('kind')} {target.get('name')!r}, which this set does not contain in the same namespace"),
            "autoscaler",
            "error",
        )
        return
    containers = ((workload["spec"].get("template") or {}).get("spec") or {}).get("containers") or []
    for m, metric in enumerate(spec.get("metrics") or []):
        resource = metric.get("resource") or metric.get("containerResource") or {}
        if metric.get("type") not in ("Resource", "ContainerResource") or (resource.get("target") or {}).get("type") != "Utilization":
            continue
        name = resource.get("name")
        missing = [c.get("name") for c in containers if name not in ((c.get("resources") or {}).get("requests") or {})]
        if missing:
            yield (
                index,
                f"spec.metrics[{m}]",
                (
                    f"targets {name} utilization, which is measured against {name} requests, "
                    f"but container(s) {', '.join(missing)} of {workload['kind']} "
                    f"{workload['metadata']['name']!r} request no {name}: set "
                    f"resources.requests.{name}"
                ),
                "autoscaler",
                "error",
            )
