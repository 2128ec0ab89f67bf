"""Local deployment tests run against a real Docker engine (started by the tests when needed) and
the base image the sample names (pulled, or built offline once)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from aml_deploy.deploy.local.operations import LocalEndpoints
from aml_deploy.registry import Registry
from tests.support import FIXTURES, docker_engine

pytestmark = pytest.mark.docker


@pytest.fixture(scope="session")
def docker_client():
    client = docker_engine()
    yield client
    client.close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("AML_DEPLOY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AML_DEPLOY_REGISTRY", str(tmp_path / "registry"))
    return tmp_path


@pytest.fixture
def endpoint_name():
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def local(docker_client, home, endpoint_name):
    """The product's local endpoints; what they leave, `_nothing_left_behind` removes."""
    return LocalEndpoints(registry=Registry(home / "registry"), home=home / "home" / "local")


@pytest.fixture(autouse=True)
def _nothing_left_behind(request):
    """A test whose endpoint outlives it (a CLI create that failed keeps its endpoint and front, as in
    Azure) still leaves no container or network behind it."""
    if "endpoint_name" not in request.fixturenames:
        yield
        return
    client, name = request.getfixturevalue("docker_client"), request.getfixturevalue("endpoint_name")
    yield
    remove_containers(client, name)


def rename_sample_endpoint(root: Path, name: str) -> None:
    """Gives the sample endpoint under `root` a name unique to one test, so tests never share containers."""
    for path in (root / "sample" / "endpoint.yml", root / "sample" / "blue-deployment.yml"):
        path.write_text(path.read_text().replace("sample-endpoint", name))


def remove_containers(docker_client, endpoint_name: str) -> None:
    """Removes whatever a failing test left for its endpoint: its containers (the front's too) and its network."""
    for container in docker_client.containers.list(all=True, filters={"label": f"aml-deploy.endpoint={endpoint_name}"}):
        container.remove(force=True)
    for network in docker_client.networks.list(filters={"label": f"aml-deploy.endpoint={endpoint_name}"}):
        network.remove()


@pytest.fixture
def workspace(tmp_path, endpoint_name) -> Path:
    """A copy of test-fixtures/ whose endpoint names are unique to this test."""
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES, root)
    rename_sample_endpoint(root, endpoint_name)
    return root
