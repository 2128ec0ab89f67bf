"""The language server: its state, and the one place where every feature and command is
registered (esbonio's pattern). Handlers convert positions and types and call the capability
packages; they hold no domain logic of their own."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from pygls.lsp.server import LanguageServer

from .. import __version__
from ..checking.lint_process import OffProcessLinter
from ..checking.session import CheckingSession
from ..documents import Files
from ..registry import Registry
from .diagnostics import DiagnosticsPublisher
from .file_kinds import FileKindsNotifier
from .model_lookup import EditorModelLookup
from .uris import to_path, to_uri
from .worker import CheckWorker

log = logging.getLogger(__name__)


class AmlDeployServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(name="aml-deploy", version=__version__, max_workers=4)
        self.options: dict = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.publisher = DiagnosticsPublisher(self)
        self.file_kinds = FileKindsNotifier(self)
        self.session = CheckingSession(
            Files(overlay=self._open_text),
            workspace_for=self.workspace_root,
            registry=self.model_lookup,
            on_checked=self._checked,
            on_forgotten=self._forgotten,
            linter=OffProcessLinter(),
        )
        self.checks = CheckWorker(self)  # the only thread that runs the session

    def _checked(self, result) -> None:
        self.publisher.checked(result)
        self.file_kinds.changed(result.path, result.kind)

    def _forgotten(self, path: Path) -> None:
        self.publisher.forgotten(path)
        self.file_kinds.changed(path, None)

    def _open_text(self, path: str) -> str | None:
        document = self.workspace.text_documents.get(to_uri(path))
        return document.source if document is not None else None

    def workspace_root(self, path: Path) -> Path | None:
        for folder in self.workspace.folders.values():
            root = to_path(folder.uri)
            if root is not None and (root == path or root in path.parents):
                return root
        return None

    def on_loop(self, function, *args) -> None:
        """Run `function` on the event loop (the checking thread and command threads talk to the
        client only through here)."""
        if self.loop is None:
            function(*args)
        else:
            self.loop.call_soon_threadsafe(function, *args)

    def model_lookup(self) -> EditorModelLookup | None:
        """What configuration checks ask about `azureml:` models (None: checks turned off)."""
        if self.options.get("modelReferences") == "off":
            return None
        return EditorModelLookup(self.model_registry())

    def model_registry(self) -> Registry:
        configured = self.options.get("registryPath")
        return Registry(Path(configured).expanduser()) if configured else Registry()

    def report_server_error(self, error: Exception, source) -> None:
        # Log instead of popping up "Error in server" at the user for every hiccup.
        log.error("internal error (%s): %r", getattr(source, "__name__", source), error, exc_info=error)


def create_server() -> AmlDeployServer:
    """A server with every feature and command registered."""
    from . import deploy_commands, editing, file_kinds, log_commands, model_commands, profile_commands, publish_commands, text_sync

    server = AmlDeployServer()
    for module in (text_sync, editing, deploy_commands, model_commands, profile_commands, publish_commands, file_kinds, log_commands):
        module.register(server)
    return server


def serve() -> None:
    log_file = os.environ.get("AML_DEPLOY_LOG_FILE")
    logging.basicConfig(
        level=logging.DEBUG if log_file else logging.INFO,
        filename=log_file,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    if not log_file:  # pygls logs every message at INFO: too much for the editor's output channel
        logging.getLogger("pygls").setLevel(logging.WARNING)
    create_server().start_io()
