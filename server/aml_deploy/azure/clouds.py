"""Which Azure cloud to talk to: the login (authority) host and the Resource Manager endpoint, from explicit
values, else the environment (AZURE_AUTHORITY_HOST is azure-identity's own variable; AML_DEPLOY_ARM_ENDPOINT is
ours), else the Azure CLI's active cloud, else the public cloud. Sovereign clouds work by naming either host:
the other one follows. Any other host (Azure Stack, a test stand-in) is taken as given."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from aml_deploy.azure.errors import AzureSettingsError

ARM_ENDPOINT_VARIABLE = "AML_DEPLOY_ARM_ENDPOINT"
AUTHORITY_VARIABLE = "AZURE_AUTHORITY_HOST"


@dataclass(frozen=True)
class AzureCloud:
    name: str
    authority_host: str  # https://login.microsoftonline.com
    arm_endpoint: str  # https://management.azure.com
    known: bool = True  # a Microsoft cloud: MSAL may validate its authority ("instance discovery")
    registry_suffix: str | None = ".azurecr.io"

    @property
    def arm_scope(self) -> str:
        """The token scope for Resource Manager in this cloud."""
        return f"{self.arm_endpoint}/.default"


PUBLIC = AzureCloud("AzureCloud", "https://login.microsoftonline.com", "https://management.azure.com")
KNOWN_CLOUDS = (
    PUBLIC,
    AzureCloud("AzureChinaCloud", "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn", registry_suffix=".azurecr.cn"),
    AzureCloud(
        "AzureUSGovernment", "https://login.microsoftonline.us", "https://management.usgovcloudapi.net", registry_suffix=".azurecr.us"
    ),
)


def resolve_cloud(
    arm_endpoint: str | None = None,
    authority_host: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cli_cloud: str | None = None,
) -> AzureCloud:
    """The cloud for these settings; `cli_cloud` is the Azure CLI's active cloud name, used when nothing
    else names one."""
    environ = os.environ if environ is None else environ
    arm = _https_url(arm_endpoint or environ.get(ARM_ENDPOINT_VARIABLE), f"the Resource Manager endpoint ({ARM_ENDPOINT_VARIABLE})")
    authority = _https_url(authority_host or environ.get(AUTHORITY_VARIABLE), f"the login host ({AUTHORITY_VARIABLE})")
    by_arm = next((c for c in KNOWN_CLOUDS if c.arm_endpoint == arm), None)
    by_authority = next((c for c in KNOWN_CLOUDS if c.authority_host == authority), None)
    if arm is None and authority is None:
        return next((c for c in KNOWN_CLOUDS if c.name.lower() == (cli_cloud or "").lower()), PUBLIC)
    if arm is None:
        arm = (by_authority or PUBLIC).arm_endpoint
        by_arm = by_authority or PUBLIC
    if authority is None:
        authority = (by_arm or PUBLIC).authority_host
        by_authority = by_arm or PUBLIC
    if by_arm is not None and by_arm is by_authority:
        return by_arm
    return AzureCloud(
        name="custom",
        authority_host=authority,
        arm_endpoint=arm,
        known=by_authority is not None,
        registry_suffix=by_arm.registry_suffix if by_arm else None,
    )


def _https_url(value: str | None, what: str) -> str | None:
    if not value or not value.strip():
        return None
    value = value.strip().rstrip("/")
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise AzureSettingsError(f"{what} must be an https:// URL (tokens are sent to it), not '{value}'.")
    if not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise AzureSettingsError(f"{what} must be a host such as https://management.azure.com, not '{value}'.")
    return f"https://{parts.netloc}"
