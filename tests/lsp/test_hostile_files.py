"""Hostile files never stop the server answering: FIFOs and devices where files are read, a
50,000-line script, a lone surrogate in the editor's text. After each, the next request is
answered within a second."""

from __future__ import annotations

import os
import time

import pytest
from lsprotocol import types as lsp

from .conftest import codes, open_document, wait_for

DEPLOYMENT = "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\n"


async def answers_quickly(client, uri: str) -> float:
    """Seconds a hover on `uri` takes; the caller asserts it is small."""
    started = time.monotonic()
    await client.text_document_hover_async(lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(1, 2)))
    return time.monotonic() - started


def _touch_watched(client, path, kind=lsp.FileChangeType.Created) -> None:
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[lsp.FileEvent(uri=path.as_uri(), type=kind)]))


@pytest.fixture
def hostile(workspace):
    """The sample with a FIFO endpoint.yml, a FIFO requirements file its conda file names, a FIFO
    score.py elsewhere, a FIFO helper.py nobody names, and helper2.py -> /dev/zero."""
    sample = workspace / "sample"
    (sample / "endpoint.yml").unlink()
    os.mkfifo(sample / "endpoint.yml")
    conda = sample / "environment" / "conda.yaml"
    conda.write_text(
        conda.read_text().replace("    - azureml-inference-server-http", "    - azureml-inference-server-http\n    - -r requirements.txt")
    )
    os.mkfifo(sample / "environment" / "requirements.txt")
    os.mkfifo(workspace / "helper.py")
    (workspace / "other").mkdir()
    os.mkfifo(workspace / "other" / "score.py")
    os.symlink("/dev/zero", workspace / "helper2.py")
    return workspace


@pytest.mark.parametrize("client", [True], indirect=True)  # the workspace scan reads everything
async def test_fifos_and_devices_in_the_workspace_never_hang_the_server(client, hostile):
    await wait_for(lambda: [m for m in client.log_messages if "checked" in m.message], timeout=20, what="the scan to end")
    deployment = (hostile / "sample" / "blue-deployment.yml").as_uri()
    assert await answers_quickly(client, deployment) < 1
    uri = open_document(client, hostile / "sample" / "blue-deployment.yml")
    await wait_for(lambda: client.diagnostics.get(uri) is not None, what="diagnostics of the deployment")
    assert await answers_quickly(client, uri) < 1
    script = open_document(client, hostile / "other" / "extra.py", language="python", text="def init():\n    pass\n")
    assert await answers_quickly(client, script) < 1


async def test_a_deployment_naming_a_fifo_says_what_it_is(client, workspace):
    conda = workspace / "sample" / "environment" / "conda.yaml"
    conda.unlink()
    os.mkfifo(conda)
    uri = open_document(client, workspace / "sample" / "blue-deployment.yml")
    await wait_for(lambda: "AMLD120" in codes(client, uri), what="AMLD120")
    [message] = [d.message for d in client.diagnostics[uri] if d.code == "AMLD120"]
    assert "is a FIFO, not a file" in message


async def test_completion_in_a_scoring_script_answers(client, workspace):
    uri = open_document(client, workspace / "sample" / "src" / "score.py", language="python")
    items = await client.text_document_completion_async(
        lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(9, 0))
    )
    assert items is None or not items.items


async def test_a_lone_surrogate_gets_diagnostics_and_completion(client, workspace):
    text = DEPLOYMENT + "name: blue\ud800\ninstance_\n"
    uri = open_document(client, workspace / "surrogate-deployment.yml", text=text)
    await wait_for(lambda: client.diagnostics.get(uri), what="diagnostics")
    completion = await client.text_document_completion_async(
        lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(2, 9))
    )
    assert completion is not None and any(item.label == "instance_type" for item in completion.items)


async def test_a_huge_script_does_not_hold_up_other_requests(client, workspace):
    body = "def init():\n    global model\n    model = 1\n\ndef run(data):\n"
    body += "".join(f"    x{i} = data + {i}\n" for i in range(50_000)) + "    return x1\n"
    other = open_document(client, workspace / "sample" / "blue-deployment.yml")
    await wait_for(lambda: client.diagnostics.get(other) is not None, what="the deployment's diagnostics")
    open_document(client, workspace / "sample" / "src" / "big_score.py", language="python", text=body)
    time.sleep(0.2)  # the big script's check has started
    assert await answers_quickly(client, other) < 1
