"""The product's ARM client against the ARM stand-in: it creates a container group and follows the deployment
through injected 429 and 500 answers (waiting as Retry-After says), reads back the fqdn, which really serves,
reads logs, restarts, lists and deletes; ARM's errors become errors that name ARM's code and message."""

from __future__ import annotations

import time

import pytest
import requests

from aml_deploy.azure import ArmError, ContainerGroups, ProvisioningFailed, ResourceNotFound, connect
from tests.standins import bodies


@pytest.fixture
def groups(azure_env) -> ContainerGroups:
    arm = connect(polling_interval=1)
    yield ContainerGroups(arm, azure_env.subscription_id, azure_env.resource_group)
    arm.close()


def serve(url: str, timeout: float = 30) -> requests.Response:
    """GET `url` the way any client would (the environment's proxy resolves the group's fqdn)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = requests.get(url, timeout=10)
            if answer.ok or time.monotonic() > deadline:
                return answer
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


@pytest.mark.docker
def test_create_through_throttling_and_errors_then_read_serve_log_restart_delete(groups, arm, registry, standin_docker, busybox_image):
    image = registry.push(standin_docker, busybox_image, "product/web")
    arm.fail_next(1, 429, retry_after=2, method="PUT")
    arm.fail_next(1, 500, retry_after=1, path_contains="/operations/")
    seen = []

    group = groups.create_or_update("web", bodies.web_group(image, registry, text="served", label="product-web"), progress=seen.append)

    puts = arm.requests_to("PUT", "/containerGroups/web")
    assert [r.status for r in puts] == [429, 201]
    assert puts[1].at - puts[0].at >= 1.9  # waited as Retry-After said
    polls = arm.requests_to("GET", "/operations/")
    assert polls[0].status == 500 and polls[-1].status == 200
    assert polls[1].at - polls[0].at >= 0.9
    assert seen and seen[-1].status == "Succeeded"
    assert seen[-1].group is not None and seen[-1].group.provisioning_state == "Succeeded"

    assert group.provisioning_state == "Succeeded" and group.state == "Running"
    assert group.fqdn == "product-web.westeurope.azurecontainer.io" and group.ports == (80,)
    assert [e.name for e in group.container("web").events] == ["Pulling", "Pulled", "Started"]
    assert serve(f"http://{group.fqdn}/").text.strip() == "served"

    assert [g.name for g in groups.list()] == ["web"]
    groups.restart("web")
    assert groups.get("web").container("web").restart_count == 1

    assert groups.delete("web") is True
    assert groups.get("web") is None
    assert groups.delete("web") is False
    assert standin_docker.containers.list(all=True, filters={"label": f"aml-deploy.standin={arm.prefix}"}) == []


@pytest.mark.docker
def test_logs_come_from_the_running_container(groups, arm, registry, standin_docker, busybox_image):
    image = registry.push(standin_docker, busybox_image, "product/talk")
    talker = bodies.container("talker", image, "for i in 1 2 3 4 5; do echo line $i; done; exec sleep 600")
    groups.create_or_update("talk", bodies.group([talker], registry_server=registry.host, auth=registry.auth_config()))
    deadline = time.monotonic() + 20
    while "line 5" not in groups.logs("talk", "talker") and time.monotonic() < deadline:
        time.sleep(0.3)
    assert groups.logs("talk", "talker", tail=2) == "line 4\nline 5\n"
    with pytest.raises(ArmError, match="ContainerNotFound"):
        groups.logs("talk", "nobody")


def test_a_body_arm_rejects_is_an_error_naming_the_field(groups, arm_api):
    body = bodies.example_body()
    del body["properties"]["containers"][0]["properties"]["resources"]["requests"]["memoryInGB"]
    with pytest.raises(ArmError) as failure:
        groups.create_or_update("scorer", body)
    error = failure.value
    assert (error.status, error.code) == (400, "InvalidRequestContent")
    assert str(error).startswith("Deploying container group 'scorer': Azure answered 400 InvalidRequestContent: ")
    assert "'memoryInGB' is a required property" in str(error) and "$.properties.containers[0].properties.resources.requests" in str(error)


def test_a_missing_resource_group_is_an_error_not_an_absent_group(azure_env, arm_api):
    with connect() as arm:
        with pytest.raises(ResourceNotFound, match="ResourceGroupNotFound: Resource group 'rg-elsewhere' could not be found"):
            ContainerGroups(arm, azure_env.subscription_id, "rg-elsewhere").get("web")


def test_exhausted_retries_end_in_the_throttling_error(azure_env, arm_api):
    arm_api.fail_next(10, 429, retry_after=0)
    with connect() as arm:
        arm_client = ContainerGroups(arm, azure_env.subscription_id, azure_env.resource_group)
        with pytest.raises(ArmError, match="429 SubscriptionRequestsThrottled"):
            arm_client.get("web")
    assert len(arm_api.requests) == 4  # the first try and azure-core's three retries


@pytest.mark.docker
def test_a_failed_provisioning_names_aci_s_reason(groups, arm, registry, standin_docker, busybox_image):
    image = registry.push(standin_docker, busybox_image, "product/fail")
    arm.fail_next_provisioning("ResourceRequestsNotAvailable", "The requested resource with 'memoryInGB: 0.25' is not available in the location 'westeurope' at this moment.")
    with pytest.raises(ProvisioningFailed) as failure:
        groups.create_or_update("fail", bodies.web_group(image, registry, label=None))
    assert failure.value.code == "ResourceRequestsNotAvailable"
    assert str(failure.value) == (
        "Deploying container group 'fail' failed in Azure: ResourceRequestsNotAvailable: The requested resource with "
        "'memoryInGB: 0.25' is not available in the location 'westeurope' at this moment."
    )


def test_a_planned_request_shows_the_url_and_masks_secrets(groups, arm_api):
    planned = groups.plan_create_or_update("scorer", bodies.example_body())
    assert planned.method == "PUT"
    assert planned.url == f"{arm_api.url}/subscriptions/{arm_api.subscription_id}/resourceGroups/rg-aml-test/providers/Microsoft.ContainerInstance/containerGroups/scorer?api-version=2025-09-01"
    env = planned.body["properties"]["containers"][0]["properties"]["environmentVariables"]
    assert env[1:] == [{"name": "AUTH_PRIMARY_KEY", "secureValue": "***"}, {"name": "AUTH_SECONDARY_KEY", "secureValue": "***"}]
    assert env[0] == {"name": "SCORING_TIMEOUT_MS", "value": "60000"}
    assert planned.body["properties"]["imageRegistryCredentials"][0]["password"] == "***"
    assert arm_api.requests == []  # planning sends nothing
