"""The Azure credential: azure-identity's DefaultAzureCredential, which tries in turn a service principal from
the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or a certificate), workload identity,
managed identity, the Azure CLI's login, Azure PowerShell and the Azure Developer CLI. AZURE_TOKEN_CREDENTIALS
(azure-identity's own) narrows the chain. Tokens and secrets are never logged here; azure-identity logs only
which credential succeeded."""

from __future__ import annotations

from azure.core.credentials import TokenCredential
from azure.identity import DefaultAzureCredential

from aml_deploy.azure.clouds import AzureCloud


def azure_credential(cloud: AzureCloud) -> TokenCredential:
    # Instance discovery asks login.microsoftonline.com to vouch for the authority: right for Microsoft's
    # clouds, impossible for any other authority (Azure Stack, a stand-in).
    return DefaultAzureCredential(authority=cloud.authority_host, disable_instance_discovery=not cloud.known)
