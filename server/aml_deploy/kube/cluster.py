"""Which cluster: a kubeconfig loaded the standard way (an explicit file, else $KUBECONFIG, else
~/.kube/config, else the pod's service account), with a named context or the current one."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import urllib3
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from .errors import ApplyError, ClusterError, status_message

# Transient answers are retried with back-off (honouring Retry-After): apply is idempotent.
RETRIED_STATUSES = (429, 500, 502, 503, 504)


@dataclass
class Cluster:
    api: k8s.ApiClient
    server: str
    context: str | None  # None when loaded from the pod's service account
    namespace: str  # the context's default namespace
    source: str  # where the configuration came from, for messages
    _dynamic: object = field(default=None, repr=False)
    _cache_dir: str | None = field(default=None, repr=False)

    def dynamic(self):
        """A DynamicClient (API discovery on first use, cached in a private temporary folder)."""
        if self._dynamic is None:
            from kubernetes.dynamic import DynamicClient

            self._cache_dir = tempfile.mkdtemp(prefix="aml-deploy-kube-")
            try:
                self._dynamic = DynamicClient(self.api, cache_file=os.path.join(self._cache_dir, "discovery.json"))
            except urllib3.exceptions.HTTPError as error:
                raise unreachable(self, error) from None
        return self._dynamic

    def close(self) -> None:
        self.api.close()
        if self._cache_dir:
            shutil.rmtree(self._cache_dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def unreachable(cluster: Cluster, error: Exception) -> ClusterError:
    reason = getattr(error, "reason", None) or error
    return ClusterError(
        f"cannot reach the Kubernetes API server {cluster.server} (context "
        f"{cluster.context or 'in-cluster'}, from {cluster.source}): {reason}"
    )


def _retries() -> urllib3.Retry:
    return urllib3.Retry(
        total=5,
        connect=2,
        read=0,
        backoff_factor=0.3,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def connect(context: str | None = None, kubeconfig: str | os.PathLike | None = None) -> Cluster:
    """The cluster of `context` (default: the kubeconfig's current context). Raises ClusterError that
    names what was tried when there is no usable configuration."""
    tried = []
    files = str(kubeconfig) if kubeconfig else os.environ.get("KUBECONFIG", "")
    if kubeconfig:
        source = str(kubeconfig)
    elif files:
        source = f"KUBECONFIG={files}"
    else:
        source = "~/.kube/config"
        files = str(Path("~/.kube/config").expanduser())
    existing = [p for p in files.split(os.pathsep) if p and Path(p).expanduser().is_file()]
    if existing:
        return _from_kubeconfig(os.pathsep.join(existing), source, context)
    tried.append(f"{source} (no such file)")
    if context is None:
        try:
            configuration = k8s.Configuration()
            k8s_config.load_incluster_config(client_configuration=configuration)
            configuration.retries = _retries()
            return Cluster(k8s.ApiClient(configuration), configuration.host, None, _pod_namespace(), "the pod's service account")
        except ConfigException as error:
            tried.append(f"the pod's service account ({error})")
    raise ClusterError(
        "no Kubernetes cluster configured: tried "
        + "; ".join(tried)
        + ". Set KUBECONFIG or get credentials, e.g. `az aks get-credentials -g GROUP -n CLUSTER`."
    )


def _from_kubeconfig(files: str, source: str, context: str | None) -> Cluster:
    try:
        contexts, current = k8s_config.list_kube_config_contexts(config_file=files)
    except (ConfigException, OSError, ValueError, yaml.YAMLError) as error:
        raise ClusterError(f"cannot read the kubeconfig {source}: {error}") from None
    names = [c["name"] for c in contexts or []]
    if context is not None and context not in names:
        raise ClusterError(f"no context named {context!r} in the kubeconfig {source}; it has: {', '.join(names) or 'none'}")
    chosen = next(c for c in contexts if c["name"] == context) if context else current
    if not chosen:
        raise ClusterError(f"the kubeconfig {source} has no current context; name one of: {', '.join(names) or 'none'}")
    configuration = k8s.Configuration()
    try:
        k8s_config.load_kube_config(config_file=files, context=chosen["name"], client_configuration=configuration, persist_config=False)
    except (ConfigException, OSError, ValueError) as error:
        raise ClusterError(f"cannot use context {chosen['name']!r} of the kubeconfig {source}: {error}") from None
    configuration.retries = _retries()
    namespace = (chosen.get("context") or {}).get("namespace") or "default"
    return Cluster(k8s.ApiClient(configuration), configuration.host, chosen["name"], namespace, source)


def _pod_namespace() -> str:
    path = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
    return path.read_text().strip() if path.is_file() else "default"


def call(cluster: Cluster, what: str, function, *, missing_ok: bool = False, **kwargs):
    """A client call; the API server's refusal becomes ApplyError in its own words (404 is None when
    `missing_ok`), a connection failure ClusterError."""
    try:
        return function(**kwargs)
    except ApiException as error:
        if missing_ok and error.status == 404:
            return None
        message, status = status_message(error)
        raise ApplyError(f"{what}: the API server answered {error.status}: {message}", status) from None
    except urllib3.exceptions.HTTPError as error:
        raise unreachable(cluster, error) from None
