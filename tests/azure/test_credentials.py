"""Credentials through azure-identity against the Azure AD stand-in: the environment's service principal or a
workload identity gets a token for the configured ARM endpoint's scope, without instance discovery; a wrong
secret is a clear error."""

from __future__ import annotations

import pytest

from aml_deploy.azure import AzureAuthError, ContainerGroups, connect


def groups(env) -> ContainerGroups:
    return ContainerGroups(connect(polling_interval=1), env.subscription_id, env.resource_group)


def test_the_environment_service_principal_gets_an_arm_token(azure_env, aad, arm_api):
    assert groups(azure_env).get("absent") is None  # an authenticated 404, not a 401
    assert aad.scopes_requested() == [f"{arm_api.url}/.default"]
    tenant = azure_env.service_principal.tenant_id
    assert aad.paths_requested == [f"GET /{tenant}/v2.0/.well-known/openid-configuration", f"POST /{tenant}/oauth2/v2.0/token"]
    assert [r.status for r in arm_api.requests] == [404]


def test_a_token_is_reused_and_renewed_before_it_expires(azure_env, aad, arm_api):
    client = groups(azure_env)
    client.get("a"), client.get("b")
    assert len(aad.token_requests) == 1
    aad.token_lifetime = 120  # inside azure-core's five-minute refresh window
    aad.expire_all()
    client.arm.close()
    client = groups(azure_env)
    client.get("c"), client.get("d")
    assert len(aad.token_requests) == 3  # one new token per request now, none sent expired
    assert [r.status for r in arm_api.requests] == [404] * 4


def test_a_wrong_secret_is_an_auth_error_that_says_what_to_do(azure_env, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-secret")
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")  # keep the chain to the one being tested
    with pytest.raises(AzureAuthError) as failure:
        groups(azure_env).get("absent")
    message = str(failure.value)
    assert "az login" in message and "AZURE_CLIENT_SECRET" in message
    assert "AADSTS7000215" in message
    assert azure_env.service_principal.client_secret not in message and "not-the-secret" not in message


def test_a_workload_identity_token_file_works_too(azure_env, aad, monkeypatch, tmp_path):
    token_file = tmp_path / "federated-token"
    token_file.write_text(aad.add_federated_identity(azure_env.service_principal))
    monkeypatch.delenv("AZURE_CLIENT_SECRET")
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    assert groups(azure_env).get("absent") is None
    assert (
        aad.token_requests[-1].grant_type == "client_credentials"
        and aad.token_requests[-1].client_id == azure_env.service_principal.client_id
    )
