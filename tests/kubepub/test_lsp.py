"""Publishing a v1 AKS configuration from the editor: the Published Services view's Publish… sends the
same command as for ACI, and the server publishes to the cluster because the deploymentconfig.json says
computeType aks. A real client over stdio; the server inherits the stand-in cluster's KUBECONFIG."""

from __future__ import annotations

import os
import sys

import pytest
import requests
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, client_capabilities

from tests.kubepub.test_v1 import v1_workspace

pytestmark = pytest.mark.docker


@pytest.fixture
async def server(publishing, tmp_path):
    config = ClientServerConfig(server_command=[sys.executable, "-m", "aml_deploy", "lsp"], server_env=dict(os.environ))
    client = await config.start()

    @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams):
        return None

    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            workspace_folders=[lsp.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")],
        )
    )
    yield client
    await client.shutdown_session()


async def command(client, name, *arguments):
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=name, arguments=list(arguments)))


async def test_publish_from_the_editor_goes_to_the_cluster_a_v1_aks_configuration_names(server, publishing, kube_registry, tmp_path):
    standin = publishing
    root = v1_workspace(tmp_path / "v1", authEnabled=True)
    login = kube_registry.auth_config()
    server.progress_reports["kube-1"] = []
    state = await command(
        server,
        "amlDeploy.server.publish",
        {
            "config": (root / "inferenceconfig.json").as_uri(),
            "deploymentConfig": str(root / "deploymentconfig.json"),
            "name": "edsvc",
            "models": [str(root / "model")],
            "registryServer": kube_registry.host,
            "registryUsername": login["username"],
            "registryPassword": login["password"],
            "progressToken": "kube-1",
        },
    )
    assert state["provisioning_state"] == "Succeeded", state
    assert state["target"] == "kubernetes" and state["publish"]["namespace"] == "v1-scoring"
    assert standin.get("Deployment", "v1-scoring", "edsvc-default") is not None
    messages = [r.message for r in server.progress_reports["kube-1"] if getattr(r, "message", None)]
    assert any("Waiting for every replica" in m for m in messages), messages

    [listed] = (await command(server, "amlDeploy.server.listPublished"))["services"]
    assert (listed["name"], listed["target"], listed["namespace"]) == ("edsvc", "kubernetes", "v1-scoring")
    keys = await command(server, "amlDeploy.server.publishedKeys", {"name": "edsvc"})
    headers = {"Authorization": f"Bearer {keys['primaryKey']}", "Content-Type": "application/json"}
    answer = requests.post(state["scoring_uri"], data='{"data": [[1, 2]]}', headers=headers, timeout=30)
    assert answer.status_code == 200 and answer.json() == [9.0]
    assert login["password"] not in repr(listed)

    deleted = await command(server, "amlDeploy.server.deletePublished", {"name": "edsvc"})
    assert "error" not in deleted, deleted
    assert (await command(server, "amlDeploy.server.listPublished"))["services"] == []
    standin.wait_for(lambda: standin.get("Namespace", None, "v1-scoring") is None, 60, "the namespace to go")
