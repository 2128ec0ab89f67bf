"""Who may push to the registry, and what the service pulls with.

Azure Container Registry: to push, an Azure AD token exchanged for an ACR refresh token (what `az acr
login` does), else the registry's admin user. Any other registry: what `docker login` stored, in the
Docker configuration (`~/.docker/config.json` or $DOCKER_CONFIG) or its credential helpers (`credsStore`,
`credHelpers`), read with docker-py's own resolver. A username and password given explicitly win.

What a service pulls with must outlive the publish (ACI pulls again whenever it restarts or moves a
group), so it is never the exchanged refresh token: the admin user, or the credentials given or stored
for the registry."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

from ...azure import (
    ArmClient,
    AzureError,
    AzureTarget,
    admin_login,
    azure_credential,
    is_azure_container_registry,
    login_with_azure_ad,
)
from ..errors import DeployError


class RegistryCredentialsError(DeployError):
    code = "registry-credentials"


@dataclass(frozen=True)
class RegistryCredentials:
    server: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    identity_token: str | None = field(default=None, repr=False)
    source: str = "anonymous"  # given | docker-config | credential-helper | acr-exchange | acr-admin | anonymous
    expires: bool = False  # an exchanged ACR refresh token: fine for one push, never for a service

    def auth_config(self) -> dict | None:
        """docker-py's auth_config for a push or pull (None: anonymous)."""
        if self.identity_token:
            return {"identitytoken": self.identity_token, "serveraddress": self.server}
        if self.username is None:
            return None
        return {"username": self.username, "password": self.password or "", "serveraddress": self.server}

    def describe(self) -> str:
        """Where they came from, never the secret."""
        who = f" as {self.username}" if self.username else ""
        return f"{self.source}{who}"


@dataclass(frozen=True)
class RegistrySettings:
    """The registry a publish pushes to. `acr_name` (or an ACR login server such as x.azurecr.io) makes it an
    Azure Container Registry; its resource group defaults to the service's."""

    server: str  # login server: host[:port]
    repository: str = "aml-deploy"  # prefix of the image's repository: <server>/<repository>/<service>
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    acr_name: str | None = None
    acr_resource_group: str | None = None

    @property
    def is_acr(self) -> bool:
        return bool(self.acr_name) or is_azure_container_registry(self.server)

    @property
    def registry_name(self) -> str:
        return self.acr_name or self.server.split(".", 1)[0]

    def image_repository(self, service: str) -> str:
        return f"{self.server}/{self.repository.strip('/')}/{service}" if self.repository else f"{self.server}/{service}"

    def describe(self) -> dict:
        """Without the password: what the published-services record keeps."""
        return {
            "server": self.server,
            "repository": self.repository,
            "username": self.username,
            "acr_name": self.acr_name,
            "acr_resource_group": self.acr_resource_group,
        }

    @classmethod
    def from_dict(cls, data: dict, password: str | None = None) -> RegistrySettings:
        return cls(
            data["server"],
            data.get("repository", "aml-deploy"),
            data.get("username"),
            password,
            data.get("acr_name"),
            data.get("acr_resource_group"),
        )


@dataclass
class Azure:
    """What the ACR paths need from Azure: the ARM client and where the registry lives."""

    arm: ArmClient
    target: AzureTarget


def push_credentials(settings: RegistrySettings, azure: Azure | None = None) -> RegistryCredentials:
    if settings.username:
        return RegistryCredentials(settings.server, settings.username, settings.password or "", source="given")
    if settings.is_acr:
        return _acr_push(settings, _require(azure, settings))
    return docker_config_credentials(settings.server) or RegistryCredentials(settings.server)


def pull_credentials(settings: RegistrySettings, azure: Azure | None = None) -> RegistryCredentials | None:
    """Long-lived credentials for the service's pulls; None for a registry that needs none."""
    if settings.username:
        return RegistryCredentials(settings.server, settings.username, settings.password or "", source="given")
    if settings.is_acr:
        return _acr_admin(settings, _require(azure, settings))
    found = docker_config_credentials(settings.server)
    if found is not None and found.identity_token:
        raise RegistryCredentialsError(
            f"The Docker configuration holds only a short-lived identity token for {settings.server}, which a service "
            "cannot pull with when it restarts: give --registry-username and --registry-password (a token or a "
            "service principal with pull rights)."
        )
    return found


def docker_config_credentials(server: str) -> RegistryCredentials | None:
    """What `docker login <server>` stored: in the config file, or through a credential helper."""
    from docker import auth
    from docker.errors import DockerException

    try:
        with warnings.catch_warnings():  # docker-py warns when a named helper is missing; we say it ourselves
            warnings.simplefilter("ignore")
            config = auth.load_config()
            found = config.resolve_authconfig(server)
    except DockerException as err:
        raise RegistryCredentialsError(f"The Docker configuration's credential helper failed for {server}: {err}") from None
    if not found:
        return None
    helper = config.get_credential_store(server)
    source = f"credential-helper ({helper})" if helper and ("Username" in found or "IdentityToken" in found) else "docker-config"
    if found.get("IdentityToken"):
        return RegistryCredentials(server, identity_token=found["IdentityToken"], source=source)
    username = found.get("Username") or found.get("username")
    if not username:
        return None
    return RegistryCredentials(server, username, found.get("Password") or found.get("password") or "", source=source)


def _require(azure: Azure | None, settings: RegistrySettings) -> Azure:
    if azure is None:
        raise RegistryCredentialsError(
            f"{settings.server} is an Azure Container Registry: signing in to it needs Azure (subscription and resource group)."
        )
    return azure


def _acr_push(settings: RegistrySettings, azure: Azure) -> RegistryCredentials:
    """An exchanged ACR refresh token, else the admin user."""
    try:
        credential = azure_credential(azure.arm.cloud)
        login = login_with_azure_ad(settings.server, credential, azure.arm.cloud, tenant_id=azure.target.tenant_id)
        return RegistryCredentials(login.server, login.username, login.password, source="acr-exchange", expires=True)
    except AzureError as exchange_failed:
        try:
            return _acr_admin(settings, azure)
        except RegistryCredentialsError as admin_failed:
            raise RegistryCredentialsError(f"No way to push to {settings.server}: {exchange_failed} And: {admin_failed}") from None


def _acr_admin(settings: RegistrySettings, azure: Azure) -> RegistryCredentials:
    group = settings.acr_resource_group or azure.target.resource_group
    try:
        login = admin_login(azure.arm, azure.target.subscription_id, group, settings.registry_name, settings.server)
    except AzureError as err:
        raise RegistryCredentialsError(
            f"The service pulls from {settings.server} with long-lived credentials, and the registry's admin user "
            f"could not be read ({err}). Enable the admin user (az acr update -n {settings.registry_name} "
            "--admin-enabled true), or give --registry-username and --registry-password: a repository-scoped token "
            "or a service principal with the AcrPull role."
        ) from None
    return RegistryCredentials(login.server, login.username, login.password, source="acr-admin")
