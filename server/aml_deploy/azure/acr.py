"""Credentials for Azure Container Registry.

To push: `login_with_azure_ad` does what `az acr login` does (Azure/acr docs/AAD-OAuth.md): ask the registry
for its challenge (`GET https://<server>/v2/` -> `Bearer realm=..., service=...`), exchange an Azure AD token at
the realm host's `/oauth2/exchange` for an ACR refresh token, and log in with the null-GUID username and that
token. The refresh token expires after a few hours: fine for a push, never for ACI.

What ACI pulls with (`imageRegistryCredentials`) must outlive the deployment, because ACI pulls again whenever
it restarts or moves the group. Use one of:
  - the registry's admin user (`admin_login`, ARM listCredentials; the admin user must be enabled), simplest;
  - a repository-scoped token (`az acr token create --scope-map _repositories_pull ...`): username + password,
    least privilege; the publisher can take it as a username/password pair;
  - a service principal with the AcrPull role (appId as username, secret as password);
  - a user-assigned managed identity with AcrPull (`imageRegistryCredentials[].identity` = its resource id),
    no secret at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from azure.core import PipelineClient
from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError as AzureCoreError
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline import policies
from azure.core.rest import HttpRequest

from aml_deploy import __version__
from aml_deploy.azure.arm import ArmClient, segment
from aml_deploy.azure.clouds import KNOWN_CLOUDS, AzureCloud
from aml_deploy.azure.errors import AzureAuthError, RegistryLoginError

NULL_GUID = "00000000-0000-0000-0000-000000000000"
REGISTRY_API_VERSION = "2025-11-01"
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class RegistryLogin:
    """What `docker login` needs. `expires` is True for an exchanged ACR refresh token: push with it, but
    never hand it to ACI."""

    server: str
    username: str
    password: str = field(repr=False)
    expires: bool = False

    def auth_config(self) -> dict[str, str]:
        """docker-py's auth_config for push/pull/login."""
        return {"username": self.username, "password": self.password, "serveraddress": self.server}


def is_azure_container_registry(server: str) -> bool:
    host = server.lower().split("/")[0]
    return any(cloud.registry_suffix and host.endswith(cloud.registry_suffix) for cloud in KNOWN_CLOUDS)


def login_with_azure_ad(server: str, credential: TokenCredential, cloud: AzureCloud, *, tenant_id: str | None = None) -> RegistryLogin:
    """An ACR refresh-token login for `server` (a login server such as myregistry.azurecr.io)."""
    with _registry_client() as client:
        realm, service = _challenge(client, server)
        try:
            aad_token = credential.get_token(cloud.arm_scope).token
        except ClientAuthenticationError as failure:
            raise AzureAuthError(f"No Azure AD token to log in to registry {server}: {failure.message}") from None
        form = {"grant_type": "access_token", "service": service, "access_token": aad_token}
        if tenant_id:
            form["tenant"] = tenant_id
        exchange_url = re.sub(r"^(https://[^/]+).*$", r"\1/oauth2/exchange", realm)
        response = _send(client, HttpRequest("POST", exchange_url, data=form), server)
        if response.status_code != 200:
            raise RegistryLoginError(
                f"Registry {server} refused the Azure AD token ({response.status_code} {_acr_message(response)}): does this "
                "identity have a role on the registry (AcrPush to push)?"
            )
        refresh_token = (response.json() or {}).get("refresh_token")
        if not refresh_token:
            raise RegistryLoginError(f"Registry {server} answered the token exchange without a refresh token.")
    return RegistryLogin(server, NULL_GUID, refresh_token, expires=True)


def admin_login(arm: ArmClient, subscription_id: str, resource_group: str, registry_name: str, server: str) -> RegistryLogin:
    """The registry's admin user (ARM listCredentials): long-lived, fit for ACI's imageRegistryCredentials."""
    path = (
        f"/subscriptions/{segment(subscription_id)}/resourceGroups/{segment(resource_group)}"
        f"/providers/Microsoft.ContainerRegistry/registries/{segment(registry_name)}/listCredentials"
    )
    body = arm.call("POST", path, REGISTRY_API_VERSION, action=f"Reading the admin credentials of registry '{registry_name}'")
    passwords = [p.get("value") for p in body.get("passwords", []) if p.get("value")]
    if not body.get("username") or not passwords:
        raise RegistryLoginError(f"Registry '{registry_name}' returned no admin credentials.")
    return RegistryLogin(server, body["username"], passwords[0])


def _registry_client() -> PipelineClient:
    return PipelineClient(
        base_url="",
        policies=[
            policies.HeadersPolicy(),
            policies.UserAgentPolicy(sdk_moniker=f"aml-deploy/{__version__}"),
            policies.ProxyPolicy(),
            policies.RetryPolicy(retry_total=3),
            policies.HttpLoggingPolicy(),
        ],
    )


def _send(client: PipelineClient, request: HttpRequest, server: str):
    try:
        return client.send_request(request)
    except AzureCoreError as failure:
        raise RegistryLoginError(f"Cannot reach registry {server}: {failure.message}") from None


def _challenge(client: PipelineClient, server: str) -> tuple[str, str]:
    """The registry's Bearer challenge: where its token service is (realm) and its service name."""
    response = _send(client, HttpRequest("GET", f"https://{server}/v2/"), server)
    header = response.headers.get("WWW-Authenticate", "")
    scheme, _, params = header.partition(" ")
    values = dict(_CHALLENGE_PARAM.findall(params))
    if (
        response.status_code != 401
        or scheme.lower() != "bearer"
        or not values.get("realm", "").startswith("https://")
        or "service" not in values
    ):
        raise RegistryLoginError(
            f"Registry {server} does not offer Azure AD login (it answered {response.status_code} "
            f"{header or 'without a challenge'}); give a username and password for it instead."
        )
    return values["realm"], values["service"]


def _acr_message(response) -> str:
    try:
        errors = response.json().get("errors") or []
        return "; ".join(e.get("message", "") for e in errors) or response.reason
    except (ValueError, AttributeError):
        return response.reason or ""
