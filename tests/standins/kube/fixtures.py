"""pytest fixtures for the Kubernetes stand-in. Use them from a conftest.py:
`from tests.standins.kube.fixtures import *  # noqa: F401,F403`.

- kube_api:      the API server alone (pods are scheduled but never run: no Docker needed); KUBECONFIG set.
- kube_cluster:  the API server with its Docker node (pods run; back-off 1 s..8 s); KUBECONFIG set;
                 at the end, checks that no container or network of it is left.
- kube_registry: a real registry (session) with htpasswd auth, and `kube_image`: a small HTTP server
                 image pushed to it (python3 -m http.server 8080 in the offline base image).
"""

from __future__ import annotations

import base64
import json
import secrets

import pytest

from tests.standins.kube import KubeStandin
from tests.standins.registry import DebianRegistry, available
from tests.support import docker_engine, require

BASE_IMAGE = "aml-deploy-test/base:bookworm"


@pytest.fixture(scope="session")
def kube_docker():
    client = docker_engine()
    yield client
    client.close()


@pytest.fixture
def kube_api(tmp_path, monkeypatch):
    standin = KubeStandin(tmp_path / "kube").start()
    monkeypatch.setenv("KUBECONFIG", str(standin.kubeconfig))
    yield standin
    standin.stop()


@pytest.fixture
def kube_cluster(tmp_path, monkeypatch, kube_docker):
    standin = KubeStandin(tmp_path / "kube", docker_client=kube_docker, backoff=(1.0, 8.0)).start()
    monkeypatch.setenv("KUBECONFIG", str(standin.kubeconfig))
    yield standin
    standin.stop()
    left = standin.docker_objects()
    assert not left, f"the stand-in left Docker objects: {[getattr(o, 'name', o) for o in left]}"


@pytest.fixture(scope="session")
def kube_registry(tmp_path_factory, kube_docker):
    require(available(), "docker-registry is not installed (apt-get install docker-registry)")
    registry = DebianRegistry(tmp_path_factory.mktemp("registry"), users={"standin": secrets.token_urlsafe(12)})
    registry.start()
    yield registry
    registry.stop()


@pytest.fixture(scope="session")
def kube_image(kube_registry, kube_docker) -> str:
    """HOST/standin/web:1 in the registry (and not on the engine): an HTTP server on 8080."""
    return kube_registry.push(kube_docker, BASE_IMAGE, "standin/web", "1")


def pull_secret(name: str, namespace: str, registry) -> dict:
    """A kubernetes.io/dockerconfigjson Secret for `registry`, as `kubectl create secret docker-registry` makes."""
    login = registry.auth_config()
    auth = base64.b64encode(f"{login['username']}:{login['password']}".encode()).decode()
    config = {"auths": {registry.host: {"username": login["username"], "password": login["password"], "auth": auth}}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": name, "namespace": namespace},
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()},
    }
