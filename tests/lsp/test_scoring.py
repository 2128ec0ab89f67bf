"""The scoring-script linter over LSP: diagnostics, quick fixes, cross-file re-checks, CodeLens."""

import pytest
from lsprotocol import types as lsp

from .conftest import code_actions, codes, open_document, replace_all, wait_for


def apply(text: str, edits) -> str:
    """Apply LSP text edits (single-line positions are enough for these fixes)."""
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = edit.range.start, edit.range.end
        before = "\n".join(lines[: start.line] + [lines[start.line][: start.character]])
        after = "\n".join([lines[end.line][end.character :]] + lines[end.line + 1 :])
        lines = (before + edit.new_text + after).split("\n")
    return "\n".join(lines)


async def open_script(client, workspace):
    folder = workspace / "broken-script"
    open_document(client, folder / "deployment.yml")
    script = folder / "src" / "score.py"
    uri = open_document(client, script, language="python")
    await wait_for(lambda: "AMLD212" in codes(client, uri), what="cross-file findings")
    return script, uri


async def test_script_diagnostics_with_ranges(client, workspace):
    _, uri = await open_script(client, workspace)
    by_code = {d.code: d for d in client.diagnostics[uri]}
    assert set(by_code) == {"AMLD207", "AMLD208", "AMLD211", "AMLD212", "AMLD213"}
    assert by_code["AMLD207"].range.start == lsp.Position(10, 4)
    assert by_code["AMLD212"].severity == lsp.DiagnosticSeverity.Error
    assert by_code["AMLD213"].severity == lsp.DiagnosticSeverity.Warning


async def test_quick_fix_adds_global(client, workspace):
    script, uri = await open_script(client, workspace)
    [diagnostic] = [d for d in client.diagnostics[uri] if d.code == "AMLD207"]
    actions = await code_actions(client, uri, [diagnostic])
    [action] = [a for a in actions if "global model" in a.title]
    fixed = apply(script.read_text(), action.edit.document_changes[0].edits)
    assert "def init():\n    global model\n    model = joblib.load" in fixed
    replace_all(client, uri, fixed, 2)
    await wait_for(lambda: "AMLD207" not in codes(client, uri) and "AMLD212" in codes(client, uri), what="fixed")


async def test_quick_fix_replaces_sklearn_joblib(client, workspace):
    script, uri = await open_script(client, workspace)
    [diagnostic] = [d for d in client.diagnostics[uri] if d.code == "AMLD211"]
    actions = await code_actions(client, uri, [diagnostic])
    fixed = apply(script.read_text(), actions[0].edit.document_changes[0].edits)
    assert "\nimport joblib\n" in fixed and "sklearn.externals" not in fixed


async def test_conda_edit_rechecks_the_script(client, workspace):
    _, uri = await open_script(client, workspace)
    assert "AMLD213" in codes(client, uri)
    conda = workspace / "broken-script" / "conda.yaml"
    conda_uri = open_document(client, conda)
    replace_all(client, conda_uri, conda.read_text() + "      - opencv-python-headless\n", 2)
    await wait_for(lambda: "AMLD213" not in codes(client, uri), what="package found")


async def test_deployment_edit_rechecks_the_script(client, workspace):
    _, uri = await open_script(client, workspace)
    deployment = workspace / "broken-script" / "deployment.yml"
    replace_all(client, deployment.as_uri(), deployment.read_text().replace("path: ./model/", "path: ./model/model.pkl"), 2)
    # With the file as model.path the container has $AZUREML_MODEL_DIR/model.pkl: the script is right.
    await wait_for(lambda: "AMLD212" not in codes(client, uri), what="layout of a file model")


async def test_code_lens_deploy_and_debug(client, workspace):
    _, uri = await open_script(client, workspace)
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert [lens.range.start.line for lens in lenses] == [9, 9, 13, 13]
    assert [lens.command.command for lens in lenses[:2]] == ["amlDeploy.deployLocally", "amlDeploy.debugLocally"]
    assert list(lenses[0].command.arguments) == [(workspace / "broken-script" / "deployment.yml").as_uri()]
    name = "script-endpoint/blue"
    assert [lens.command.title for lens in lenses[:2]] == [f"$(play) Deploy locally {name}", f"$(debug-alt) Debug {name}"]
    deployment = (workspace / "broken-script" / "deployment.yml").as_uri()
    on_file = await client.text_document_code_lens_async(lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=deployment)))
    assert [lens.command.command for lens in on_file] == ["amlDeploy.deployLocally", "amlDeploy.debugLocally"]


async def test_other_python_is_left_alone(client, workspace):
    path = workspace / "tool.py"
    path.write_text("import sys\n\ndef main():\n    print(sys.argv)\n")
    uri = open_document(client, path, language="python")
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert len(lenses) == 0 and not client.diagnostics.get(uri)


@pytest.mark.parametrize("client", [True], indirect=True)
async def test_workspace_scan_lints_referenced_scripts(client, workspace):
    uri = (workspace / "broken-script" / "src" / "score.py").as_uri()
    await wait_for(lambda: "AMLD212" in codes(client, uri), what="scan of scripts")
