"""HTTP to a local endpoint on 127.0.0.1. `requests` is imported on first use: it costs the
language server about 70 ms at start, and most editing sessions never call an endpoint."""

from __future__ import annotations

from ..errors import DeployError


def answers(port: int | None, timeout: float = 2.0) -> bool:
    """Whether the inference server on `port` answers its liveness route (`GET /` → 200)."""
    if port is None:
        return False
    import requests

    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


def get_json(url: str, timeout: float = 10.0) -> dict | None:
    """The JSON document at `url`, or None when it cannot be had."""
    import requests

    try:
        response = requests.get(url, timeout=timeout)
        return response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str, dict[str, str]]:
    """(status, text, headers) of a POST; a clear DeployError when the endpoint cannot be reached."""
    import requests

    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout)
    except requests.RequestException as err:
        raise DeployError(f"Could not reach {url}: {err}") from None
    return response.status_code, response.text, {k.lower(): v for k, v in response.headers.items()}
