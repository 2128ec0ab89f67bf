"""The front's tests run the real HAProxy in a container on a real Docker engine (started by the
tests when needed), in front of scoring stand-ins (standin.py) started from the base image. The
front image is the fallback built from that base image with Debian's haproxy package: no registry
can be reached here to pull the official one."""

from __future__ import annotations

import uuid

import pytest

from aml_deploy import front
from tests.front.standins import remove_standins, start_standin
from tests.support import docker_engine, require

pytestmark = pytest.mark.docker


@pytest.fixture(scope="session")
def docker_client():
    client = docker_engine()
    yield client
    client.close()


@pytest.fixture(scope="session")
def front_image(docker_client) -> str:
    try:
        return front.ensure_image(docker_client, image=None).tag
    except front.FrontError as err:  # e.g. the Debian mirror cannot be reached
        require(False, f"no front image: {err}")


class Endpoint:
    """One endpoint under test: its name, stand-ins, and the front (started on demand)."""

    def __init__(self, client, image: str) -> None:
        self.client, self.image = client, image
        self.name = f"tf{uuid.uuid4().hex[:10]}"
        self.standins = {}

    def standin(self, name: str):
        self.standins[name] = start_standin(self.client, self.name, name)
        return self.standins[name]

    def deployment(self, name: str, weight: int = 0, mirror: int = 0, limits: front.Limits | None = None):
        return front.Deployment(name, self.standins[name].address, weight, mirror, limits or front.Limits())

    def start(self, spec: front.Front, port: int | None = None) -> front.FrontState:
        return front.start(self.client, spec, self.image, port=port)

    def url(self, path: str = "/score") -> str:
        return front.status(self.client, self.name).scoring_uri.replace("/score", path)

    def close(self) -> None:
        front.remove(self.client, self.name)
        remove_standins(self.client, self.name)


@pytest.fixture
def endpoint(docker_client, front_image):
    created = Endpoint(docker_client, front_image)
    yield created
    created.close()


@pytest.fixture(scope="module")
def module_endpoint(docker_client, front_image):
    created = Endpoint(docker_client, front_image)
    yield created
    created.close()
