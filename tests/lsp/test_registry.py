"""The model registry through the language server: reference checks, hover, and the commands
behind the editor's Models view."""

import ast

from lsprotocol import types as lsp

from aml_deploy.registry import Registry

from .conftest import code_actions, codes, open_document, replace_all, wait_for

DEPLOYMENT = "sample/blue-deployment.yml"


def with_model_reference(workspace, reference: str) -> str:
    text = (workspace / DEPLOYMENT).read_text()
    return text.replace("model:\n  path: ./model/\n", f"model: {reference}\n")


async def test_no_registry_means_no_reference_check(client, workspace):
    uri = open_document(client, workspace / DEPLOYMENT, text=with_model_reference(workspace, "azureml:anything:1"))
    await wait_for(lambda: uri in client.diagnostics, what="publish")
    assert "AMLD301" not in codes(client, uri)


async def test_unknown_model_and_version(client, workspace, registry_root):
    Registry(registry_root).register(workspace / "sample" / "model", "sample-linear")
    uri = open_document(client, workspace / DEPLOYMENT, text=with_model_reference(workspace, "azureml:sample-linaer:1"))
    [diagnostic] = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD301"], what="AMLD301")
    assert "Did you mean sample-linear?" in diagnostic.message and diagnostic.severity == lsp.DiagnosticSeverity.Error
    assert diagnostic.range.start == lsp.Position(3, 7)
    replace_all(client, uri, with_model_reference(workspace, "azureml:sample-linear:5"), 2)
    await wait_for(lambda: any("(it has 1)" in d.message for d in client.diagnostics.get(uri, [])), what="version")
    replace_all(client, uri, with_model_reference(workspace, "azureml:sample-linear@latest"), 3)
    await wait_for(lambda: "AMLD301" not in codes(client, uri), what="resolved")


async def test_hover_shows_the_registered_version(client, workspace, registry_root):
    Registry(registry_root).register(workspace / "sample" / "model", "sample-linear", tags={"framework": "sklearn"}, description="linear")
    uri = open_document(client, workspace / DEPLOYMENT, text=with_model_reference(workspace, "azureml:sample-linear:1"))
    await wait_for(lambda: uri in client.diagnostics, what="publish")
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(3, 12))
    )
    assert "**sample-linear:1** in the local model registry" in hover.contents.value
    assert "`framework=sklearn`" in hover.contents.value and "585 B" in hover.contents.value


async def test_register_command_with_progress_rechecks_deployments(client, workspace, registry_root):
    Registry(registry_root).register(workspace / "sample" / "model", "other")  # the registry exists
    uri = open_document(client, workspace / DEPLOYMENT, text=with_model_reference(workspace, "azureml:sample-linear:1"))
    await wait_for(lambda: "AMLD301" in codes(client, uri), what="unknown model")
    token = "register-1"
    client.progress_reports[token] = []  # a client-chosen token, as VS Code sends with a request
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(
            command="amlDeploy.server.registerModel",
            arguments=[{"path": str(workspace / "sample" / "model"), "name": "sample-linear", "tags": {"a": "b"}, "progressToken": token}],
        )
    )
    assert result["reference"] == "azureml:sample-linear:1" and result["tags"] == {"a": "b"}
    kinds = [report.kind for report in client.progress_reports.get(token, [])]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    await wait_for(lambda: "AMLD301" not in codes(client, uri), what="re-checked after registering")
    listed = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(command="amlDeploy.server.listModels"))
    assert [m["name"] for m in listed["models"]] == ["other", "sample-linear"]


async def test_register_errors_come_back_as_messages(client, workspace):
    result = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="amlDeploy.server.registerModel", arguments=[{"path": str(workspace / "nope"), "name": "x"}])
    )
    assert "does not exist" in result["error"]


async def test_delete_and_files_commands(client, workspace, registry_root):
    Registry(registry_root).register(workspace / "sample" / "model", "sample-linear")
    files = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="amlDeploy.server.modelFiles", arguments=[{"name": "sample-linear", "version": "1"}])
    )
    assert files["files"][0].endswith("model/model.pkl")
    Registry(registry_root).hold("sample-linear", "1", "a-container-that-is-not-there")
    deleted = await client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="amlDeploy.server.deleteModel", arguments=[{"name": "sample-linear", "version": "1"}])
    )
    assert deleted.get("error") is None  # the holder is gone (no such container): a stale hold
    assert Registry(registry_root).list() == []


async def test_linter_checks_paths_against_a_registered_model(client, workspace, registry_root):
    Registry(registry_root).register(workspace / "sample" / "model", "sample-linear")
    deployment = workspace / DEPLOYMENT
    open_document(client, deployment, text=with_model_reference(workspace, "azureml:sample-linear:1"))
    script = workspace / "sample" / "src" / "score.py"
    uri = open_document(client, script, language="python", text=script.read_text().replace('"model", "model.pkl"', '"model.pkl"'))
    [finding] = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD212"], what="AMLD212")
    assert "registered model sample-linear:1 (a folder)" in finding.message and "model/model.pkl" in finding.message


async def test_quick_fixes_for_a_version_the_registry_does_not_have(client, workspace, registry_root):
    registry = Registry(registry_root)
    for _ in range(2):
        registry.register(workspace / "sample" / "model", "sample-linear")
    uri = open_document(client, workspace / DEPLOYMENT, text=with_model_reference(workspace, "azureml:sample-linear:5"))
    [diagnostic] = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD301"], what="AMLD301")
    actions = await code_actions(client, uri, [diagnostic])
    assert [a.title for a in actions] == [
        "Change to azureml:sample-linear:2 (the latest version)",
        "Change to azureml:sample-linear:1",
        "Register a model as sample-linear:5...",
    ]
    assert [a.is_preferred for a in actions[:2]] == [True, False]
    [edit] = actions[0].edit.document_changes[0].edits
    assert edit.range == diagnostic.range and edit.new_text == "azureml:sample-linear:2"
    # A code action with a command and no edit: lsprotocol's client-side reading of CodeAction | Command
    # takes it for a Command whose `command` is the nested command's text.
    register = actions[2]
    command = ast.literal_eval(register.command) if isinstance(register, lsp.Command) else register.command
    command = command if isinstance(command, dict) else {"command": command.command, "arguments": command.arguments}
    assert command["command"] == "amlDeploy.registerModel"
    assert command["arguments"] == [{"name": "sample-linear", "version": "5"}]
    replace_all(client, uri, with_model_reference(workspace, edit.new_text), 2)
    await wait_for(lambda: "AMLD301" not in codes(client, uri), what="fixed")


async def test_quick_fix_for_a_misspelled_model_name(client, workspace, registry_root):
    Registry(registry_root).register(workspace / "sample" / "model", "sample-linear")
    uri = open_document(client, workspace / DEPLOYMENT, text=with_model_reference(workspace, "azureml:sample-linaer:1"))
    [diagnostic] = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD301"], what="AMLD301")
    titles = [a.title for a in await code_actions(client, uri, [diagnostic])]
    assert titles == ["Change to azureml:sample-linear:1 (the latest version)", "Register a model as sample-linaer:1..."]
