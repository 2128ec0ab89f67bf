"""The server's life and the documents' text: initialize, the workspace scan, open/change/close,
and files changed on disk. Each becomes a call on the checking session."""

from __future__ import annotations

import asyncio
import gc
import logging

from lsprotocol import types as lsp

from .client_log import log_to_client
from .server import AmlDeployServer
from .uris import to_path, to_uri

log = logging.getLogger(__name__)

WATCHED = "**/*.{yml,yaml,YAML,YML,json,py,txt}"


def register(server: AmlDeployServer) -> None:
    server.feature(lsp.INITIALIZE)(on_initialize)
    server.feature(lsp.INITIALIZED)(on_initialized)
    server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)(on_open)
    server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(on_change)
    server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(on_close)
    server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)(on_files_changed)


def on_initialize(ls: AmlDeployServer, params: lsp.InitializeParams) -> None:
    ls.options = {k: v for k, v in dict(params.initialization_options or {}).items() if v is not None}


async def on_initialized(ls: AmlDeployServer, params: lsp.InitializedParams) -> None:
    ls.loop = asyncio.get_running_loop()
    log_to_client(ls)
    _settle_start_up_objects()
    watchers = [lsp.FileSystemWatcher(glob_pattern=WATCHED)]
    try:
        await ls.client_register_capability_async(
            lsp.RegistrationParams(
                registrations=[
                    lsp.Registration(
                        id="aml-deploy-watch",
                        method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
                    )
                ]
            )
        )
    except Exception as err:  # noqa: BLE001 - a client without dynamic registration still works
        log.info("file watching not available: %r", err)
    roots = [p for p in (to_path(f.uri) for f in ls.workspace.folders.values()) if p is not None]
    if ls.options.get("scanWorkspace", True) and roots:
        ls.checks.submit("scan", lambda: _scan(ls, roots))


def _scan(ls: AmlDeployServer, roots: list) -> None:
    count = sum(1 for _path in ls.session.check_folders(roots))
    log.info("checked %d files in %s", count, ", ".join(map(str, roots)))


def on_open(ls: AmlDeployServer, params: lsp.DidOpenTextDocumentParams) -> None:
    path = to_path(params.text_document.uri)
    if path is not None:
        ls.checks.check(path)


def on_change(ls: AmlDeployServer, params: lsp.DidChangeTextDocumentParams) -> None:
    path = to_path(params.text_document.uri)
    if path is not None:
        ls.checks.check(path)


def on_close(ls: AmlDeployServer, params: lsp.DidCloseTextDocumentParams) -> None:
    path = to_path(params.text_document.uri)
    if path is not None:
        ls.checks.check(path)  # back to what is on disk (or gone)


def on_files_changed(ls: AmlDeployServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    for change in params.changes:
        path = to_path(change.uri)
        if path is None:
            continue
        membership = change.type != lsp.FileChangeType.Changed
        is_open = to_uri(path) in ls.workspace.text_documents
        # A file deleted on disk is forgotten by its check (it is gone); open files follow the editor's text.
        ls.checks.check(path, membership, dependents_only=is_open)


def _settle_start_up_objects() -> None:
    """Collects what start-up left behind, then keeps the collector from re-scanning what lives
    as long as the process (those full collections were the latency tail). Start-up may have run
    with collection off (cli/program.py); it is on from here."""
    gc.collect()
    gc.freeze()
    gc.enable()
