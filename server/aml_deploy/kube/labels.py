"""The recommended labels (app.kubernetes.io/*) every object we publish carries; apply() finds the
objects it owns by MANAGED_BY and INSTANCE, so it never touches anything else in a namespace."""

from __future__ import annotations

NAME = "app.kubernetes.io/name"
INSTANCE = "app.kubernetes.io/instance"
VERSION = "app.kubernetes.io/version"
COMPONENT = "app.kubernetes.io/component"
PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGER = "aml-deploy"
REQUIRED = (NAME, INSTANCE, MANAGED_BY)


def recommended_labels(
    name: str, instance: str, *, component: str | None = None, part_of: str | None = None, version: str | None = None
) -> dict[str, str]:
    """name: what runs (e.g. "scorer"); instance: this publication, unique in the namespace (e.g. the
    endpoint name); component: e.g. "deployment-blue" or "front"; part_of: e.g. the endpoint."""
    labels = {NAME: name, INSTANCE: instance, MANAGED_BY: MANAGER}
    for key, value in ((COMPONENT, component), (PART_OF, part_of), (VERSION, version)):
        if value:
            labels[key] = value
    return labels


def ownership_selector(instance: str, manager: str = MANAGER) -> str:
    return f"{MANAGED_BY}={manager},{INSTANCE}={instance}"
