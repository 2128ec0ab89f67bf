"""Scoring stand-in containers (standin.py in the base image), joined to an endpoint's network the
way local deployments are, each with its own port on 127.0.0.1 for direct calls."""

from __future__ import annotations

import io
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from aml_deploy.front import connect_deployment

SCRIPT = Path(__file__).with_name("standin.py")
BASE_IMAGE = "python:3.11-slim"


@dataclass
class Standin:
    name: str
    container: object
    address: str  # as the front reaches it
    port: int  # on 127.0.0.1, for direct calls

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stats(self) -> dict:
        return requests.get(f"{self.url}/stats", timeout=5).json()


def start_standin(client, endpoint: str, name: str) -> Standin:
    container = client.containers.create(
        BASE_IMAGE,
        command=["python3", "-u", "/opt/standin.py"],
        name=f"{endpoint}.{name}",
        detach=True,
        environment={"STANDIN_NAME": name},
        ports={"5001/tcp": ("127.0.0.1", None)},
        labels={"aml-deploy.test-standin": endpoint},
    )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(SCRIPT, arcname="standin.py")
    container.put_archive("/opt", buffer.getvalue())
    address = connect_deployment(client, endpoint, container, name)
    container.start()
    container.reload()
    port = int(container.attrs["NetworkSettings"]["Ports"]["5001/tcp"][0]["HostPort"])
    standin = Standin(name, container, address, port)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            standin.stats()
            return standin
        except requests.RequestException:
            time.sleep(0.05)
    raise TimeoutError(f"stand-in {name} did not answer")


def remove_standins(client, endpoint: str) -> None:
    for container in client.containers.list(all=True, filters={"label": f"aml-deploy.test-standin={endpoint}"}):
        container.remove(force=True)
