"""Errors of the Kubernetes target: the kube package's errors (no cluster, manifests refused, the
API server's refusal) become DeployErrors with a code the editor can branch on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ... import kube
from ..errors import DeployError


class KubernetesError(DeployError):
    code = "kubernetes"


class ClusterUnavailable(KubernetesError):
    code = "cluster-unavailable"


class ManifestsRefused(KubernetesError):
    """Our own checks refused the manifests before anything was sent; `findings` says where."""

    code = "invalid-manifests"

    def __init__(self, message: str, findings: list | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


@contextlib.contextmanager
def translated(what: str) -> Iterator[None]:
    """Run a cluster operation; its kube errors become KubernetesErrors that say what was being done."""
    try:
        yield
    except kube.ClusterError as err:
        raise ClusterUnavailable(f"{what}: {err}") from None
    except kube.ManifestError as err:
        raise ManifestsRefused(f"{what}: {err}", err.findings) from None
    except kube.KubeError as err:
        raise KubernetesError(f"{what}: {err}") from None
