"""Registry logins for Azure Container Registry against a real registry behind the ACR auth stand-in: the
Azure AD exchange (as `az acr login` does it) gives a refresh token Docker really pushes with; the admin
credentials come from ARM's listCredentials."""

from __future__ import annotations

import pytest

from aml_deploy.azure import (
    NULL_GUID,
    ArmError,
    RegistryLoginError,
    admin_login,
    azure_credential,
    connect,
    is_azure_container_registry,
    login_with_azure_ad,
    resolve_cloud,
)

pytestmark = pytest.mark.docker


def test_an_azure_ad_login_pushes_and_is_marked_short_lived(azure_env, acr_registry, standin_docker, busybox_image):
    cloud = resolve_cloud()
    login = login_with_azure_ad(acr_registry.host, azure_credential(cloud), cloud, tenant_id=azure_env.service_principal.tenant_id)
    assert (login.server, login.username, login.expires) == (acr_registry.host, NULL_GUID, True)
    assert login.password not in repr(login)
    reference = acr_registry.registry.push(standin_docker, busybox_image, "product/acr", auth_config=login.auth_config())
    assert reference.startswith(f"{acr_registry.host}/product/acr@sha256:")
    exchange = acr_registry.acr.exchanges[-1]
    assert (exchange.grant_type, exchange.service, exchange.tenant, exchange.accepted) == (
        "access_token",
        acr_registry.host,
        azure_env.service_principal.tenant_id,
        True,
    )
    assert azure_env.aad.scopes_requested() == [cloud.arm_scope]


def test_the_admin_login_comes_from_arm_and_pulls(azure_env, acr_registry, standin_docker, busybox_image):
    reference = acr_registry.push(standin_docker, busybox_image, "product/admin")
    with connect() as arm:
        login = admin_login(arm, azure_env.subscription_id, azure_env.resource_group, acr_registry.name, acr_registry.host)
    assert (login.username, login.expires) == (acr_registry.acr.admin_username, False)
    standin_docker.api.inspect_distribution(reference, auth_config=login.auth_config())


def test_a_disabled_admin_user_is_named(azure_env, arm):
    arm.add_container_registry(azure_env.resource_group, "noadmin", "noadmin.azurecr.io", "noadmin", "x", admin_enabled=False)
    with (
        connect() as client,
        pytest.raises(
            ArmError, match="UnAuthorizedForCredentialOperations: Cannot perform credential operations .* as admin user is disabled"
        ),
    ):
        admin_login(client, azure_env.subscription_id, azure_env.resource_group, "noadmin", "noadmin.azurecr.io")


def test_a_registry_without_azure_ad_login_says_so(azure_env, registry):
    cloud = resolve_cloud()
    with pytest.raises(RegistryLoginError, match=f"registry {registry.host}"):
        login_with_azure_ad(registry.host, azure_credential(cloud), cloud)


def test_a_refused_exchange_says_which_role_is_missing(azure_env, acr_registry, aad, service_principal):
    acr_registry.acr.aad_audiences = {"https://somewhere-else"}
    cloud = resolve_cloud()
    with pytest.raises(RegistryLoginError, match="refused the Azure AD token \\(401 .*AcrPush"):
        login_with_azure_ad(acr_registry.host, azure_credential(cloud), cloud)


def test_acr_login_servers_are_recognised():
    assert is_azure_container_registry("myregistry.azurecr.io")
    assert is_azure_container_registry("myregistry.azurecr.cn/repo")
    assert not is_azure_container_registry("127.0.0.1:5000")
    assert not is_azure_container_registry("docker.io")
