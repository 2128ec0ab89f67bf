"""Which credentials push and which the service pulls with, against the ACR stand-in (a real registry
behind ACR's token service): pushing uses the Azure AD exchange as `az acr login` does; the container
group gets the registry's admin user from ARM, never the short-lived refresh token. A v2 deployment YAML
is published with cpu and memory from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aml_deploy.azure import NULL_GUID, AzureTarget, connect
from aml_deploy.deploy.aci.settings import AciOptions
from aml_deploy.deploy.publish import Azure, RegistrySettings, pull_credentials, push_credentials, push_image
from tests.publish.conftest import aci_services, v1_spec

pytestmark = pytest.mark.docker


def test_acr_push_uses_the_exchange_and_the_group_pulls_with_the_admin_user(
    azure_env, acr_registry, standin_docker, busybox_image, home, workspace, service_name
):
    settings = RegistrySettings(acr_registry.host, acr_name=acr_registry.name)
    with connect() as arm:
        azure = Azure(arm, AzureTarget(azure_env.subscription_id, azure_env.resource_group, None, azure_env.service_principal.tenant_id))
        pushing = push_credentials(settings, azure)
        pulling = pull_credentials(settings, azure)
    assert (pushing.source, pushing.username, pushing.expires) == ("acr-exchange", NULL_GUID, True)
    assert (pulling.source, pulling.username, pulling.expires) == ("acr-admin", acr_registry.acr.admin_username, False)
    pushed = push_image(standin_docker, busybox_image, f"{acr_registry.host}/aml-deploy/acrtest", "1", pushing)
    assert pushed.reference.startswith(f"{acr_registry.host}/aml-deploy/acrtest@sha256:")
    assert acr_registry.acr.exchanges[-1].accepted

    target = aci_services(home, acr_registry.registry, options=AciOptions(registry=settings), workspace=workspace)
    plan = target.plan(v1_spec(workspace, service_name, target.registry))
    credentials = plan["requests"][-1]["body"]["properties"]["imageRegistryCredentials"]
    assert credentials == [{"server": acr_registry.host, "username": acr_registry.acr.admin_username, "password": "***"}]


def test_a_v2_deployment_yaml_is_published_with_cpu_and_memory_from_the_command_line(
    azure_env, arm_api, session_registry, home, workspace, service_name, monkeypatch
):
    user = next(iter(session_registry.users))
    monkeypatch.setenv("AML_DEPLOY_REGISTRY_PASSWORD", session_registry.users[user])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aml_deploy",
            "model",
            "deploy",
            "-n",
            service_name,
            "--ic",
            str(workspace / "sample" / "blue-deployment.yml"),
            "--compute-type",
            "aci",
            "--cc",
            "1",
            "--gb",
            "2",
            "--ae",
            "true",
            "--dry-run",
            "--registry-login-server",
            session_registry.host,
            "--registry-username",
            user,
            "--format",
            "json",
            "--workspace-folder",
            str(workspace),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)["requests"][-1]["body"]
    scoring, front = body["properties"]["containers"]
    assert scoring["properties"]["resources"] == {"requests": {"cpu": 1.0, "memoryInGB": 2.0}}
    assert front["properties"]["command"][0] == "haproxy" and body["properties"]["ipAddress"]["ports"] == [{"port": 80, "protocol": "TCP"}]
    assert body["location"] == "westeurope"  # the Azure CLI's default location
