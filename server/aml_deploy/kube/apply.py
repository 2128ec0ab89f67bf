"""Server-side apply of a manifest set with the official client, then prune: the objects of this
instance (found by label) that the new set no longer has are deleted; nothing else is touched.

The DynamicClient is used (not the typed APIs) because the set is open-ended: the renderer may add a
ConfigMap, a PodDisruptionBudget or a NetworkPolicy, and each would need its own typed function; the
dynamic client resolves any kind by apiVersion/kind through API discovery and has server_side_apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic.exceptions import ResourceNotFoundError

from .cluster import Cluster, call
from .errors import ApplyError, ManifestError, status_message
from .labels import INSTANCE, MANAGED_BY, MANAGER, REQUIRED, ownership_selector
from .manifests import apply_order, kind_rank
from .validation import DEFAULT_VERSION, errors_only, validate_manifests

# Kinds a publication may own; prune looks for leftovers of these (and of any kind in the new set).
PRUNABLE = (
    ("v1", "Secret"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("apps/v1", "Deployment"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
)


@dataclass(frozen=True)
class ObjectRef:
    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


@dataclass(frozen=True)
class AppliedObject:
    ref: ObjectRef
    uid: str
    resource_version: str
    generation: int | None  # None for kinds without one (Namespace, Secret)


@dataclass
class ApplyResult:
    applied: list[AppliedObject] = field(default_factory=list)
    pruned: list[ObjectRef] = field(default_factory=list)

    def generation_of(self, kind: str, name: str) -> int | None:
        return next((a.generation for a in self.applied if a.ref.kind == kind and a.ref.name == name), None)


def ref_of(obj: dict) -> ObjectRef:
    meta = obj.get("metadata") or {}
    return ObjectRef(obj["apiVersion"], obj["kind"], meta.get("name", ""), meta.get("namespace"))


def _check_labels(objects: list[dict], instance: str, manager: str) -> None:
    wrong = []
    for obj in objects:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        missing = [k for k in REQUIRED if k not in labels]
        if missing:
            wrong.append(f"{ref_of(obj)} lacks label(s) {', '.join(missing)}")
        elif labels[INSTANCE] != instance or labels[MANAGED_BY] != manager:
            wrong.append(
                f"{ref_of(obj)} is labelled {INSTANCE}={labels[INSTANCE]}, {MANAGED_BY}={labels[MANAGED_BY]} "
                f"instead of {instance}, {manager}"
            )
    if wrong:
        raise ManifestError("every object needs the recommended labels (see kube.recommended_labels): " + "; ".join(wrong))


def apply(
    cluster: Cluster,
    objects: list[dict],
    *,
    instance: str,
    field_manager: str = MANAGER,
    prune: bool = True,
    force: bool = True,
    dry_run: bool = False,
    version: str = DEFAULT_VERSION,
) -> ApplyResult:
    """Checks the set (schema + rules; ManifestError with findings), then applies each object with
    server-side apply as `field_manager` (force: our manager takes fields other managers changed),
    in dependency order; then deletes this instance's objects that the set no longer contains.
    dry_run: the API server checks and merges but stores nothing (and nothing is pruned)."""
    problems = errors_only(validate_manifests(objects, version))
    if problems:
        raise ManifestError(
            f"{len(problems)} problem(s) in the manifests; nothing was sent:\n" + "\n".join(f"- {p}" for p in problems), problems
        )
    _check_labels(objects, instance, field_manager)
    result = ApplyResult()
    for obj in apply_order(objects):
        ref = ref_of(obj)
        resource = _resource(cluster, ref.api_version, ref.kind)
        if resource.namespaced and not ref.namespace:  # as kubectl does: the context's namespace
            ref = ObjectRef(ref.api_version, ref.kind, ref.name, cluster.namespace)
        answer = call(
            cluster,
            f"apply {ref}",
            resource.server_side_apply,
            body=obj,
            name=ref.name,
            namespace=ref.namespace,
            field_manager=field_manager,
            force_conflicts=force,
            dry_run="All" if dry_run else None,
        )
        meta = answer.metadata
        result.applied.append(AppliedObject(ref, meta.uid or "", meta.resourceVersion or "", meta.get("generation")))
    if prune and not dry_run:
        refs = [a.ref for a in result.applied]
        namespaces = sorted({r.namespace for r in refs if r.namespace})
        kinds = set(PRUNABLE) | {(r.api_version, r.kind) for r in refs if r.kind != "Namespace"}
        keep = {(r.kind, r.namespace, r.name) for r in refs}
        result.pruned = _prune(cluster, namespaces, kinds, instance, field_manager, keep)
    return result


def remove(
    cluster: Cluster, namespace: str, *, instance: str, field_manager: str = MANAGER, delete_namespace: bool = False
) -> list[ObjectRef]:
    """Deletes every object of `instance` in `namespace` (found by label); the namespace itself only
    when asked and when it carries our labels for this instance."""
    removed = _prune(cluster, [namespace], set(PRUNABLE), instance, field_manager, keep=set())
    if delete_namespace:
        resource = _resource(cluster, "v1", "Namespace")
        found = call(cluster, f"read namespace {namespace}", resource.get, name=namespace, missing_ok=True)
        labels = (found.metadata.labels or {}) if found else {}
        if found and labels.get(MANAGED_BY) == field_manager and labels.get(INSTANCE) == instance:
            call(cluster, f"delete namespace {namespace}", resource.delete, name=namespace, missing_ok=True)
            removed.append(ObjectRef("v1", "Namespace", namespace))
    return removed


def _prune(cluster: Cluster, namespaces: list[str], kinds: set, instance: str, manager: str, keep: set) -> list[ObjectRef]:
    selector = ownership_selector(instance, manager)
    doomed = []
    for api_version, kind in sorted(kinds):
        try:
            resource = cluster.dynamic().resources.get(api_version=api_version, kind=kind)
        except ResourceNotFoundError:
            continue  # the cluster does not serve it, so nothing of ours can be of that kind
        if not resource.namespaced:
            continue
        for namespace in namespaces:
            found = call(cluster, f"list {kind} in {namespace}", resource.get, namespace=namespace, label_selector=selector)
            for item in found.items:
                ref = ObjectRef(api_version, kind, item.metadata.name, namespace)
                if (kind, namespace, ref.name) not in keep:
                    doomed.append((resource, ref))
    doomed.sort(key=lambda pair: -kind_rank(pair[1].kind))  # what points at others goes first
    for resource, ref in doomed:
        call(
            cluster,
            f"delete {ref}",
            resource.delete,
            name=ref.name,
            namespace=ref.namespace,
            propagation_policy="Background",
            missing_ok=True,
        )
    return [ref for _, ref in doomed]


def _resource(cluster: Cluster, api_version: str, kind: str):
    try:
        return cluster.dynamic().resources.get(api_version=api_version, kind=kind)
    except ResourceNotFoundError:
        raise ApplyError(f"the cluster at {cluster.server} does not serve {kind} in {api_version}") from None
    except ApiException as error:
        raise ApplyError(f"API discovery failed at {cluster.server}: {status_message(error)[0]}") from None
