"""The server never crashes or hangs, whatever the file."""

import time

from lsprotocol import types as lsp

from .conftest import codes, open_document, wait_for

SCHEMA = "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\n"


async def still_answers(client, uri):
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 1))
    )
    return hover is None or hover.contents is not None


async def test_binary_content(client, workspace):
    path = workspace / "blob.yml"
    uri = open_document(client, path, text=SCHEMA + "\x00\x01\x02\xff garbage \x1b[31m")
    await wait_for(lambda: "AMLD001" in codes(client, uri), what="syntax error")
    assert await still_answers(client, uri)


async def test_invalid_utf8_on_disk(client, workspace):
    path = workspace / "bad-bytes.yml"
    path.write_bytes(SCHEMA.encode() + b"name: caf\xe9\n")
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(changes=[lsp.FileEvent(uri=path.as_uri(), type=lsp.FileChangeType.Created)])
    )
    [diagnostic] = await wait_for(lambda: client.diagnostics.get(path.as_uri()), what="AMLD005")
    assert diagnostic.code == "AMLD005" and diagnostic.range.start == lsp.Position(1, 9)


async def test_five_megabytes(client, workspace):
    path = workspace / "huge.yml"
    started = time.monotonic()
    uri = open_document(client, path, text=SCHEMA + "environment_variables:\n" + "  KEY: value\n" * 400_000)
    await wait_for(lambda: "AMLD004" in codes(client, uri), what="size warning")
    assert await still_answers(client, uri)
    assert time.monotonic() - started < 10


async def test_nesting_1000_deep(client, workspace):
    text = SCHEMA + "".join(" " * i + f"k{i}:\n" for i in range(1000)) + " " * 1000 + "v: 1\n"
    uri = open_document(client, workspace / "deep.yml", text=text)
    await wait_for(lambda: "AMLD004" in codes(client, uri), what="depth warning")
    flow = SCHEMA + "tags: " + "[" * 50_000 + "]" * 50_000 + "\n"
    flow_uri = open_document(client, workspace / "deep-flow.yml", text=flow)
    await wait_for(lambda: "AMLD004" in codes(client, flow_uri), what="flow depth warning")
    assert await still_answers(client, flow_uri)


async def test_alias_bomb(client, workspace):
    lines = [SCHEMA.strip(), "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    uri = open_document(client, workspace / "bomb.yml", text="\n".join(lines) + "\n")
    await wait_for(lambda: "AMLD004" in codes(client, uri), what="alias bomb warning")
    assert await still_answers(client, uri)


async def test_json_with_comments(client, workspace):
    text = '{\n  // local deployment\n  "computeType": "local"\n}'
    uri = open_document(client, workspace / "deploymentconfig.json", language="json", text=text)
    [diagnostic] = await wait_for(lambda: client.diagnostics.get(uri), what="syntax error")
    assert diagnostic.code == "AMLD001" and "comments" in diagnostic.message
    assert diagnostic.range.start.line == 1


async def test_file_deleted_while_open(client, workspace):
    path = workspace / "broken" / "broken-deployment.yml"
    uri = open_document(client, path)
    await wait_for(lambda: "AMLD101" in codes(client, uri), what="diagnostics")
    path.unlink()
    client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(changes=[lsp.FileEvent(uri=uri, type=lsp.FileChangeType.Deleted)])
    )
    assert await still_answers(client, uri)
    assert "AMLD101" in codes(client, uri)  # the editor still holds the text
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    await wait_for(lambda: len(client.diagnostics.get(uri, [1])) == 0, what="cleared after close")
