"""pytest fixtures for the Azure stand-ins, registered for the whole suite by tests/conftest.py.

standin_ca        session   TestCA: the CA every stand-in's certificate comes from; `.bundle` trusts it
standin_docker    session   docker-py client of the local engine (started when needed)
busybox_image     session   "aml-deploy-test/busybox:1", FROM scratch + Debian's static busybox (~2 MB)
aad               function  AadStandIn: the Azure AD token service
service_principal function  a ServicePrincipal registered in `aad` (tenant_id, client_id, client_secret)
arm_api           function  ArmStandIn for requests that need no engine (auth, validation, errors)
arm               function  the same ArmStandIn, with Docker and the busybox pause image ready to run groups
fqdn_proxy        function  FqdnProxy sending a group's fqdn:port to its port on 127.0.0.1
registry          function  DebianRegistry with htpasswd user "pusher", started (kill()/start() at will)
session_registry  session   the same kind, shared by the session: push big images once (do not kill it)
acr_registry      function  AcrRegistry: a token-auth Debian registry behind the ACR auth stand-in
azure_env         function  AzureTestEnv: the process environment pointed at all of the above
"""

from __future__ import annotations

import io
import os
import secrets
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.standins.aad import AadStandIn, ServicePrincipal
from tests.standins.acr import AcrStandIn
from tests.standins.arm import ArmStandIn
from tests.standins.proxy import FqdnProxy
from tests.standins.registry import DebianRegistry, available
from tests.standins.tls import TestCA
from tests.support import docker_engine, require

BUSYBOX_IMAGE = "aml-deploy-test/busybox:1"
BUSYBOX = Path("/bin/busybox")
RESOURCE_GROUP = "rg-aml-test"
LOCATION = "westeurope"
ACR_NAME = "amltestacr"


@pytest.fixture(scope="session")
def standin_ca(tmp_path_factory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("standin-ca"))


@pytest.fixture(scope="session")
def standin_docker():
    client = docker_engine()
    yield client
    client.close()


@pytest.fixture(scope="session")
def busybox_image(standin_docker) -> str:
    """A tiny image to run and push: Debian's statically linked busybox (package busybox-static)."""
    import docker

    try:
        standin_docker.images.get(BUSYBOX_IMAGE)
        return BUSYBOX_IMAGE
    except docker.errors.ImageNotFound:
        pass
    require(BUSYBOX.is_file(), "no /bin/busybox: apt-get install busybox-static")
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        dockerfile = b'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ["sh"]\n'
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
        tar.add(BUSYBOX, arcname="busybox")
    context.seek(0)
    try:
        standin_docker.images.build(fileobj=context, custom_context=True, tag=BUSYBOX_IMAGE, rm=True)
    except docker.errors.BuildError as failure:
        require(False, f"cannot build {BUSYBOX_IMAGE} (is /bin/busybox the static one?): {failure}")
    return BUSYBOX_IMAGE


@pytest.fixture
def aad(standin_ca):
    service = AadStandIn(standin_ca)
    yield service
    service.close()
    assert not service.errors, service.errors


@pytest.fixture
def service_principal(aad) -> ServicePrincipal:
    return aad.add_service_principal()


@pytest.fixture
def arm_api(aad, service_principal, standin_ca):
    service = ArmStandIn(
        aad=aad,
        ca=standin_ca,
        subscription_id=str(uuid.uuid4()),
        tenant_id=service_principal.tenant_id,
        resource_groups={RESOURCE_GROUP: LOCATION},
        pause_image=BUSYBOX_IMAGE,
    )
    yield service
    service.close()
    assert not service.errors, "\n".join(service.errors)


@pytest.fixture
def arm(arm_api, standin_docker, busybox_image) -> ArmStandIn:
    return arm_api


@pytest.fixture
def fqdn_proxy(arm_api):
    proxy = FqdnProxy(arm_api.resolve_public)
    yield proxy
    proxy.close()


def _started_registry(folder: Path):
    require(available(), "no docker-registry: apt-get install docker-registry")
    server = DebianRegistry(folder, users={"pusher": "pw~" + secrets.token_urlsafe(12)})
    server.start()
    yield server
    server.stop()


@pytest.fixture
def registry(tmp_path):
    yield from _started_registry(tmp_path / "registry")


@pytest.fixture(scope="session")
def session_registry(tmp_path_factory):
    yield from _started_registry(tmp_path_factory.mktemp("session-registry"))


@dataclass
class AcrRegistry:
    """An 'Azure Container Registry': `host` is its login server, `acr` its auth service, `registry` its data."""

    host: str
    acr: AcrStandIn
    registry: DebianRegistry
    name: str = ACR_NAME

    def auth_config(self) -> dict:
        """The admin user's docker-py auth."""
        return {"username": self.acr.admin_username, "password": self.acr.admin_password}

    def push(self, docker_client, local_image: str, repository: str, tag: str = "1") -> str:
        return self.registry.push(docker_client, local_image, repository, tag, auth_config=self.auth_config())


@pytest.fixture
def acr_registry(aad, arm, standin_ca, tmp_path):
    require(available(), "no docker-registry: apt-get install docker-registry")
    acr = AcrStandIn(aad=aad, ca=standin_ca, folder=tmp_path / "acr", aad_audiences={arm.url})
    server = DebianRegistry(tmp_path / "acr-registry", cert=standin_ca.issue("acr-registry", ["127.0.0.1"]))
    server.token_auth = acr.registry_token_auth(server.host)
    server.start()
    arm.add_container_registry(RESOURCE_GROUP, ACR_NAME, server.host, acr.admin_username, acr.admin_password)
    yield AcrRegistry(server.host, acr, server)
    server.stop()
    acr.close()
    assert not acr.errors, acr.errors


@dataclass
class AzureTestEnv:
    aad: AadStandIn
    arm: ArmStandIn
    service_principal: ServicePrincipal
    subscription_id: str
    resource_group: str
    location: str
    proxy: FqdnProxy
    config_dir: Path  # AZURE_CONFIG_DIR: an Azure CLI profile with defaults group/location


@pytest.fixture
def azure_env(monkeypatch, tmp_path, aad, arm_api, service_principal, fqdn_proxy, standin_ca) -> AzureTestEnv:
    """Points the product at the stand-ins the standard way: azure-identity's environment service principal
    and AZURE_AUTHORITY_HOST, AML_DEPLOY_ARM_ENDPOINT, AZURE_SUBSCRIPTION_ID, an Azure CLI folder with
    `az configure --defaults` values, the CA bundle, and the proxy that resolves container-group fqdns.
    (Request `arm` too when the test runs groups.)"""
    arm = arm_api
    config_dir = tmp_path / "azure-cli"
    config_dir.mkdir()
    (config_dir / "config").write_text(f"[defaults]\ngroup = {RESOURCE_GROUP}\nlocation = {LOCATION}\n")
    for name in (
        "AZURE_DEFAULTS_GROUP",
        "AZURE_DEFAULTS_LOCATION",
        "AZURE_FEDERATED_TOKEN_FILE",
        "AZURE_TOKEN_CREDENTIALS",
        "IDENTITY_ENDPOINT",
        "MSI_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    values = {
        "AZURE_AUTHORITY_HOST": aad.url,
        "AZURE_TENANT_ID": service_principal.tenant_id,
        "AZURE_CLIENT_ID": service_principal.client_id,
        "AZURE_CLIENT_SECRET": service_principal.client_secret,
        "AML_DEPLOY_ARM_ENDPOINT": arm.url,
        "AZURE_SUBSCRIPTION_ID": arm.subscription_id,
        "AZURE_CONFIG_DIR": str(config_dir),
        "REQUESTS_CA_BUNDLE": str(standin_ca.bundle),
        "SSL_CERT_FILE": str(standin_ca.bundle),
        "CURL_CA_BUNDLE": str(standin_ca.bundle),
        "HTTP_PROXY": fqdn_proxy.url,
        "HTTPS_PROXY": fqdn_proxy.url,
        "NO_PROXY": ",".join(filter(None, ["127.0.0.1", "localhost", os.environ.get("NO_PROXY")])),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return AzureTestEnv(aad, arm, service_principal, arm.subscription_id, RESOURCE_GROUP, LOCATION, fqdn_proxy, config_dir)
