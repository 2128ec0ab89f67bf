"""Container-group bodies for tests: small groups of the busybox image, in the shape the official spec wants."""

from __future__ import annotations

import json

from tests.standins.arm_spec import EXAMPLES

SERVE_WWW = "mkdir -p /www && echo {text} > /www/index.html && exec httpd -f -p {port} -h /www"


def example_body() -> dict:
    """The spec-valid scorer body from the shared reference (never run: its image is not in any registry)."""
    return json.loads((EXAMPLES / "aci-put-body.fixture.json").read_text())


def container(name: str, image: str, command: str, *, ports=(), cpu: float = 0.5, memory: float = 0.25, env=None, **extra) -> dict:
    properties = {
        "image": image,
        "command": ["sh", "-c", command],
        "resources": {"requests": {"cpu": cpu, "memoryInGB": memory}},
        "ports": [{"port": port, "protocol": "TCP"} for port in ports],
        "environmentVariables": env or [],
        **extra,
    }
    return {"name": name, "properties": properties}


def group(
    containers: list[dict],
    *,
    registry_server: str,
    auth: dict,
    public_ports=(),
    label: str | None = None,
    location: str = "westeurope",
    **properties,
) -> dict:
    body = {
        "location": location,
        "properties": {
            "osType": "Linux",
            "restartPolicy": "Always",
            "containers": containers,
            "imageRegistryCredentials": [{"server": registry_server, "username": auth["username"], "password": auth["password"]}],
            **properties,
        },
    }
    if public_ports:
        body["properties"]["ipAddress"] = {"type": "Public", "ports": [{"port": p, "protocol": "TCP"} for p in public_ports]}
        if label:
            body["properties"]["ipAddress"]["dnsNameLabel"] = label
    return body


def web_group(image: str, registry, *, text: str = "hello", label: str | None = "web-test", **properties) -> dict:
    """One busybox httpd answering `text` on port 80, published."""
    web = container("web", image, SERVE_WWW.format(text=text, port=80), ports=[80])
    return group([web], registry_server=registry.host, auth=registry.auth_config(), public_ports=[80], label=label, **properties)
