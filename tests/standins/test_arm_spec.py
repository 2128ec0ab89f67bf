"""The spec checks the ARM stand-in runs on every request: they reject what the official 2025-09-01 spec
rejects and accept a known-good body."""

from __future__ import annotations

import pytest

from tests.standins.arm_spec import ArmSpec
from tests.standins.bodies import example_body

SUBSCRIPTION = "2f1d1f4e-7b5c-4c11-9f62-0f0a8a5b8c11"
GROUP_PATH = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/scorer"


@pytest.fixture(scope="module")
def spec() -> ArmSpec:
    return ArmSpec()


@pytest.fixture
def put(spec):
    return spec.match("PUT", GROUP_PATH)


def test_the_shared_example_body_is_valid(spec, put):
    assert put.operation.operation_id == "ContainerGroups_CreateOrUpdate"
    assert spec.check_body(put, example_body()) == []


def test_a_missing_memory_request_is_named_with_its_path(spec, put):
    body = example_body()
    del body["properties"]["containers"][0]["properties"]["resources"]["requests"]["memoryInGB"]
    problems = spec.check_body(put, body)
    assert [(p.target, p.message) for p in problems] == [
        ("$.properties.containers[0].properties.resources.requests", "'memoryInGB' is a required property")
    ]


def test_wrong_types_and_enum_values_are_rejected(spec, put):
    body = example_body()
    body["properties"]["containers"][0]["properties"]["resources"]["requests"]["cpu"] = "one"
    body["properties"]["restartPolicy"] = "Sometimes"
    body["properties"]["ipAddress"]["ports"][0]["port"] = "5001"
    messages = {(p.target, p.message) for p in spec.check_body(put, body)}
    assert ("$.properties.containers[0].properties.resources.requests.cpu", "'one' is not of type 'number'") in messages
    assert ("$.properties.restartPolicy", "'Sometimes' is not one of ['Always', 'OnFailure', 'Never']") in messages
    assert ("$.properties.ipAddress.ports[0].port", "'5001' is not of type 'integer'") in messages


def test_a_body_without_containers_properties_is_rejected(spec, put):
    assert [p.message for p in spec.check_body(put, {"location": "westeurope"})] == ["'properties' is a required property"]


def test_path_and_query_parameters_are_checked(spec):
    match = spec.match(
        "GET", "/subscriptions/not-a-guid/resourceGroups/bad$name/providers/Microsoft.ContainerInstance/containerGroups/g/containers/c/logs"
    )
    assert match.operation.operation_id == "Containers_ListLogs"
    problems = {p.target: p.message for p in spec.check_parameters(match, {"tail": ["ten"]})}
    assert set(problems) == {"subscriptionId", "resourceGroupName", "api-version", "tail"}
    assert "is not a 'uuid'" in problems["subscriptionId"]
    assert problems["tail"] == "'tail' must be an integer, not 'ten'"


def test_paths_match_case_insensitively_but_only_known_operations(spec):
    assert spec.match("get", GROUP_PATH.lower()).operation.operation_id == "ContainerGroups_Get"
    assert spec.match("PUT", GROUP_PATH + "/restart") is None
    assert spec.match("POST", GROUP_PATH + "/restart").operation.operation_id == "ContainerGroups_Restart"
    assert spec.match("GET", f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Compute/virtualMachines") is None
