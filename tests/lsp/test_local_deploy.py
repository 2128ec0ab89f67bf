"""Local deployment through the language server's commands, against a real Docker engine."""

import uuid

import pytest
from lsprotocol import types as lsp

from tests.local.conftest import (
    docker_client,  # noqa: F401 - the engine and base image fixture
    remove_containers,
    rename_sample_endpoint,
)

from .conftest import codes, open_document, wait_for

pytestmark = pytest.mark.docker


@pytest.fixture
def endpoint(workspace, docker_client):  # noqa: F811
    name = f"l{uuid.uuid4().hex[:10]}"
    rename_sample_endpoint(workspace, name)
    yield name
    remove_containers(docker_client, name)


async def command(client, name, *arguments):
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=name, arguments=list(arguments)))


async def test_deploy_invoke_and_delete(client, workspace, endpoint):
    config = workspace / "sample" / "blue-deployment.yml"
    client.progress_reports["deploy-1"] = []  # a client-chosen token, as VS Code sends with a request
    state = await command(client, "amlDeploy.server.deploy", {"config": config.as_uri(), "progressToken": "deploy-1"})
    assert state["provisioning_state"] == "Succeeded", state
    assert [r.kind for r in client.progress_reports["deploy-1"]][0] == "begin"
    listed = await command(client, "amlDeploy.server.listEndpoints")
    [mine] = [e for e in listed["endpoints"] if e["name"] == endpoint]
    assert mine["deployments"][0]["provisioning_state"] == "Succeeded"
    response = await command(client, "amlDeploy.server.invoke", {"endpoint": endpoint, "body": '{"data": [[1, 2]]}'})
    assert response["status"] == 200 and response["body"].strip() == "[9.0]"
    sample = await command(client, "amlDeploy.server.sampleRequest", {"endpoint": endpoint})
    assert '"data"' in sample["body"]  # sample-request.json next to the deployment
    logs = await command(client, "amlDeploy.server.logs", {"endpoint": endpoint, "deployment": "blue"})
    assert "Worker with pid" in logs["text"]
    deleted = await command(client, "amlDeploy.server.deleteDeployment", {"endpoint": endpoint})
    assert deleted["deleted_deployments"] == ["blue"]


async def test_failed_init_becomes_a_diagnostic_on_its_line(client, workspace, endpoint):
    script = workspace / "sample" / "src" / "score.py"
    script.write_text(script.read_text().replace('"model.pkl"', '"missing.pkl"'))
    line = next(i for i, text in enumerate(script.read_text().splitlines()) if "joblib.load" in text)
    uri = open_document(client, script, language="python")
    config = workspace / "sample" / "blue-deployment.yml"
    state = await command(client, "amlDeploy.server.deploy", {"config": str(config)})
    assert state["provisioning_state"] == "Failed" and state["failure"]["line"] == line + 1
    [diagnostic] = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD401"], what="AMLD401")
    assert diagnostic.range.start.line == line and "FileNotFoundError" in diagnostic.message
    script.write_text(script.read_text().replace('"missing.pkl"', '"model.pkl"'))
    state = await command(client, "amlDeploy.server.deploy", {"config": str(config)})
    assert state["provisioning_state"] == "Succeeded"
    await wait_for(lambda: "AMLD401" not in codes(client, uri), what="cleared after a successful deployment")


async def test_refused_configuration_comes_back_as_an_error(client, workspace, endpoint):
    result = await command(client, "amlDeploy.server.deploy", {"config": str(workspace / "broken" / "broken-deployment.yml")})
    assert "nothing was built" in result["error"] and "AMLD101" in result["error"]
