"""Local deployment through the language server's commands, against a real Docker engine."""

import uuid

import pytest
from lsprotocol import types as lsp

from tests.local.conftest import (
    docker_client,  # noqa: F401 - the engine and base image fixture
    remove_containers,
    rename_sample_endpoint,
)

from .conftest import codes, open_document, replace_all, wait_for

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
    here = await command(client, "amlDeploy.server.listEndpoints", {"workspace": [str(workspace)]})
    assert endpoint in [e["name"] for e in here["endpoints"]]
    elsewhere = await command(client, "amlDeploy.server.listEndpoints", {"workspace": [str(workspace / "v1")]})
    assert endpoint not in [e["name"] for e in elsewhere["endpoints"]]
    deleted = await command(client, "amlDeploy.server.deleteDeployment", {"endpoint": endpoint})
    assert deleted["deleted_deployments"] == ["blue"]


async def test_logs_follow_until_the_container_goes(client, workspace, endpoint):
    heard: list = []

    @client.feature("amlDeploy/logLines")
    def log_lines(params):
        heard.append(params)

    def lines(key):
        return [line for params in heard if params.follow == key for line in params.lines]

    state = await command(client, "amlDeploy.server.deploy", {"config": str(workspace / "sample" / "blue-deployment.yml")})
    assert state["provisioning_state"] == "Succeeded", state
    first = (await command(client, "amlDeploy.server.followLogs", {"endpoint": endpoint, "deployment": "blue"}))["follow"]
    second = (await command(client, "amlDeploy.server.followLogs", {"endpoint": endpoint, "deployment": "blue", "lines": 5}))["follow"]
    await wait_for(lambda: any("Worker with pid" in line for line in lines(first)), what="the last lines first")
    before = len(lines(first))
    await command(client, "amlDeploy.server.invoke", {"endpoint": endpoint, "body": '{"data": [[1, 2]]}'})
    await wait_for(lambda: len(lines(first)) > before, what="a request's lines, as they come")
    assert (await command(client, "amlDeploy.server.stopLogs", {"follow": first})) == {"stopped": True}
    await command(client, "amlDeploy.server.deleteDeployment", {"endpoint": endpoint})
    ended = await wait_for(lambda: [p for p in heard if p.follow == second and p.ended], what="the follow ended", timeout=30)
    assert ended[0].message == "the container stopped"
    refused = await command(client, "amlDeploy.server.followLogs", {"endpoint": endpoint, "deployment": "blue"})
    assert "No local deployment" in refused["error"]


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
    # Edits above the line take the finding along; an edit of the line itself drops it.
    failing = script.read_text()
    replace_all(client, uri, "# one\n# two\n" + failing, 2)
    await wait_for(
        lambda: [d.range.start.line for d in client.diagnostics.get(uri, []) if d.code == "AMLD401"] == [line + 2],
        what="AMLD401 moved down two lines",
    )
    replace_all(client, uri, "# one\n" + failing, 3)
    await wait_for(
        lambda: [d.range.start.line for d in client.diagnostics.get(uri, []) if d.code == "AMLD401"] == [line + 1],
        what="AMLD401 moved up one line",
    )
    fixed = failing.replace('"missing.pkl"', '"model.pkl"')  # the cause, a line above the one that raised
    replace_all(client, uri, fixed, 4)
    await wait_for(
        lambda: [d.range.start.line for d in client.diagnostics.get(uri, []) if d.code == "AMLD401"] == [line],
        what="AMLD401 kept on its unchanged line",
    )
    fixed = fixed.replace("joblib.load(model_path)", "joblib.load(model_path)  # fixed")
    replace_all(client, uri, fixed, 5)
    await wait_for(lambda: "AMLD401" not in codes(client, uri), what="dropped once its line changed")
    script.write_text(fixed)
    state = await command(client, "amlDeploy.server.deploy", {"config": str(config)})
    assert state["provisioning_state"] == "Succeeded"
    await wait_for(lambda: "AMLD401" not in codes(client, uri), what="cleared after a successful deployment")


async def test_refused_configuration_comes_back_as_an_error(client, workspace, endpoint):
    result = await command(client, "amlDeploy.server.deploy", {"config": str(workspace / "broken" / "broken-deployment.yml")})
    assert "nothing was built" in result["error"] and "AMLD101" in result["error"]


async def test_a_failed_build_is_a_failed_deployment_with_its_log(client, workspace, endpoint):
    """pip's error line comes first (not Docker's "Step 1/5 : FROM ..."); the endpoint lists the
    deployment as Failed instead of showing an empty endpoint as Succeeded."""
    conda = workspace / "sample" / "environment" / "conda.yaml"
    missing = "aml-deploy-test-no-such-package==0.0.1"
    conda.write_text(conda.read_text() + f"      - {missing}\n")
    state = await command(client, "amlDeploy.server.deploy", {"config": str(workspace / "sample" / "blue-deployment.yml")})
    assert state["provisioning_state"] == "Failed", state
    message = state["failure"]["message"]
    assert message.startswith("the environment image did not build: ERROR:") and "aml-deploy-test-no-such-package" in message
    assert "\n" not in message and "Step " not in message
    assert "Step 1/" in state["failure"]["log"] and missing in state["failure"]["log"]
    listed = await command(client, "amlDeploy.server.listEndpoints")
    [mine] = [e for e in listed["endpoints"] if e["name"] == endpoint]
    assert mine["provisioning_state"] == "Failed"
    assert [(d["name"], d["provisioning_state"]) for d in mine["deployments"]] == [("blue", "Failed")]
    assert mine["deployments"][0]["failure"]["message"] == message
    await command(client, "amlDeploy.server.deleteDeployment", {"endpoint": endpoint})


async def test_a_failed_update_keeps_the_previous_version_and_says_so(client, workspace, endpoint):
    config = str(workspace / "sample" / "blue-deployment.yml")
    assert (await command(client, "amlDeploy.server.deploy", {"config": config}))["provisioning_state"] == "Succeeded"
    conda = workspace / "sample" / "environment" / "conda.yaml"
    conda.write_text(conda.read_text() + "      - aml-deploy-test-no-such-package==0.0.1\n")
    assert (await command(client, "amlDeploy.server.deploy", {"config": config}))["provisioning_state"] == "Failed"
    listed = await command(client, "amlDeploy.server.listEndpoints")
    [blue] = [e for e in listed["endpoints"] if e["name"] == endpoint][0]["deployments"]
    assert blue["provisioning_state"] == "Succeeded"  # still serving
    assert blue["problem"].startswith("The last update failed (the environment image did not build: ERROR: No matching")
    response = await command(client, "amlDeploy.server.invoke", {"endpoint": endpoint, "body": '{"data": [[1, 2]]}'})
    assert response["status"] == 200
