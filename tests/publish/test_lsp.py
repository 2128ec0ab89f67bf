"""Publishing through the language server, as the editor's Published Services view does it: a real client over
stdio, the server pointed at the Azure stand-ins by its environment. Progress names the stages; an init() that
raises puts AMLD401 on the line, as a failed local deployment does."""

from __future__ import annotations

import os
import sys
import uuid

import pytest
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, client_capabilities

from tests.lsp.conftest import wait_for

pytestmark = pytest.mark.docker


@pytest.fixture
async def server(azure_env, home, workspace, tmp_path):
    """A language server started after azure_env has set the environment it inherits."""
    config = ClientServerConfig(server_command=[sys.executable, "-m", "aml_deploy", "lsp"], server_env=dict(os.environ))
    client = await config.start()

    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams):  # VS Code accepts the server's registrations; so do we
        return None

    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            workspace_folders=[lsp.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
            initialization_options={"registryPath": str(tmp_path / "models")},
        )
    )
    yield client
    await client.shutdown_session()


async def command(client, name, *arguments):
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=name, arguments=list(arguments)))


def publish_args(workspace, session_registry, name: str, token: str | None = None) -> dict:
    user = next(iter(session_registry.users))
    folder = workspace / "v1-aci"
    return {
        "config": (folder / "inferenceconfig.json").as_uri(),
        "deploymentConfig": str(folder / "deploymentconfig.json"),
        "name": name,
        "models": [str(workspace / "sample" / "model")],
        "registryServer": session_registry.host,
        "registryUsername": user,
        "registryPassword": session_registry.users[user],
        "progressToken": token,
    }


async def test_publish_list_keys_logs_invoke_and_delete_through_the_server(server, arm, session_registry, workspace, service_name):
    server.progress_reports["publish-1"] = []
    state = await command(server, "amlDeploy.server.publish", publish_args(workspace, session_registry, service_name, "publish-1"))
    assert state["provisioning_state"] == "Succeeded", state
    messages = [r.message for r in server.progress_reports["publish-1"] if getattr(r, "message", None)]
    stages = [m.split(":")[0] for m in messages]
    for stage in ("build", "local-check", "push", "provision", "ready"):
        assert stage in stages, messages
    assert any(" MB of " in m or " kB of " in m for m in messages if m.startswith("push"))  # bytes while pushing

    [listed] = (await command(server, "amlDeploy.server.listPublished"))["services"]
    assert (listed["name"], listed["state"], listed["scoringUri"]) == (service_name, "Succeeded", state["scoring_uri"])
    keys = await command(server, "amlDeploy.server.publishedKeys", {"name": service_name})
    answer = await command(server, "amlDeploy.server.invokePublished", {"name": service_name, "body": '{"data": [[1, 2]]}'})
    assert answer["status"] == 200 and answer["body"].strip() == "[9.0]"
    renewed = await command(server, "amlDeploy.server.regeneratePublishedKey", {"name": service_name, "keyType": "secondary"})
    assert renewed["primaryKey"] == keys["primaryKey"] and renewed["secondaryKey"] != keys["secondaryKey"]
    script = workspace / "v1-aci" / "source" / "score.py"
    script.write_text(script.read_text() + f"\n# an edit after publishing {uuid.uuid4().hex}\n")
    updated = await command(server, "amlDeploy.server.updatePublished", {"name": service_name})  # the stored registry password
    assert updated["provisioning_state"] == "Succeeded", updated
    assert updated["publish"]["push"]["layers_pushed"] == 1 and updated["publish"]["push"]["bytes_pushed"] < 10_000
    logs = await command(server, "amlDeploy.server.publishedLogs", {"name": service_name})
    assert "ready for serving traffic" in logs["text"]
    deleted = await command(server, "amlDeploy.server.deletePublished", {"name": service_name})
    assert deleted["group_deleted"] is True
    assert (await command(server, "amlDeploy.server.listPublished"))["services"] == []
    missing = await command(server, "amlDeploy.server.publishedKeys", {"name": service_name})
    assert missing["code"] == "deploy" and "No published service" in missing["error"]


async def test_an_init_that_raises_becomes_amld401_on_its_line(server, arm_api, session_registry, workspace, service_name):
    script = workspace / "v1-aci" / "source" / "score.py"
    script.write_text(script.read_text().replace('"model.pkl"', '"no-such-model.pkl"'))
    line = next(i for i, text in enumerate(script.read_text().splitlines()) if "joblib.load" in text)
    uri = script.as_uri()
    server.text_document_did_open(
        lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=script.read_text()))
    )

    state = await command(server, "amlDeploy.server.publish", publish_args(workspace, session_registry, service_name))

    assert state["provisioning_state"] == "Failed" and state["target"] == "local-check"
    [diagnostic] = await wait_for(lambda: [d for d in server.diagnostics.get(uri, []) if d.code == "AMLD401"], what="AMLD401")
    assert diagnostic.range.start.line == line
    assert diagnostic.message.startswith(f"The local check {service_name} failed here, in init(): FileNotFoundError")
