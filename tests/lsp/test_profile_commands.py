"""Profile… and Apply Recommendation through the language server's commands, against a real
Docker engine: progress names the concurrency level, the answer holds the table's rows and the
chart (or how to get one), and the recommendation comes back as an edit of the open file."""

import uuid

import pytest
from lsprotocol import types as lsp

from aml_deploy.deploy.local import containers
from tests.local.conftest import (
    docker_client,  # noqa: F401 - the engine and base image fixture
    remove_containers,
    rename_sample_endpoint,
)

from .conftest import open_document

pytestmark = pytest.mark.docker


@pytest.fixture
def endpoint(workspace, docker_client):  # noqa: F811
    name = f"l{uuid.uuid4().hex[:10]}"
    rename_sample_endpoint(workspace, name)
    yield name
    remove_containers(docker_client, name)


async def command(client, name, *arguments):
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=name, arguments=list(arguments)))


async def test_profile_a_deployment_and_apply_the_recommendation(client, workspace, endpoint, docker_client):  # noqa: F811
    config = workspace / "sample" / "blue-deployment.yml"
    client.progress_reports["profile-1"] = []
    answer = await command(
        client,
        "amlDeploy.server.profile",
        {
            "endpoint": endpoint,
            "deployment": "blue",
            "config": config.as_uri(),
            "duration": 2,
            "maxConcurrency": 2,
            "progressToken": "profile-1",
        },
    )
    assert "error" not in answer, answer
    result = answer["profile"]
    assert [level["concurrency"] for level in result["levels"]] == [1, 2]
    assert result["started_deployment"] and containers.find(docker_client, endpoint) == []
    reports = client.progress_reports["profile-1"]
    assert reports[0].kind == "begin" and reports[-1].kind == "end"
    assert any("concurrency 2" in (r.message or "") for r in reports if r.kind == "report")
    assert (answer["chartSvg"] or "").startswith("<?xml") or "aml-deploy[charts]" in answer["chartHint"]
    assert answer["writeTargets"] == [str(config)]

    uri = open_document(client, config)
    edit = await command(client, "amlDeploy.server.recommendationEdit", {"file": uri, "recommendation": result["recommendation"]})
    assert edit["fields"][0] == "instance_type"
    [change] = edit["edit"]["documentChanges"]
    assert change["textDocument"]["uri"] == uri and change["textDocument"]["version"] == 1
    replaced = [e for e in change["edits"] if e["newText"] == result["recommendation"]["instance_type"]]
    assert replaced and replaced[0]["range"]["start"]["line"] == 11  # instance_type: Standard_DS3_v2, replaced in place


async def test_a_profile_of_nothing_is_an_error_with_a_code(client, endpoint):
    answer = await command(client, "amlDeploy.server.profile", {"endpoint": endpoint, "deployment": "none"})
    assert answer["code"] == "profile" and "does not exist" in answer["error"]
