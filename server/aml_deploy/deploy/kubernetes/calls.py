"""Requests through a published endpoint's front, as a caller sends them: `Authorization: Bearer
<key or token>`, and `azureml-model-deployment` to name a deployment."""

from __future__ import annotations

from dataclasses import dataclass

from ... import front
from ..errors import DeployError
from .manifests import PUBLIC_PORT

DEPLOYMENT_HEADER = "azureml-model-deployment"


@dataclass
class Answer:
    status: int
    text: str
    deployment: str | None  # the deployment that served it, as the front says


def base_uri(address: str) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}" + ("" if PUBLIC_PORT == 80 else f":{PUBLIC_PORT}")


def credential(served: front.Front, issue_token=None) -> str | None:
    """What a caller authenticates with: the primary key, or a valid token (`issue_token()` makes one
    when there is none)."""
    if served.auth_mode == "key":
        return served.credentials.primary_key
    if served.auth_mode == "aml_token":
        valid = served.credentials.valid_tokens()
        if valid:
            return max(valid, key=lambda t: t.expires).value
        return issue_token() if issue_token else None
    return "any" if served.auth_mode == "aad_token" else None


def send(
    address: str, path: str, *, secret: str | None, deployment: str | None = None, body: bytes | None = None, timeout: float = 60.0
) -> Answer:
    """GET (no body) or POST `path` through the front at `address`."""
    import requests

    headers = {}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    if deployment:
        headers[DEPLOYMENT_HEADER] = deployment
    url = base_uri(address) + path
    try:
        if body is None:
            response = requests.get(url, headers=headers, timeout=timeout)
        else:
            response = requests.post(url, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=timeout)
    except requests.RequestException as err:
        raise DeployError(f"Could not reach the endpoint at {url}: {err}") from None
    return Answer(response.status_code, response.text, response.headers.get(DEPLOYMENT_HEADER))
