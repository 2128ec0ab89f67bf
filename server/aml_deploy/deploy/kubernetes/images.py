"""The images a cluster runs, in the registry it pulls from: the deployment's publish image (built in
layers and checked locally by deploy.publish, pushed by digest) and the front's HAProxy image (the
cluster cannot reach this machine's engine, so the front goes to the same registry)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ... import front
from ..errors import DeployError
from ..publish import (
    LocalCheckFailed,
    PublishImage,
    RegistryCredentials,
    RegistrySettings,
    build_image,
    docker_config_credentials,
    local_check,
    plan_push,
    pull_credentials,
    push,
    push_credentials,
    push_image,
)
from ..publish.front_image import publish_front_image
from ..published import PublishedServices
from ..spec import DeploymentSpec
from .manifests import dockerconfigjson

FRONT_REPOSITORY = "aml-front"  # shared with the ACI target: one front image per registry
PASSWORD_VARIABLE = "AML_DEPLOY_REGISTRY_PASSWORD"  # never a command-line option: it would be in the shell history


@dataclass
class Published:
    reference: str  # by digest; by tag for a dry run (nothing was pushed)
    image: PublishImage
    seconds: dict[str, float] = field(default_factory=dict)  # build, local-check, push
    bytes_pushed: int = 0
    bytes_skipped: int = 0
    layers_pushed: list[str] = field(default_factory=list)  # the kind of each layer sent: environment, model, code
    reused: bool = False  # the same image was already published: neither checked nor pushed again

    def to_dict(self) -> dict:
        """As the ACI target's publish run says it (`push` is None when nothing was pushed)."""
        push = (
            None
            if self.reused
            else {
                "reference": self.reference,
                "bytes_pushed": self.bytes_pushed,
                "bytes_skipped": self.bytes_skipped,
                "layers_pushed": len(self.layers_pushed),
                "layer_kinds": self.layers_pushed,
            }
        )
        return {"image": self.reference, "local_image": self.image.tag, "reused": self.reused, "push": push}


def registry_settings(settings: dict, published: dict | None) -> RegistrySettings:
    """The registry: --registry (or AML_DEPLOY_IMAGE_REGISTRY), else the one the endpoint was published with."""
    known = (published or {}).get("registry") or {}
    server = settings.get("registry") or known.get("server") or os.environ.get("AML_DEPLOY_IMAGE_REGISTRY")
    if not server:
        raise DeployError(
            "A cluster pulls images from a registry: give --registry (e.g. myacr.azurecr.io, or "
            "host:port), or set AML_DEPLOY_IMAGE_REGISTRY. Log in with docker login, or give "
            f"--registry-username and the password in {PASSWORD_VARIABLE}."
        )
    username = settings.get("registry_username") or (known.get("username") if server == known.get("server") else None)
    password = (settings.get("registry_password") or os.environ.get(PASSWORD_VARIABLE)) if username else None
    repository = settings.get("registry_repository") or known.get("repository") or "aml-deploy"
    return RegistrySettings(server, repository, username, password)


def credentials_to_push(registry: RegistrySettings) -> RegistryCredentials:
    """Given credentials, else what docker login stored (for an ACR too: no Azure sign-in needed), else
    the ACR paths or anonymous."""
    if not registry.username and registry.is_acr:
        found = docker_config_credentials(registry.server)
        if found is not None:
            return found
    return push_credentials(registry)


def pull_secret(registry: RegistrySettings) -> bytes | None:
    """The .dockerconfigjson the cluster pulls with; None when the registry needs no credentials."""
    if not registry.username and registry.is_acr:
        found = docker_config_credentials(registry.server)
    else:
        found = pull_credentials(registry)
    if found is None or found.username is None:
        if found is not None and found.identity_token:
            raise DeployError(
                f"Only a short-lived identity token for {registry.server} is stored, which a cluster "
                f"cannot pull with: give --registry-username and the password in {PASSWORD_VARIABLE}."
            )
        return None
    return dockerconfigjson(found.server, found.username, found.password or "")


def publish(
    client,
    spec: DeploymentSpec,
    registry: RegistrySettings,
    services: PublishedServices,
    *,
    check: bool,
    ca: Path | None,
    timeout: float,
    previous: dict | None,
    say,
) -> Published:
    """Build the image; unless it is the one already published (`previous`: the record's image and key),
    check it locally and push it. LocalCheckFailed when the check fails (nothing is pushed)."""
    seconds: dict[str, float] = {}
    started = time.monotonic()
    say("Building the image: environment, model, code")
    image = build_image(client, spec, on_line=lambda line: None, ca=ca)
    seconds["build"] = time.monotonic() - started
    if previous and previous.get("image_key") == image.key and previous.get("image"):
        say("The image is the one already published: nothing to check or push")
        return Published(previous["image"], image, seconds, reused=True)
    if check:
        started = time.monotonic()
        say("Checking the image on this machine, behind the front, with a key")
        result = local_check(client, spec, image.tag, ca=ca, timeout=timeout, progress=say)
        seconds["local-check"] = time.monotonic() - started
        if not result.passed:
            raise LocalCheckFailed(result)
    started = time.monotonic()
    pushed = push(
        client,
        image,
        registry,
        spec.endpoint,
        credentials_to_push(registry),
        services=services,
        report=lambda progress: say(progress.text()) if progress.sent is None else None,
    )
    seconds["push"] = time.monotonic() - started
    kinds = {layer.diff_id.split(":", 1)[-1][:12]: layer.kind for layer in image.layers}
    sent = [kinds.get(layer.id, "?") for layer in pushed.pushed_layers]
    return Published(pushed.reference, image, seconds, pushed.bytes_pushed, pushed.bytes_skipped, sent)


def planned(
    client, spec: DeploymentSpec, registry: RegistrySettings, services: PublishedServices, *, ca: Path | None, previous: dict | None
) -> Published:
    """For --dry-run: the image built (locally), referred to by digest when that very image was published
    before, else by the tag a publish would push."""
    image = build_image(client, spec, ca=ca)
    if previous and previous.get("image_key") == image.key and previous.get("image"):
        return Published(previous["image"], image, reused=True)
    return Published(plan_push(image, registry, spec.endpoint, services)["reference"], image)


def front_image(client, registry: RegistrySettings, *, ca: Path | None, setting: str | None = None, dry_run: bool = False) -> str:
    """The front's image (the one the local check runs, as uid 99) in the registry, by digest; pushed when
    the registry lacks it. For a dry run, the tag it would be pushed as."""
    local = publish_front_image(client, setting or front.DEFAULT_IMAGE, ca=ca)
    tag = local.rsplit(":", 1)[-1]
    repository = registry.image_repository(FRONT_REPOSITORY)
    if dry_run:
        return f"{repository}:{tag}"
    return push_image(client, local, repository, tag, credentials_to_push(registry)).reference
