"""Which targets exist, by name. A new target is a class implementing `target.Target` and a line here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..documents.kinds import Kind
from ..registry import Registry
from .errors import DeployError, NoTarget
from .target import Progress, Target


def _local(registry: Registry | None, progress: Progress | None, settings: dict) -> Target:
    from .local.operations import LocalEndpoints

    return LocalEndpoints(registry=registry, progress=progress)


def _aci(registry: Registry | None, progress: Progress | None, settings: dict) -> Target:
    from .aci.target import AciServices

    return AciServices(registry=registry, progress=progress)


def _kubernetes(registry: Registry | None, progress: Progress | None, settings: dict) -> Target:
    return kubernetes_endpoints()(registry=registry, progress=progress, settings=settings)


def kubernetes_endpoints():
    """The Kubernetes target's class. Its packages (the kubernetes client, kubernetes-validate:
    180 MB) are an extra, so the editor's bundle stays small; without them, say how to add them."""
    try:
        from .kubernetes.target import KubernetesEndpoints
    except ImportError as err:
        if not (err.name or "").startswith("kubernetes"):
            raise
        raise DeployError(
            "Publishing to Kubernetes needs the kubernetes client packages: pip install "
            "'aml-deploy[kubernetes]' into the Python that runs AML Deploy (in the editor: the amlDeploy.python "
            "setting's interpreter)."
        ) from None
    return KubernetesEndpoints


# name -> a function of (registry, progress, settings such as the kube context) making the target
TARGETS: dict[str, Callable[[Registry | None, Progress | None, dict], Target]] = {"local": _local, "aci": _aci, "kubernetes": _kubernetes}


def get_target(name: str, registry: Registry | None = None, progress: Progress | None = None, settings: dict | None = None) -> Target:
    try:
        make = TARGETS[name]
    except KeyError:
        raise DeployError(f"No deployment target {name!r}; the targets are {', '.join(sorted(TARGETS))}.") from None
    return make(registry, progress, {k: v for k, v in (settings or {}).items() if v is not None})


def remote_target_name(file: Path | None, endpoint: str | None) -> str:
    """Which target a command without --local is for: decided by the configuration's kind (a
    Kubernetes online endpoint or deployment), else by where the endpoint was published."""
    kind, named = _kind_and_endpoint(file) if file is not None else (None, None)
    if kind in (Kind.KUBERNETES_ONLINE_ENDPOINT, Kind.KUBERNETES_ONLINE_DEPLOYMENT):
        return "kubernetes"
    from .published import PublishedServices

    services = PublishedServices()
    name = endpoint or named
    record = services.get(name) if name else None
    if record is not None and record.target in TARGETS:
        return record.target
    if not (file or endpoint) and services.list("kubernetes"):  # e.g. `online-endpoint list`: the published ones
        return "kubernetes"
    remote = sorted(set(TARGETS) - {"local"})
    if record is not None:
        raise DeployError(
            f"{record.name} is published to {record.target}, which these commands do not serve; use aml-deploy service ... for it."
        )
    if endpoint and not file:  # a name alone: an endpoint that is not there (exit 1, like any not-found)
        raise DeployError(
            f"No endpoint {endpoint} is published to a cluster from here: add --local for a "
            "local endpoint, or create it on a cluster with a Kubernetes online endpoint file."
        )
    if endpoint or named:
        raise NoTarget(
            f"No endpoint {endpoint or named} is published to a cluster from here: add --local for a "
            "local endpoint, or create it on a cluster with a Kubernetes online endpoint file."
        )
    raise NoTarget(
        "Add --local to run it on this machine's Docker engine, or give a Kubernetes online endpoint or "
        f"deployment file to publish it (targets: {', '.join(remote)})."
    )


def _kind_and_endpoint(file: Path) -> tuple[Kind | None, str | None]:
    """The file's kind, and the endpoint it names (a deployment's endpoint_name, an endpoint's name)."""
    from ..documents import Context, validate_file

    path = Path(file).resolve()
    result = validate_file(path, Context(path), explicit=True)
    kind, data = result.kind, result.parsed.data if result.parsed is not None else None
    if kind is None or not isinstance(data, dict):
        return kind, None
    name = data.get("endpoint_name") if kind.is_online_deployment else data.get("name") if kind.is_endpoint else None
    return kind, name if isinstance(name, str) else None
