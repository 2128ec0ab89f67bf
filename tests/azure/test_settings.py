"""Which cloud and where: explicit values, then the environment, then the Azure CLI's own files (read from a
temporary HOME or AZURE_CONFIG_DIR), with errors that say what to pass."""

from __future__ import annotations

import json

import pytest

from aml_deploy.azure import AzureSettingsError, resolve_cloud, resolve_target
from aml_deploy.azure.cli_profile import read_cli_profile

SUB_A = "11111111-2222-3333-4444-555555555555"
SUB_B = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A HOME with an Azure CLI folder as `az login`, `az account set` and `az configure --defaults` leave it."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in (
        "AZURE_CONFIG_DIR",
        "AZURE_SUBSCRIPTION_ID",
        "AZURE_DEFAULTS_GROUP",
        "AZURE_DEFAULTS_LOCATION",
        "AZURE_TENANT_ID",
        "AZURE_CLOUD_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / ".azure"
    folder.mkdir()
    (folder / "config").write_text("[cloud]\nname = AzureCloud\n\n[defaults]\ngroup = rg-from-cli\nlocation = northeurope\n")
    profile = {
        "installationId": "x",
        "subscriptions": [
            {"id": SUB_A, "name": "Dev", "state": "Enabled", "tenantId": "tenant-a", "isDefault": False, "environmentName": "AzureCloud"},
            {
                "id": SUB_B,
                "name": "Prod Subscription",
                "state": "Enabled",
                "tenantId": "tenant-b",
                "isDefault": True,
                "environmentName": "AzureCloud",
            },
        ],
    }
    # the Azure CLI writes azureProfile.json with a byte-order mark
    (folder / "azureProfile.json").write_text(json.dumps(profile), encoding="utf-8-sig")
    return folder


def test_the_cli_defaults_fill_what_is_not_given(home):
    target = resolve_target()
    assert (target.subscription_id, target.resource_group, target.location, target.tenant_id) == (
        SUB_B,
        "rg-from-cli",
        "northeurope",
        "tenant-b",
    )


def test_explicit_values_win_and_a_subscription_can_be_named(home, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB_A)
    assert resolve_target().subscription_id == SUB_A  # the environment beats the CLI's default
    target = resolve_target("Prod Subscription", "rg-flag", "westus")
    assert (target.subscription_id, target.resource_group, target.location) == (SUB_B, "rg-flag", "westus")
    monkeypatch.setenv("AZURE_DEFAULTS_GROUP", "rg-from-env")  # the CLI's own override of its config file
    assert resolve_target().resource_group == "rg-from-env"


def test_azure_config_dir_moves_the_cli_folder(home, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "config").write_text("[defaults]\ngroup = rg-other\n")
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(other))
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB_A)
    target = resolve_target()
    assert (target.resource_group, target.location) == ("rg-other", None)


def test_nothing_found_says_what_to_pass(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("AZURE_CONFIG_DIR", "AZURE_SUBSCRIPTION_ID", "AZURE_DEFAULTS_GROUP"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(
        AzureSettingsError,
        match=r"No Azure subscription given: pass --subscription ID, set AZURE_SUBSCRIPTION_ID, or sign in with `az login`",
    ):
        resolve_target()
    with pytest.raises(
        AzureSettingsError,
        match=r"No resource group given: pass --resource-group NAME, or set a default once with `az configure --defaults group=NAME`",
    ):
        resolve_target(SUB_A)


def test_bad_values_are_named(home):
    with pytest.raises(AzureSettingsError, match="'Staging' is not a subscription id, nor the name of a subscription"):
        resolve_target("Staging")
    with pytest.raises(AzureSettingsError, match="'rg with spaces' is not a valid resource group name"):
        resolve_target(SUB_A, "rg with spaces")


def test_an_unreadable_profile_is_reported_not_fatal(home):
    (home / "azureProfile.json").write_text("{not json")
    assert read_cli_profile().problems
    with pytest.raises(AzureSettingsError, match="Could not read .*azureProfile.json"):
        resolve_target()
    assert resolve_target(SUB_A).subscription_id == SUB_A


def test_public_cloud_by_default_and_sovereign_clouds_by_either_host():
    public = resolve_cloud(environ={})
    assert (public.authority_host, public.arm_endpoint, public.arm_scope, public.known) == (
        "https://login.microsoftonline.com",
        "https://management.azure.com",
        "https://management.azure.com/.default",
        True,
    )
    china = resolve_cloud(environ={"AZURE_AUTHORITY_HOST": "login.chinacloudapi.cn"})
    assert (china.name, china.arm_scope) == ("AzureChinaCloud", "https://management.chinacloudapi.cn/.default")
    us_gov = resolve_cloud(environ={"AML_DEPLOY_ARM_ENDPOINT": "https://management.usgovcloudapi.net/"})
    assert (us_gov.name, us_gov.authority_host) == ("AzureUSGovernment", "https://login.microsoftonline.us")
    assert resolve_cloud(environ={}, cli_cloud="AzureChinaCloud").name == "AzureChinaCloud"


def test_other_hosts_are_taken_as_given_without_instance_discovery():
    custom = resolve_cloud("https://127.0.0.1:8443", environ={"AZURE_AUTHORITY_HOST": "https://127.0.0.1:9443"})
    assert (custom.arm_endpoint, custom.authority_host, custom.known) == ("https://127.0.0.1:8443", "https://127.0.0.1:9443", False)
    assert custom.arm_scope == "https://127.0.0.1:8443/.default"
    stack = resolve_cloud("https://management.local.azurestack.external", environ={})
    assert stack.authority_host == "https://login.microsoftonline.com" and stack.known  # login stays Microsoft's


def test_endpoints_must_be_https_hosts():
    with pytest.raises(AzureSettingsError, match=r"AML_DEPLOY_ARM_ENDPOINT\) must be an https:// URL"):
        resolve_cloud(environ={"AML_DEPLOY_ARM_ENDPOINT": "http://127.0.0.1:8080"})
    with pytest.raises(AzureSettingsError, match="must be a host such as"):
        resolve_cloud("https://management.azure.com/subscriptions", environ={})
