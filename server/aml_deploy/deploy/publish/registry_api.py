"""The one registry operation the Docker engine does not offer: deleting a pushed image (its manifest, by
digest), through the registry's own API (distribution v2). Authentication as registries ask for it:
Basic, or a Bearer token from the registry's token service (the realm of its challenge; Azure Container
Registry and Docker Hub work this way), asked for with the same username and password."""

from __future__ import annotations

import re

from ..errors import DeployError
from .credentials import RegistryCredentials

_PARAM = re.compile(r'(\w+)="([^"]*)"')


class RegistryApiError(DeployError):
    code = "registry-api"


def delete_image(reference: str, credentials: RegistryCredentials | None, timeout: float = 30.0) -> bool:
    """Delete `<server>/<repository>@sha256:...` from its registry; False when it was not there."""
    import requests

    server, _, rest = reference.partition("/")
    repository, _, digest = rest.partition("@")
    if not repository or not digest.startswith("sha256:"):
        raise RegistryApiError(f"{reference} is not an image by digest (<registry>/<repository>@sha256:...).")
    path = f"/v2/{repository}/manifests/{digest}"
    session = requests.Session()
    try:
        answer, base = _first_answer(session, server, path, timeout)
        if answer.status_code == 401:
            session.headers["Authorization"] = _authorization(
                session, answer.headers.get("WWW-Authenticate", ""), repository, credentials, server, timeout
            )
            answer = session.delete(f"{base}{path}", timeout=timeout)
    except requests.RequestException as err:
        raise RegistryApiError(f"Could not reach the registry {server} to delete {reference}: {err}") from None
    if answer.status_code in (200, 202):
        return True
    if answer.status_code == 404:
        return False
    if answer.status_code == 405:
        raise RegistryApiError(f"The registry {server} does not allow deleting images (a registry setting); {reference} stays.")
    raise RegistryApiError(f"The registry {server} refused to delete {reference}: {answer.status_code} {answer.text[:200]}")


def _first_answer(session, server: str, path: str, timeout: float):
    """HTTPS first; plain HTTP only for a registry on this machine, as the Docker engine allows."""
    import requests

    try:
        return session.delete(f"https://{server}{path}", timeout=timeout), f"https://{server}"
    except requests.exceptions.SSLError:
        if not server.startswith(("127.", "localhost")):
            raise
    except requests.ConnectionError:
        if not server.startswith(("127.", "localhost")):
            raise
    return session.delete(f"http://{server}{path}", timeout=timeout), f"http://{server}"


def _authorization(session, challenge: str, repository: str, credentials: RegistryCredentials | None, server: str, timeout: float) -> str:
    if credentials is None or credentials.username is None:
        raise RegistryApiError(f"The registry {server} asks for credentials to delete an image; none are known for it.")
    scheme, _, params = challenge.partition(" ")
    if scheme.lower() == "basic":
        import base64

        pair = f"{credentials.username}:{credentials.password or ''}".encode()
        return "Basic " + base64.b64encode(pair).decode()
    values = dict(_PARAM.findall(params))
    if scheme.lower() != "bearer" or "realm" not in values:
        raise RegistryApiError(f"The registry {server} asks for an authentication this command does not speak: {challenge[:100]}")
    answer = session.get(
        values["realm"],
        params={"service": values.get("service", server), "scope": f"repository:{repository}:delete"},
        auth=(credentials.username, credentials.password or ""),
        timeout=timeout,
    )
    body = answer.json() if answer.status_code == 200 else {}
    token = body.get("token") or body.get("access_token")
    if not token:
        raise RegistryApiError(
            f"The registry {server}'s token service refused {credentials.username} "
            f"({answer.status_code}): the account may not delete images."
        )
    return f"Bearer {token}"
