"""Names and labels of the objects an endpoint is published as.

An endpoint owns its front (a Deployment and a LoadBalancer Service named after the endpoint) and
its Secrets (`<endpoint>-keys`, `<endpoint>-front`, `<endpoint>-registry`); each deployment owns a
Deployment, a Service and maybe an HPA named `<endpoint>-<deployment>`. The endpoint's objects and
each deployment's objects are separate instances (app.kubernetes.io/instance `<endpoint>` and
`<endpoint>.<deployment>`), so applying one deployment prunes only what that deployment no longer
needs, and never another endpoint's objects in a shared namespace."""

from __future__ import annotations

import hashlib

from ...kube import recommended_labels

ENDPOINT_LABEL = "aml-deploy/endpoint"
DEPLOYMENT_LABEL = "aml-deploy/deployment"
PART_OF = "app.kubernetes.io/part-of"
COMPONENT = "app.kubernetes.io/component"
FRONT, SCORER = "front", "scorer"  # app.kubernetes.io/name of the two workloads
CONFIG_HASH = "aml-deploy/front-config"  # on the front's pod template: a new configuration rolls it
MAX_NAME = 63


def fit(name: str) -> str:
    """`name` lower-cased, cut to 63 characters with a hash of the whole when longer (DNS label)."""
    name = name.lower()
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9].rstrip('-.')}-{digest}"


def front_name(endpoint: str) -> str:
    return fit(endpoint)


def scorer_name(endpoint: str, deployment: str) -> str:
    return fit(f"{endpoint}-{deployment}")


def keys_secret(endpoint: str) -> str:
    return fit(f"{endpoint}-keys")


def front_secret(endpoint: str) -> str:
    return fit(f"{endpoint}-front")


def pull_secret(endpoint: str) -> str:
    return fit(f"{endpoint}-registry")


def endpoint_instance(endpoint: str) -> str:
    return fit(endpoint)


def deployment_instance(endpoint: str, deployment: str) -> str:
    return fit(f"{endpoint}.{deployment}")


def endpoint_labels(endpoint: str, component: str, name: str = FRONT) -> dict[str, str]:
    labels = recommended_labels(name, endpoint_instance(endpoint), component=component, part_of=fit(endpoint))
    return {**labels, ENDPOINT_LABEL: fit(endpoint)}


def deployment_labels(endpoint: str, deployment: str, version: str | None = None) -> dict[str, str]:
    labels = recommended_labels(
        SCORER, deployment_instance(endpoint, deployment), component="deployment", part_of=fit(endpoint), version=_label_value(version)
    )
    return {**labels, ENDPOINT_LABEL: fit(endpoint), DEPLOYMENT_LABEL: fit(deployment)}


def selector(labels: dict[str, str]) -> dict[str, str]:
    """The labels a workload selects its pods by: those that never change (a selector is immutable)."""
    from ...kube.labels import INSTANCE, NAME

    return {key: labels[key] for key in (NAME, INSTANCE)}


def _label_value(value: str | None) -> str | None:
    """A version as a label value, or None when it cannot be one."""
    if not value:
        return None
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in value)[:MAX_NAME].strip("-_.")
    return cleaned or None
