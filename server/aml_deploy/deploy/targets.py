"""Which targets exist, by name. A new target is a class implementing `target.Target` and a line here."""

from __future__ import annotations

from collections.abc import Callable

from ..registry import Registry
from .errors import DeployError
from .target import Progress, Target


def _local(registry: Registry | None, progress: Progress | None) -> Target:
    from .local.operations import LocalEndpoints

    return LocalEndpoints(registry=registry, progress=progress)


def _aci(registry: Registry | None, progress: Progress | None) -> Target:
    from .aci.target import AciServices

    return AciServices(registry=registry, progress=progress)


TARGETS: dict[str, Callable[[Registry | None, Progress | None], Target]] = {"local": _local, "aci": _aci}


def get_target(name: str, registry: Registry | None = None, progress: Progress | None = None) -> Target:
    try:
        make = TARGETS[name]
    except KeyError:
        raise DeployError(f"No deployment target {name!r}; the targets are {', '.join(sorted(TARGETS))}.") from None
    return make(registry, progress)
