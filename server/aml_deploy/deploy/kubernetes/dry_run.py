"""--dry-run: the manifests a publish would apply, as multi-document YAML (the same bytes for the same
input), without asking the cluster anything: the front's deployments and traffic as the local record last
saw them, keys and registry passwords as placeholders, the image by digest when that very image was
published before (else by the tag a publish would push)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ... import front, kube
from ..errors import DeployError
from ..published import PublishedService
from ..spec import DeploymentSpec
from . import fronts, images, live, names, settings
from .manifests import EndpointPlan, ScorerPlan, dockerconfigjson, endpoint_objects, scorer_objects
from .place import Place, choose

if TYPE_CHECKING:
    from .target import KubernetesEndpoints

REDACTED = front.Credentials("redacted-primary-key", "redacted-secondary-key")


def endpoint_manifests(target: KubernetesEndpoints, file: Path | None = None, name: str | None = None) -> str:
    """The endpoint's objects as `create_endpoint` would apply them (secrets as placeholders)."""
    data = settings.read_config(file)[1] if file is not None else {}
    name = name or data.get("name")
    if not name:
        raise DeployError("Give the endpoint a name (--name, or name: in the file).")
    record = target.record(name)
    place = choose(name, target.settings, record, compute=data.get("compute"))
    served = live.new_front(name, front.normalize_auth_mode(data.get("auth_mode") or "key"), REDACTED)
    served = fronts.known_deployments(served, record)
    if data.get("traffic") is not None or data.get("mirror_traffic") is not None:
        served = served.with_traffic(
            fronts.shares(data.get("traffic"), served, "weight") or {}, fronts.shares(data.get("mirror_traffic"), served, "mirror")
        )
    return kube.dump_manifests(_planned_endpoint(target, place, served, record))


def deployment_manifests(target: KubernetesEndpoints, spec: DeploymentSpec, all_traffic: bool = False) -> str:
    """This deployment's objects and its endpoint's, as `deploy` would apply them; nothing is sent (the
    image is built here, and named by digest when that very image was published before)."""
    pod = target.pod_settings(spec)
    record = target.record(spec.endpoint)
    config = spec.target_settings
    place = choose(spec.endpoint, target.settings, record, compute=config.get("computeTargetName"), namespace=config.get("namespace"))
    registry = images.registry_settings(target.settings, record.settings if record else None)
    previous = (record.settings.get("deployments") or {}).get(spec.deployment) if record else None
    published = images.planned(target.client, spec, registry, target.services, ca=target.ca, previous=previous)
    api = front.V1 if spec.is_v1 else front.V2
    auth = front.v1_auth_mode(config) if spec.is_v1 else (record.auth_mode if record else "key")
    served = fronts.known_deployments(live.new_front(spec.endpoint, auth, REDACTED, api), record)
    served = fronts.with_deployment(
        served, spec.endpoint, spec.deployment, place.namespace, pod, default_weight=100 if spec.is_v1 or all_traffic else 0
    )
    if all_traffic:
        served = served.with_traffic({spec.deployment: 100})
    plan = ScorerPlan(
        spec.endpoint,
        spec.deployment,
        place.namespace,
        published.reference,
        pod,
        version=settings.model_version(spec),
        pull_secret=names.pull_secret(spec.endpoint),
    )
    return kube.dump_manifests(_planned_endpoint(target, place, served, record) + scorer_objects(plan))


def _planned_endpoint(target: KubernetesEndpoints, place: Place, served: front.Front, record: PublishedService | None) -> list[dict]:
    known = record.settings if record else {}
    registry = images.registry_settings(target.settings, known)
    front_image = known.get("front_image") or images.front_image(
        target.client, registry, ca=target.ca, dry_run=True, setting=target.settings.get("front_image")
    )
    pull = dockerconfigjson(registry.server, registry.username or "redacted", "redacted")
    return endpoint_objects(EndpointPlan(served.endpoint, place.namespace, served, front_image, known.get("own_namespace", True), pull))
