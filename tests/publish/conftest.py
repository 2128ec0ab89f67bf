"""Publishing tests: a copy of test-fixtures/ per test, a model registry and a published-services
store of its own, and the Azure stand-ins (tests/standins) with real registries and Docker."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from aml_deploy.deploy.aci.settings import AciOptions
from aml_deploy.deploy.aci.target import AciServices
from aml_deploy.deploy.publish import RegistrySettings
from aml_deploy.deploy.published import PublishedServices
from aml_deploy.deploy.spec import from_config
from aml_deploy.registry import Registry
from tests.support import FIXTURES

ACI_CONFIG = '{"computeType": "aci", "containerResourceRequirements": {"cpu": 0.5, "memoryInGB": 1}, "authEnabled": true}\n'


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("AML_DEPLOY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AML_DEPLOY_REGISTRY", str(tmp_path / "models"))
    return tmp_path / "home"


@pytest.fixture
def workspace(tmp_path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES, root)
    (root / "v1-aci").mkdir()
    for name in ("inferenceconfig.json", "source"):
        source = root / "v1-local" / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / "v1-aci" / name)
    (root / "v1-aci" / "deploymentconfig.json").write_text(ACI_CONFIG)
    (root / "v1-aci" / "sample-request.json").write_text('{"data": [[1, 2], [0, 0], [3, 1]]}')
    return root


@pytest.fixture
def service_name() -> str:
    return f"svc-{uuid.uuid4().hex[:8]}"


def registry_settings(server) -> RegistrySettings:
    """Settings for a DebianRegistry stand-in with its htpasswd user."""
    user = next(iter(server.users))
    return RegistrySettings(server.host, username=user, password=server.users[user])


def aci_services(home: Path, registry_server, **kwargs) -> AciServices:
    options = kwargs.pop("options", None) or AciOptions(registry=registry_settings(registry_server))
    return AciServices(
        registry=Registry(home.parent / "models"),
        options=options,
        services=PublishedServices(home / "published"),
        polling_interval=1,
        **kwargs,
    )


def v1_spec(workspace: Path, name: str, registry: Registry, models: list[str] | None = None):
    folder = workspace / "v1-aci"
    return from_config(
        folder / "inferenceconfig.json",
        endpoint=name,
        deployment_config=folder / "deploymentconfig.json",
        models=models or [str(workspace / "sample" / "model")],
        workspace=workspace,
        registry=registry,
    )
