"""The endpoint's front as a value, changed the way publishing needs it: credentials made ready (two keys,
or a token valid for at least half its lifetime), a deployment added at its Service's address with its
limits, traffic shares from a file, and the deployments as the local record last saw them."""

from __future__ import annotations

import time
from dataclasses import replace

from ... import front
from ...front.credentials import TOKEN_LIFETIME_S
from ..published import PublishedService
from .manifests import service_address
from .settings import PodSettings


def ready(credentials: front.Credentials, auth: str) -> front.Credentials:
    """Two keys for key auth; for aml_token, a token valid for at least half its lifetime (so that
    get-credentials has one to give without changing the front)."""
    if auth == "key" and not (credentials.primary_key and credentials.secondary_key):
        return replace(
            credentials, primary_key=credentials.primary_key or front.new_key(), secondary_key=credentials.secondary_key or front.new_key()
        )
    if auth == "aml_token" and fresh_token(credentials) is None:
        return replace(credentials, tokens=credentials.valid_tokens() + [front.Token.new()])
    return credentials


def fresh_token(credentials: front.Credentials) -> front.Token | None:
    fresh = [t for t in credentials.valid_tokens() if t.expires - time.time() > TOKEN_LIFETIME_S / 2]
    return max(fresh, key=lambda t: t.expires) if fresh else None


def v1_keys(config: dict, credentials: front.Credentials, auth: str) -> front.Credentials:
    """v1's `keys` when given (azureml-core sends them as the service's keys), else kept or generated."""
    keys: dict = config["keys"] if isinstance(config.get("keys"), dict) else {}
    credentials = replace(
        credentials,
        primary_key=keys.get("primaryKey") or credentials.primary_key,
        secondary_key=keys.get("secondaryKey") or credentials.secondary_key,
    )
    return ready(credentials, auth)


def shares(value, served: front.Front, which: str) -> dict[str, int] | None:
    if value is None:
        return {d.name: getattr(d, which) for d in served.deployments} if which == "weight" else None
    return {str(k): int(v) for k, v in dict(value).items()}


def with_deployment(
    served: front.Front, endpoint: str, deployment: str, namespace: str, pod: PodSettings, default_weight: int
) -> front.Front:
    """The front with `deployment` at its Service's address with its limits; its traffic share kept."""
    entry = served.deployment(deployment)
    weight = entry.weight if entry is not None else default_weight
    mirror = entry.mirror if entry is not None else 0
    updated = front.Deployment(deployment, service_address(endpoint, deployment, namespace), weight, mirror, pod.front_limits())
    others = [d for d in served.deployments if d.name != deployment]
    return replace(
        served,
        deployments=others + [updated] if entry is None else [updated if d.name == deployment else d for d in served.deployments],
        api=pod.api,
    )


def known_deployments(served: front.Front, record: PublishedService | None) -> front.Front:
    """The front's deployments as the local record last saw them (for --dry-run, which asks no cluster)."""
    described = ((record.settings.get("front") or {}).get("deployments") or []) if record else []
    return replace(
        served,
        deployments=[front.Deployment(d["name"], d["address"], d["weight"], d["mirror"], front.Limits(**d["limits"])) for d in described],
    )
