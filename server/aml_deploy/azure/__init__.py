"""Azure plumbing for publishing: which cloud and where (clouds, target), who (credentials), Resource Manager
on azure-core's pipeline (arm), Container Instances (container_groups), Container Registry logins (acr).
No pygls here; everything returns plain dataclasses or raises an AzureError with a message for people.

    arm = connect()                                          # cloud from settings/env/CLI, DefaultAzureCredential
    target = resolve_target(subscription, resource_group, location)
    groups = ContainerGroups(arm, target.subscription_id, target.resource_group)
    group = groups.create_or_update("my-service", body, progress=print)
    print(group.fqdn, group.containers[0].current_state)
"""

from __future__ import annotations

from collections.abc import Mapping

from azure.core.credentials import TokenCredential

from aml_deploy.azure.aci_models import ContainerEvent, ContainerGroup, ContainerState, ContainerStatus
from aml_deploy.azure.acr import NULL_GUID, RegistryLogin, admin_login, is_azure_container_registry, login_with_azure_ad
from aml_deploy.azure.arm import ArmClient
from aml_deploy.azure.cli_profile import CliProfile, read_cli_profile
from aml_deploy.azure.clouds import ARM_ENDPOINT_VARIABLE, AUTHORITY_VARIABLE, KNOWN_CLOUDS, AzureCloud, resolve_cloud
from aml_deploy.azure.container_groups import API_VERSION, ContainerGroups, PlannedRequest, ProvisioningProgress
from aml_deploy.azure.credentials import azure_credential
from aml_deploy.azure.errors import (
    ArmError,
    AzureAuthError,
    AzureError,
    AzureSettingsError,
    ProvisioningFailed,
    RegistryLoginError,
    ResourceNotFound,
)
from aml_deploy.azure.redaction import redact_secrets
from aml_deploy.azure.target import AzureTarget, resolve_target


def connect(
    *,
    arm_endpoint: str | None = None,
    authority_host: str | None = None,
    credential: TokenCredential | None = None,
    environ: Mapping[str, str] | None = None,
    polling_interval: float = 5.0,
) -> ArmClient:
    """An ARM client for the configured cloud (explicit hosts, else AML_DEPLOY_ARM_ENDPOINT /
    AZURE_AUTHORITY_HOST, else the Azure CLI's cloud, else public Azure)."""
    cloud = resolve_cloud(arm_endpoint, authority_host, environ=environ, cli_cloud=read_cli_profile(environ).cloud_name)
    return ArmClient(cloud, credential, polling_interval=polling_interval)


__all__ = [
    "API_VERSION",
    "ARM_ENDPOINT_VARIABLE",
    "AUTHORITY_VARIABLE",
    "KNOWN_CLOUDS",
    "NULL_GUID",
    "ArmClient",
    "ArmError",
    "AzureAuthError",
    "AzureCloud",
    "AzureError",
    "AzureSettingsError",
    "AzureTarget",
    "CliProfile",
    "ContainerEvent",
    "ContainerGroup",
    "ContainerGroups",
    "ContainerState",
    "ContainerStatus",
    "PlannedRequest",
    "ProvisioningFailed",
    "ProvisioningProgress",
    "RegistryLogin",
    "RegistryLoginError",
    "ResourceNotFound",
    "admin_login",
    "azure_credential",
    "connect",
    "is_azure_container_registry",
    "login_with_azure_ad",
    "read_cli_profile",
    "redact_secrets",
    "resolve_cloud",
    "resolve_target",
]
