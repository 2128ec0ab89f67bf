"""With every logger at DEBUG, a whole round (tokens, a group with secure values and registry credentials,
reads, logs, errors, ACR logins) leaves no secret in any log record."""

from __future__ import annotations

import logging

import pytest

from aml_deploy.azure import (
    ArmError,
    AzureAuthError,
    ContainerGroups,
    admin_login,
    azure_credential,
    connect,
    login_with_azure_ad,
    resolve_cloud,
)
from tests.standins import bodies

pytestmark = pytest.mark.docker
SECURE_VALUE = "secure-value-7f3a9c"


def test_no_secret_reaches_the_log(azure_env, arm, acr_registry, standin_docker, busybox_image, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    image = acr_registry.push(standin_docker, busybox_image, "product/secret")
    cloud = resolve_cloud()
    pushed_with = login_with_azure_ad(acr_registry.host, azure_credential(cloud), cloud)
    with connect(polling_interval=1) as arm_client:
        pull_with = admin_login(arm_client, azure_env.subscription_id, azure_env.resource_group, acr_registry.name, acr_registry.host)
        groups = ContainerGroups(arm_client, azure_env.subscription_id, azure_env.resource_group)
        body = bodies.web_group(image, acr_registry, label="secret-test")
        body["properties"]["imageRegistryCredentials"] = [
            {"server": acr_registry.host, "username": pull_with.username, "password": pull_with.password}
        ]
        body["properties"]["containers"][0]["properties"]["environmentVariables"] = [{"name": "KEY", "secureValue": SECURE_VALUE}]
        group = groups.create_or_update("secret", body, progress=lambda p: None)
        assert group.provisioning_state == "Succeeded"
        groups.get("secret"), groups.list(), groups.logs("secret", "web", tail=10)
        with pytest.raises(ArmError):
            groups.create_or_update("secret", {**body, "properties": {**body["properties"], "restartPolicy": "Never"}})
        groups.delete("secret")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "wrong-secret-41d8")
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
    with connect() as failing, pytest.raises(AzureAuthError):
        ContainerGroups(failing, azure_env.subscription_id, azure_env.resource_group).get("secret")

    secrets = {
        azure_env.service_principal.client_secret,
        "wrong-secret-41d8",
        SECURE_VALUE,
        acr_registry.acr.admin_password,
        pushed_with.password,
        pull_with.password,
        *azure_env.aad.issued_tokens(),
    }
    records = [r for r in caplog.records if not r.name.startswith("standins")]
    assert len(records) > 20  # the round was logged at DEBUG (azure-core, azure-identity, msal, urllib3)
    assert {r.name.split(".")[0] for r in records} >= {"azure", "urllib3"}
    for record in records:
        text = f"{record.getMessage()} {record.exc_text or ''}"
        leaked = [s for s in secrets if s and s in text]
        assert not leaked, f"{record.name} logged a secret: {text[:300]}"
