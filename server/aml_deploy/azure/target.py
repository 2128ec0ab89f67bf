"""Where to publish: subscription, resource group and location, from explicit values (flags, settings), else
the environment (AZURE_SUBSCRIPTION_ID) and the Azure CLI's own defaults (`az account set`, `az configure
--defaults group=... location=...`). A missing one is an error that says what to pass."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from aml_deploy.azure.cli_profile import CliProfile, read_cli_profile
from aml_deploy.azure.errors import AzureSettingsError

SUBSCRIPTION_VARIABLE = "AZURE_SUBSCRIPTION_ID"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# ARM's rule for resource group names (common-types v6 ResourceGroupNameParameter)
RESOURCE_GROUP = re.compile(r"^[-\w._()]{1,90}$")


@dataclass(frozen=True)
class AzureTarget:
    subscription_id: str
    resource_group: str
    location: str | None  # None: none given anywhere; the resource group's location is the usual choice
    tenant_id: str | None = None


def resolve_target(
    subscription: str | None = None,
    resource_group: str | None = None,
    location: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    profile: CliProfile | None = None,
) -> AzureTarget:
    environ = os.environ if environ is None else environ
    profile = profile or read_cli_profile(environ)
    subscription_id, tenant_id = _subscription(subscription, environ, profile)
    group = (resource_group or "").strip() or profile.default_group
    if not group:
        raise AzureSettingsError(
            "No resource group given: pass --resource-group NAME, or set a default once with "
            "`az configure --defaults group=NAME`." + _unreadable(profile)
        )
    if not RESOURCE_GROUP.match(group) or group.endswith("."):
        raise AzureSettingsError(
            f"'{group}' is not a valid resource group name (1-90 letters, digits, '-', '_', '.', '(', ')'; not ending in '.')."
        )
    return AzureTarget(
        subscription_id=subscription_id,
        resource_group=group,
        location=(location or "").strip() or profile.default_location,
        tenant_id=environ.get("AZURE_TENANT_ID") or tenant_id,
    )


def _subscription(given: str | None, environ: Mapping[str, str], profile: CliProfile) -> tuple[str, str | None]:
    value = (given or "").strip() or environ.get(SUBSCRIPTION_VARIABLE, "").strip()
    if value:
        if GUID.match(value):
            known = profile.subscription(value)
            return value.lower(), known.tenant_id if known else None
        named = profile.subscription(value)
        if named is None:
            raise AzureSettingsError(
                f"'{value}' is not a subscription id, nor the name of a subscription the Azure CLI knows "
                f"({profile.folder / 'azureProfile.json'}); pass the subscription id (a GUID)."
            )
        return named.id.lower(), named.tenant_id
    default = profile.default_subscription()
    if default is None:
        raise AzureSettingsError(
            f"No Azure subscription given: pass --subscription ID, set {SUBSCRIPTION_VARIABLE}, or sign in with "
            "`az login` (and `az account set --subscription ...`)." + _unreadable(profile)
        )
    return default.id.lower(), default.tenant_id


def _unreadable(profile: CliProfile) -> str:
    return "".join(f" (Could not read {problem}.)" for problem in profile.problems)
