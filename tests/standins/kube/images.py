"""Image pulls as a node does them: from the registry the image names, with the pod's
imagePullSecrets; a name without a registry only when the image is already on this engine."""

from __future__ import annotations

import base64
import json

import docker
import docker.errors


class PullError(Exception):
    pass


def registry_of(image: str) -> str | None:
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return None


def credentials(secrets: list[dict], registry: str) -> dict | None:
    """username/password for `registry` from kubernetes.io/dockerconfigjson Secrets."""
    for secret in secrets:
        raw = (secret.get("data") or {}).get(".dockerconfigjson")
        if secret.get("type") != "kubernetes.io/dockerconfigjson" or not raw:
            continue
        auths = json.loads(base64.b64decode(raw)).get("auths", {})
        for server, entry in auths.items():
            if server.split("://")[-1].rstrip("/") != registry:
                continue
            if "username" in entry:
                return {"username": entry["username"], "password": entry.get("password", "")}
            user, _, password = base64.b64decode(entry.get("auth", "")).decode().partition(":")
            return {"username": user, "password": password}
    return None


def pull(client: docker.DockerClient, image: str, auth: dict | None) -> None:
    """Raises PullError with the registry's own words (the engine reports most failures in-band)."""
    repository, separator, reference = image.rpartition("@") if "@" in image else (None, "", None)
    if not separator:
        name, colon, tag = image.rpartition(":")
        repository, reference = (name, tag) if colon and "/" not in tag else (image, "latest")
    try:
        for line in client.api.pull(repository, tag=reference, stream=True, decode=True, auth_config=auth):
            if "error" in line:
                raise PullError(line.get("errorDetail", {}).get("message") or line["error"])
    except docker.errors.APIError as error:
        raise PullError(error.explanation or str(error)) from None


def present(client: docker.DockerClient, image: str) -> bool:
    try:
        client.images.get(image)
        return True
    except docker.errors.ImageNotFound:
        return False
