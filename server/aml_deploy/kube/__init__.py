"""Kubernetes plumbing for publishing: load a cluster from kubeconfig, check manifests (Kubernetes'
OpenAPI schema plus the rules a schema misses), apply them with server-side apply and prune what
the new set no longer has, wait for the rollout and explain a failed one, and dump manifests as
deterministic YAML. Plain dataclasses; no pygls."""

from .apply import AppliedObject, ApplyResult, ObjectRef, apply, remove
from .cluster import Cluster, connect
from .errors import ApplyError, ClusterError, KubeError, ManifestError
from .labels import INSTANCE, MANAGED_BY, recommended_labels
from .manifests import apply_order, dump_manifests, load_manifests
from .revisions import Revision, revisions, rollback
from .rollout import ContainerProblem, DeploymentProgress, KubeEvent, RolloutReport, wait_for_rollout
from .validation import ManifestFinding, validate_manifests

__all__ = [
    "AppliedObject",
    "ApplyError",
    "ApplyResult",
    "Cluster",
    "ClusterError",
    "ContainerProblem",
    "DeploymentProgress",
    "INSTANCE",
    "KubeError",
    "KubeEvent",
    "MANAGED_BY",
    "ManifestError",
    "ManifestFinding",
    "ObjectRef",
    "Revision",
    "RolloutReport",
    "apply",
    "apply_order",
    "connect",
    "dump_manifests",
    "load_manifests",
    "recommended_labels",
    "remove",
    "revisions",
    "rollback",
    "validate_manifests",
    "wait_for_rollout",
]
