"""Completion, hover, go-to-definition and quick fixes over LSP."""

from lsprotocol import types as lsp

from tests.markdown_text import rendered

from .conftest import code_actions, codes, open_document, replace_all, wait_for


def at(uri, line, character):
    return dict(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line, character))


async def test_key_completion_offers_what_is_valid_here(client, workspace):
    path = workspace / "sample" / "blue-deployment.yml"
    text = path.read_text().replace("instance_count: 1\n", "instance_count: 1\nreq\n")
    uri = open_document(client, path, text=text)
    result = await client.text_document_completion_async(lsp.CompletionParams(**at(uri, 13, 3)))
    labels = {item.label: item for item in result.items}
    assert "request_settings" in labels and "liveness_probe" in labels
    assert "instance_type" not in labels  # already in the file
    assert "provisioning_state" not in labels  # read-only
    item = labels["request_settings"]
    assert item.text_edit.new_text == "request_settings:\n  $0"
    assert item.text_edit.range.start == lsp.Position(13, 0)
    assert "timed out" in item.documentation.value or "queued" in item.documentation.value


async def test_nested_key_completion(client, workspace):
    path = workspace / "sample" / "blue-deployment.yml"
    text = path.read_text().replace("  scoring_script: score.py\n", "  scoring_script: score.py\nliveness_probe:\n  \n")
    uri = open_document(client, path, text=text)
    result = await client.text_document_completion_async(lsp.CompletionParams(**at(uri, 9, 2)))
    assert {i.label for i in result.items} == {"initial_delay", "period", "timeout", "success_threshold", "failure_threshold"}


async def test_enum_value_completion(client, workspace):
    path = workspace / "sample" / "endpoint.yml"
    uri = open_document(client, path, text=path.read_text().replace("auth_mode: key", "auth_mode: "))
    result = await client.text_document_completion_async(lsp.CompletionParams(**at(uri, 2, 11)))
    assert [i.label for i in result.items] == ["key", "aml_token", "aad_token"]


async def test_json_key_completion(client, workspace):
    path = workspace / "v1" / "deploymentconfig.json"
    text = '{\n  "computeType": "aci",\n  "\n}'
    uri = open_document(client, path, language="json", text=text)
    await wait_for(lambda: uri in client.diagnostics, what="publish")
    result = await client.text_document_completion_async(lsp.CompletionParams(**at(uri, 2, 3)))
    labels = {i.label for i in result.items}
    assert "containerResourceRequirements" in labels and "computeType" not in labels


async def test_new_file_snippets(client, workspace):
    path = workspace / "new.yml"
    path.write_text("")
    uri = open_document(client, path, text="")
    result = await client.text_document_completion_async(lsp.CompletionParams(**at(uri, 0, 0)))
    snippets = {i.label: i for i in result.items}
    assert "Managed online deployment" in snippets and "Managed online endpoint" in snippets
    assert snippets["Managed online deployment"].insert_text_format == lsp.InsertTextFormat.Snippet
    assert "managedOnlineDeployment.schema.json" in snippets["Managed online deployment"].text_edit.new_text


async def test_hover_shows_description_and_default(client, workspace):
    uri = open_document(client, workspace / "sample" / "endpoint.yml")
    await wait_for(lambda: uri in client.diagnostics, what="publish")
    hover = await client.text_document_hover_async(lsp.HoverParams(**at(uri, 2, 3)))
    assert "**auth_mode**" in hover.contents.value
    assert 'Default: `"key"`' in hover.contents.value
    assert hover.range == lsp.Range(start=lsp.Position(2, 0), end=lsp.Position(2, 9))


async def test_definition_of_scoring_script(client, workspace):
    uri = open_document(client, workspace / "sample" / "blue-deployment.yml")
    await wait_for(lambda: uri in client.diagnostics, what="publish")
    location = await client.text_document_definition_async(lsp.DefinitionParams(**at(uri, 7, 20)))
    assert location.uri == (workspace / "sample" / "src" / "score.py").as_uri()
    endpoint = await client.text_document_definition_async(lsp.DefinitionParams(**at(uri, 2, 20)))
    assert endpoint.uri == (workspace / "sample" / "endpoint.yml").as_uri()
    assert endpoint.range.start == lsp.Position(1, 6)


async def test_quick_fix_renames_the_misspelled_key(client, workspace):
    path = workspace / "broken" / "broken-deployment.yml"
    uri = open_document(client, path)
    diagnostics = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD101"], what="diag")
    actions = await code_actions(client, uri, diagnostics)
    [action] = [a for a in actions if "instance_type" in a.title]
    [change] = action.edit.document_changes
    [edit] = change.edits
    assert edit.new_text == "instance_type" and edit.range == diagnostics[0].range
    # Apply it the way the editor would, and the error goes away.
    lines = path.read_text().split("\n")
    lines[10] = "instance_type" + lines[10][12:]
    replace_all(client, uri, "\n".join(lines), 2)
    await wait_for(lambda: "AMLD101" not in codes(client, uri), what="fixed")


async def test_quick_fix_creates_the_missing_scoring_script(client, workspace):
    uri = open_document(client, workspace / "broken" / "broken-deployment.yml")
    diagnostics = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD121"], what="diag")
    actions = await code_actions(client, uri, diagnostics)
    [action] = actions
    create, fill = action.edit.document_changes
    assert create.kind == "create" and create.uri == (workspace / "broken" / "src" / "scor.py").as_uri()
    assert "def init():" in fill.edits[0].new_text and "def run(raw_data):" in fill.edits[0].new_text


async def test_quick_fix_for_enum_casing_and_schema_line(client, workspace):
    path = workspace / "broken" / "endpoint.yml"
    uri = open_document(client, path)
    [hint] = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD108"], what="hint")
    assert hint.severity == lsp.DiagnosticSeverity.Hint
    actions = await code_actions(client, uri, [hint])
    assert actions[0].edit.document_changes[0].edits[0].new_text == "key"
    bare = workspace / "bare-endpoint.yml"
    bare.write_text("name: bare-endpoint\nauth_mode: key\n")
    bare_uri = open_document(client, bare)
    [schema_hint] = await wait_for(lambda: [d for d in client.diagnostics.get(bare_uri, []) if d.code == "AMLD010"], what="hint")
    actions = await code_actions(client, bare_uri, [schema_hint])
    assert actions[0].title == "Add $schema line"
    assert actions[0].edit.document_changes[0].edits[0].new_text.startswith("$schema: https://")


async def test_hover_keeps_text_in_angle_brackets(client, workspace):
    uri = open_document(client, workspace / "sample" / "blue-deployment.yml")
    await wait_for(lambda: uri in client.diagnostics, what="publish")
    hover = await client.text_document_hover_async(lsp.HoverParams(**at(uri, 3, 2)))
    assert hover.contents.kind == lsp.MarkupKind.Markdown
    text = rendered(hover.contents.value)
    assert text.startswith("model · ") and "a registered model (azureml:<name>:<version>)" in text, text


async def test_quick_fix_for_a_scoring_script_written_relative_to_the_deployment(client, workspace):
    path = workspace / "sample" / "blue-deployment.yml"
    text = path.read_text().replace("scoring_script: score.py", "scoring_script: src/score.py")
    uri = open_document(client, path, text=text)
    [diagnostic] = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD121"], what="AMLD121")
    actions = await code_actions(client, uri, [diagnostic])
    assert [a.title for a in actions] == ["Change to 'score.py' (relative to the code folder)"]
    assert actions[0].is_preferred
    [edit] = actions[0].edit.document_changes[0].edits
    assert edit.range == diagnostic.range and edit.new_text == "score.py"
    replace_all(client, uri, text.replace("src/score.py", edit.new_text), 2)
    await wait_for(lambda: "AMLD121" not in codes(client, uri), what="fixed")


async def test_quick_fix_finds_the_script_deeper_in_the_code_folder(client, workspace):
    path = workspace / "sample" / "blue-deployment.yml"
    (workspace / "sample" / "src" / "serving").mkdir()
    (workspace / "sample" / "src" / "serving" / "predict.py").write_text("def init():\n    pass\n\n\ndef run(data):\n    return data\n")
    text = path.read_text().replace("scoring_script: score.py", "scoring_script: predict.py")
    uri = open_document(client, path, text=text)
    [diagnostic] = await wait_for(lambda: [d for d in client.diagnostics.get(uri, []) if d.code == "AMLD121"], what="AMLD121")
    titles = [a.title for a in await code_actions(client, uri, [diagnostic])]
    assert titles == ["Change to 'serving/predict.py' (relative to the code folder)", "Create predict.py with init() and run()"]
