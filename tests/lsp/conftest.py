"""A real language client talking to `aml-deploy lsp` over stdio."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.support import FIXTURES

SERVER = [sys.executable, "-m", "aml_deploy", "lsp"]


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES, root)
    return root


@pytest.fixture
def registry_root(tmp_path):
    """Where the server's model registry lives (it exists only once a test registers something)."""
    return tmp_path / "registry"


LOCAL_HOME = tempfile.mkdtemp(prefix="aml-deploy-lsp-home-")


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER, server_env={**os.environ, "AML_DEPLOY_REGISTRY": "/nonexistent-registry", "AML_DEPLOY_HOME": LOCAL_HOME}
    )
)
async def client(lsp_client: LanguageClient, workspace, registry_root, request):
    scan = getattr(request, "param", False)
    registrations: list = []

    @lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
    def register(params: lsp.RegistrationParams):
        registrations.extend(params.registrations)  # VS Code accepts; so do we

    lsp_client.registrations = registrations
    await lsp_client.initialize_session(
        lsp.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            workspace_folders=[lsp.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
            initialization_options={"scanWorkspace": scan, "registryPath": str(registry_root)},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def wait_for(condition, timeout: float = 10.0, what: str = "condition"):
    """Poll until `condition()` is truthy (publishes arrive asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def open_document(client: LanguageClient, path, language: str = "yaml", text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id=language, version=1, text=path.read_text() if text is None else text)
        )
    )
    return uri


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def codes(client: LanguageClient, uri: str) -> list[str]:
    return [str(d.code) for d in client.diagnostics.get(uri, [])]


async def code_actions(client, uri: str, diagnostics: list) -> list:
    """The code actions the server offers for `diagnostics`, asked at the first one's range."""
    return await client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=lsp.CodeActionContext(diagnostics=diagnostics),
        )
    )
