"""What the editor learns about files so that Deploy, Debug and Register Model appear only where
they apply, and Deploy Locally works with a scoring script open."""

import pytest
from lsprotocol import types as lsp

from aml_deploy.registry import Registry

from .conftest import open_document, replace_all, wait_for


def listen(client) -> list:
    heard: list = []

    @client.feature("amlDeploy/fileKinds")
    def file_kinds(params):
        heard.append(params)

    return heard


async def command(client, name, *arguments):
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=name, arguments=list(arguments)))


def field(params, name):
    return getattr(params, name, None) if not isinstance(params, dict) else params.get(name)


@pytest.mark.parametrize("client", [True], indirect=True)  # the workspace scan finds them
async def test_deployments_their_scripts_and_model_yamls_are_told(client, workspace):
    heard = listen(client)
    sample = workspace / "sample"
    last = await wait_for(
        lambda: heard and str(sample / "blue-deployment.yml") in field(heard[-1], "deployable") and heard[-1], what="fileKinds"
    )
    assert str(sample / "src" / "score.py") in field(last, "scripts")
    assert str(sample / "model.yml") in field(last, "models")
    told = set(field(last, "deployable")) | set(field(last, "scripts")) | set(field(last, "models"))
    assert str(sample / "environment" / "conda.yaml") not in told
    assert str(sample / "sample-request.json") not in told
    assert str(sample / "endpoint.yml") not in told
    # A deployment that stops being one leaves the list, and its script with it.
    uri = open_document(client, workspace / "broken-script" / "deployment.yml")
    replace_all(client, uri, "just: text\n", 2)
    await wait_for(
        lambda: str(workspace / "broken-script" / "deployment.yml") not in field(heard[-1], "deployable"),
        what="the deployment left the list",
    )
    assert str(workspace / "broken-script" / "src" / "score.py") not in field(heard[-1], "scripts")


async def test_deployments_using_a_script(client, workspace):
    uri = open_document(client, workspace / "sample" / "blue-deployment.yml")
    await wait_for(lambda: uri in client.diagnostics, what="the deployment checked")
    script = workspace / "sample" / "src" / "score.py"
    result = await command(client, "amlDeploy.server.deploymentsUsing", {"file": script.as_uri()})
    assert result["deployments"] == [
        {"config": str(workspace / "sample" / "blue-deployment.yml"), "name": "blue", "endpoint": "sample-endpoint"}
    ]
    none = await command(client, "amlDeploy.server.deploymentsUsing", {"file": str(workspace / "sample" / "make_model.py")})
    assert none == {"deployments": []}


async def test_register_a_model_yaml_registers_what_it_describes(client, workspace, registry_root):
    model_yaml = workspace / "sample" / "model.yml"
    result = await command(client, "amlDeploy.server.registerModelFile", {"file": model_yaml.as_uri()})
    assert result["reference"] == "azureml:sample-linear:1"
    assert result["tags"] == {"framework": "scikit-learn"} and result["description"].startswith("y = 2*x0")
    assert result["is_folder"] and result["file_count"] >= 1
    [stored] = Registry(registry_root).list("sample-linear")
    assert stored.version == "1"
    refused = await command(client, "amlDeploy.server.registerModelFile", {"file": str(workspace / "sample" / "endpoint.yml")})
    assert refused["code"] == "invalid-configuration" and "not a model YAML" in refused["error"]
