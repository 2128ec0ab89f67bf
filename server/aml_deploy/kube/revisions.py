"""A Deployment's revisions (its ReplicaSets) and a rollback to one of them, as
`kubectl rollout undo` does: the old pod template replaces the current one."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from kubernetes import client as k8s

from .cluster import Cluster, call
from .errors import ApplyError
from .rollout import REVISION

HASH = "pod-template-hash"


@dataclass(frozen=True)
class Revision:
    number: int
    replica_set: str
    images: tuple[str, ...]
    created: str
    template: dict  # the pod template of that revision (without pod-template-hash)


def revisions(cluster: Cluster, namespace: str, deployment: str) -> list[Revision]:
    """Oldest first; the last one is the current revision."""
    apps = k8s.AppsV1Api(cluster.api)
    found = call(
        cluster, f"read Deployment {namespace}/{deployment}", apps.read_namespaced_deployment, name=deployment, namespace=namespace
    )
    uid = found.metadata.uid
    sets = call(cluster, f"list ReplicaSets in {namespace}", apps.list_namespaced_replica_set, namespace=namespace)
    out = []
    for rs in cluster.api.sanitize_for_serialization(sets)["items"]:
        meta = rs["metadata"]
        if not any(o.get("uid") == uid for o in meta.get("ownerReferences") or []):
            continue
        template = copy.deepcopy(rs["spec"]["template"])
        template.get("metadata", {}).get("labels", {}).pop(HASH, None)
        images = tuple(c.get("image", "") for c in template.get("spec", {}).get("containers", []))
        out.append(
            Revision(
                int((meta.get("annotations") or {}).get(REVISION, "0")), meta["name"], images, meta.get("creationTimestamp", ""), template
            )
        )
    return sorted(out, key=lambda r: r.number)


def rollback(
    cluster: Cluster, namespace: str, deployment: str, to_revision: int | None = None, field_manager: str = "aml-deploy-rollback"
) -> Revision:
    """Puts the pod template of `to_revision` (default: the one before the current) back into the
    Deployment (a replace, so fields added since are gone too); the controller then rolls it out
    as a new revision. Returns the revision whose template is now running."""
    history = revisions(cluster, namespace, deployment)
    if to_revision is None:
        if len(history) < 2:
            raise ApplyError(f"Deployment {namespace}/{deployment} has no previous revision to return to")
        target = history[-2]
    else:
        found = next((r for r in history if r.number == to_revision), None)
        if found is None:
            raise ApplyError(
                f"Deployment {namespace}/{deployment} has no revision {to_revision}; it has "
                f"{', '.join(str(r.number) for r in history) or 'none'}"
            )
        target = found
    apps = k8s.AppsV1Api(cluster.api)
    live = cluster.api.sanitize_for_serialization(
        call(cluster, f"read Deployment {namespace}/{deployment}", apps.read_namespaced_deployment, name=deployment, namespace=namespace)
    )
    live["spec"]["template"] = copy.deepcopy(target.template)
    live.pop("status", None)
    call(
        cluster,
        f"roll back Deployment {namespace}/{deployment}",
        apps.replace_namespaced_deployment,
        name=deployment,
        namespace=namespace,
        body=live,
        field_manager=field_manager,
    )
    return target
