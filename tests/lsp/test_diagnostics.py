"""Diagnostics over LSP: open, edit, ranges, cross-file re-checks, the workspace scan."""

from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from .conftest import codes, open_document, replace_all, wait_for


async def test_broken_deployment_diagnostics_with_exact_ranges(client, workspace):
    uri = open_document(client, workspace / "broken" / "broken-deployment.yml")
    diagnostics = await wait_for(lambda: client.diagnostics.get(uri), what="diagnostics")
    by_code = {str(d.code): d for d in diagnostics}
    unknown = by_code["AMLD101"]
    assert unknown.range == lsp.Range(start=lsp.Position(10, 0), end=lsp.Position(10, 12))
    assert unknown.severity == lsp.DiagnosticSeverity.Error
    assert unknown.source == "aml-deploy"
    docs, line = unknown.code_description.href.split("#L")  # the editor opens the file at the code's section
    assert Path(to_fs_path(docs)).read_text().splitlines()[int(line) - 1].startswith("### AMLD101 ")
    script = by_code["AMLD121"]
    assert script.range == lsp.Range(start=lsp.Position(6, 18), end=lsp.Position(6, 25))
    assert by_code["AMLD151"].severity == lsp.DiagnosticSeverity.Warning


async def test_edit_updates_diagnostics(client, workspace):
    path = workspace / "broken" / "broken-deployment.yml"
    uri = open_document(client, path)
    await wait_for(lambda: "AMLD101" in codes(client, uri), what="unknown key")
    replace_all(client, uri, path.read_text().replace("instance_typ:", "instance_type:"), 2)
    await wait_for(lambda: "AMLD101" not in codes(client, uri) and codes(client, uri), what="fixed key")
    assert "AMLD104" not in codes(client, uri)


async def test_positions_are_utf16(client, workspace):
    path = workspace / "sample" / "endpoint.yml"
    text = path.read_text().replace("auth_mode: key", "description: 😀😀\nauth_mode: keyy")
    uri = open_document(client, path, text=text)
    diagnostics = await wait_for(lambda: client.diagnostics.get(uri), what="diagnostics")
    [enum] = [d for d in diagnostics if d.code == "AMLD103"]
    assert enum.range.start == lsp.Position(3, 11)
    text = text.replace("auth_mode: keyy", "auth_mode: 😀")
    replace_all(client, uri, text.replace("description: 😀😀\n", "name2: 😀😀 x\n"), 2)
    diagnostics = await wait_for(lambda: any(d.code == "AMLD101" for d in client.diagnostics.get(uri, [])), what="unknown")
    [unknown] = [d for d in client.diagnostics[uri] if d.code == "AMLD101"]
    assert unknown.range.end == lsp.Position(2, 5)
    [value] = [d for d in client.diagnostics[uri] if d.code == "AMLD103"]
    assert value.range.end.character - value.range.start.character == 2  # one emoji is two UTF-16 units


async def test_other_yaml_gets_no_diagnostics(client, workspace):
    path = workspace / "workflow.yml"
    path.write_text("name: CI\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n  typo: [\n")
    uri = open_document(client, path)
    await client.text_document_hover_async(lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 0)))
    assert not client.diagnostics.get(uri)


async def test_creating_the_missing_script_rechecks_the_deployment(client, workspace):
    uri = open_document(client, workspace / "broken" / "broken-deployment.yml")
    await wait_for(lambda: "AMLD121" in codes(client, uri), what="missing script")
    script = workspace / "broken" / "src" / "scor.py"
    script.write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(changes=[lsp.FileEvent(uri=script.as_uri(), type=lsp.FileChangeType.Created)])
    )
    await wait_for(lambda: "AMLD121" not in codes(client, uri), what="script found")


async def test_editing_the_conda_file_rechecks_the_deployment(client, workspace):
    uri = open_document(client, workspace / "broken" / "broken-deployment.yml")
    await wait_for(lambda: "AMLD151" in codes(client, uri), what="missing inference server")
    conda = workspace / "broken" / "conda.yaml"
    conda_uri = open_document(client, conda)
    replace_all(client, conda_uri, conda.read_text() + "      - azureml-inference-server-http\n", 2)
    await wait_for(lambda: "AMLD151" not in codes(client, uri), what="inference server found in unsaved conda file")


async def test_endpoint_rename_rechecks_the_deployment(client, workspace):
    uri = open_document(client, workspace / "sample" / "blue-deployment.yml")
    await wait_for(lambda: uri in client.diagnostics, what="first publish")
    assert "AMLD113" not in codes(client, uri)
    endpoint = workspace / "sample" / "endpoint.yml"
    endpoint_uri = open_document(client, endpoint)
    replace_all(client, endpoint_uri, endpoint.read_text().replace("sample-endpoint", "other-endpoint"), 2)
    await wait_for(lambda: "AMLD113" in codes(client, uri), what="endpoint mismatch")


@pytest.mark.parametrize("client", [True], indirect=True)
async def test_workspace_scan_reports_files_nobody_opened(client, workspace):
    broken = (workspace / "broken" / "broken-deployment.yml").as_uri()
    await wait_for(lambda: "AMLD101" in codes(client, broken), what="scan")
    v1 = (workspace / "v1" / "deploymentconfig.json").as_uri()
    await wait_for(lambda: "AMLD161" in codes(client, v1), what="v1 scan")
    sample = (workspace / "sample" / "blue-deployment.yml").as_uri()
    assert not client.diagnostics.get(sample)
    # The scan's summary reaches the editor's log as information, not on stderr (which VS Code shows as errors).
    summary = await wait_for(lambda: [m for m in client.log_messages if "checked" in m.message], what="log message")
    assert summary[0].type == lsp.MessageType.Info
    assert summary[0].message.startswith("aml_deploy.lsp.text_sync: checked 22 files in ")


async def test_closing_falls_back_to_the_file_on_disk(client, workspace):
    path = workspace / "broken" / "broken-deployment.yml"
    uri = open_document(client, path)
    await wait_for(lambda: "AMLD101" in codes(client, uri), what="unknown key")
    replace_all(client, uri, path.read_text().replace("instance_typ:", "instance_type:"), 2)
    await wait_for(lambda: "AMLD101" not in codes(client, uri), what="edit")
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    await wait_for(lambda: "AMLD101" in codes(client, uri), what="disk version again")


async def test_deleted_file_is_cleared(client, workspace):
    path = workspace / "broken" / "broken-deployment.yml"
    uri = path.as_uri()
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(changes=[lsp.FileEvent(uri=uri, type=lsp.FileChangeType.Changed)])
    )
    await wait_for(lambda: "AMLD101" in codes(client, uri), what="checked from disk")
    path.unlink()
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(changes=[lsp.FileEvent(uri=uri, type=lsp.FileChangeType.Deleted)])
    )
    await wait_for(lambda: uri in client.diagnostics and len(client.diagnostics[uri]) == 0, what="cleared")


async def test_deleting_a_referenced_file_rechecks_the_deployment(client, workspace):
    uri = open_document(client, workspace / "sample" / "blue-deployment.yml")
    await wait_for(lambda: uri in client.diagnostics, what="first publish")
    assert codes(client, uri) == []
    conda = workspace / "sample" / "environment" / "conda.yaml"
    conda.unlink()
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(changes=[lsp.FileEvent(uri=conda.as_uri(), type=lsp.FileChangeType.Deleted)])
    )
    await wait_for(lambda: "AMLD120" in codes(client, uri), what="missing conda file")
