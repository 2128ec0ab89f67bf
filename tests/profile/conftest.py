"""Profiling tests run real deployments on the Docker engine (started by the tests when needed):
a scoring script with known needs (known_needs/score.py) in the sample's environment image."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from aml_deploy.deploy.local.operations import LocalEndpoints
from aml_deploy.registry import Registry
from tests.local.conftest import remove_containers
from tests.support import FIXTURES, docker_engine

pytestmark = pytest.mark.docker
KNOWN_NEEDS = Path(__file__).resolve().parent / "known_needs"


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
    return f"p{uuid.uuid4().hex[:10]}"


@pytest.fixture
def local(docker_client, home, endpoint_name):
    endpoints = LocalEndpoints(registry=Registry(home / "registry"), home=home / "home" / "local")
    yield endpoints
    remove_containers(docker_client, endpoint_name)  # whatever a failing test left, the endpoint's front too


def leftovers(docker_client, endpoint: str) -> list[str]:
    """Every container (deployments and the endpoint's front) and network of the endpoint."""
    label = {"label": f"aml-deploy.endpoint={endpoint}"}
    return [c.name for c in docker_client.containers.list(all=True, filters=label)] + [
        n.name for n in docker_client.networks.list(filters=label)
    ]


@pytest.fixture
def make_deployment(tmp_path, endpoint_name):
    """make_deployment(name, hold_mb=, burn_ms=, fail_after=, fail_every=, init_fails=) -> the deployment YAML: the
    sample's model and environment with the known-needs script."""
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "sample", root)
    shutil.copy(KNOWN_NEEDS / "score.py", root / "src" / "score.py")

    def make(name: str, hold_mb: int = 0, burn_ms: float = 0, fail_after: int = 0, fail_every: int = 0, init_fails: bool = False) -> Path:
        text = (KNOWN_NEEDS / "deployment.yml").read_text()
        for placeholder, value in (
            ("DEPLOYMENT", name),
            ("ENDPOINT", endpoint_name),
            ("HOLD", hold_mb),
            ("BURN", burn_ms),
            ("FAIL_AFTER", fail_after),
            ("FAIL_EVERY", fail_every),
            ("INIT_FAIL", "yes" if init_fails else ""),
        ):
            text = text.replace(f"@{placeholder}@", str(value))
        path = root / f"{name}.yml"
        path.write_text(text)
        return path

    return make
