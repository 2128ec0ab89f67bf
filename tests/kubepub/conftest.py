"""Publishing to Kubernetes, end to end: the real CLI and target, a real registry (Debian's
docker-registry), real images on the local Docker engine, and the stand-in API server whose node
runs the pods as containers (no real API server can be installed here: tests/standins/kube/README.md)."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from tests.standins.kube.fixtures import *  # noqa: F403
from tests.support import FIXTURES

K8S = "https://azuremlschemas.azureedge.net/latest/kubernetes{}.schema.json"
SCORE_THAT_FAILS = '''"""init() raises on line 9: the model file it names does not exist."""
import json
import os


def init():
    global model
    path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "missing.json")
    model = json.load(open(path))


def run(raw_data):
    return raw_data
'''
FAILING_LINE = 9


@pytest.fixture
def publishing(tmp_path, monkeypatch, kube_cluster, kube_registry):
    """The environment a user publishes from: a home of its own, the registry and its password."""
    monkeypatch.setenv("AML_DEPLOY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AML_DEPLOY_REGISTRY", str(tmp_path / "models"))
    monkeypatch.setenv("AML_DEPLOY_IMAGE_REGISTRY", kube_registry.host)
    monkeypatch.setenv("AML_DEPLOY_REGISTRY_PASSWORD", kube_registry.auth_config()["password"])
    return kube_cluster


@pytest.fixture
def endpoint_name() -> str:
    return f"k{uuid.uuid4().hex[:8]}"


@pytest.fixture
def workspace(tmp_path, endpoint_name) -> Path:
    """The sample (a scikit-learn model and its score.py) with Kubernetes endpoint and deployment files."""
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "sample", root)
    # a model of this test's own: the registry is shared by the session, and its layers must be new here
    (root / "model" / "TRAINED.txt").write_text(f"{endpoint_name}\n")
    (root / "bad-src").mkdir()
    (root / "bad-src" / "score.py").write_text(SCORE_THAT_FAILS)
    write_yaml(
        root / "endpoint.yml",
        {"$schema": K8S.format("OnlineEndpoint"), "name": endpoint_name, "compute": "azureml:standin", "auth_mode": "key"},
    )
    for name in ("blue", "green"):
        write_yaml(root / f"{name}.yml", deployment(endpoint_name, name))
    return root


def deployment(endpoint: str, name: str, code: str = "./src/", **changes) -> dict:
    data = {
        "$schema": K8S.format("OnlineDeployment"),
        "name": name,
        "endpoint_name": endpoint,
        "type": "kubernetes",
        "model": {"path": "./model/"},
        "code_configuration": {"code": code, "scoring_script": "score.py"},
        "environment": {"conda_file": "./environment/conda.yaml", "image": "python:3.11-slim"},
        "instance_count": 1,
        "request_settings": {"request_timeout_ms": 10000, "max_concurrent_requests_per_instance": 4},
        "readiness_probe": {"initial_delay": 1, "period": 1, "failure_threshold": 3},
        "liveness_probe": {"initial_delay": 30, "period": 5},
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
    }
    data.update(changes)
    return data


def write_yaml(path: Path, data: dict) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


class Cli:
    """`aml-deploy ...` in this process; the answer parsed when it was asked for as JSON."""

    def __init__(self, capsys, registry) -> None:
        self.capsys, self.registry = capsys, registry

    def __call__(self, *args: str, expect: int = 0):
        from aml_deploy.cli import main

        self.capsys.readouterr()
        username = self.registry.auth_config()["username"]
        code = main([*map(str, args), "--registry-username", username] if _publishes(args) else list(map(str, args)))
        out, err = self.capsys.readouterr()
        assert code == expect, f"aml-deploy {' '.join(map(str, args))} gave {code}:\n{out}\n{err}"
        if "-o" in args or "--output" in args:
            return json.loads(out)
        return out + err


def _publishes(args) -> bool:
    return args[1] in ("create", "update") and args[0] in ("online-endpoint", "online-deployment")


@pytest.fixture
def cli(capsys, kube_registry) -> Cli:
    return Cli(capsys, kube_registry)
