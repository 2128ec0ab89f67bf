"""Which targets exist, by name. A new target is a class implementing `target.Target` and a line here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError
from ..registry import Registry
from .errors import DeployError
from .target import Progress, Target


def _local(registry: Registry | None, progress: Progress | None, settings: dict) -> Target:
    from .local.operations import LocalEndpoints

    return LocalEndpoints(registry=registry, progress=progress)


def _aci(registry: Registry | None, progress: Progress | None, settings: dict) -> Target:
    from .aci.target import AciServices

    return AciServices(registry=registry, progress=progress)


# name -> a function of (registry, progress, settings such as the kube context) making the target
TARGETS: dict[str, Callable[[Registry | None, Progress | None, dict], Target]] = {"local": _local, "aci": _aci}


def get_target(name: str, registry: Registry | None = None, progress: Progress | None = None,
               settings: dict | None = None) -> Target:
    try:
        make = TARGETS[name]
    except KeyError:
        raise DeployError(f"No deployment target {name!r}; the targets are {', '.join(sorted(TARGETS))}.") from None
    return make(registry, progress, {k: v for k, v in (settings or {}).items() if v is not None})


def remote_target_name(file: Path | None, endpoint: str | None) -> str:
    """Which target a command without --local is for: decided by the configuration's kind (a
    Kubernetes online endpoint or deployment), else by where the endpoint was published."""
    remote = sorted(set(TARGETS) - {"local"})
    if not remote:
        raise UsageError("Add --local: AML Deploy runs online endpoints on this machine's Docker engine (--local); "
                          "publishing them elsewhere is done with `aml-deploy model deploy` and `aml-deploy service`.")
    raise UsageError(f"Add --local, or give a Kubernetes online endpoint or deployment file (targets: {', '.join(remote)}).")
