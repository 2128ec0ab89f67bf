"""Publishes what the checking session reports: findings become diagnostics at the client's
positions. Results arrive on the checking thread; they are published from the event loop, and
only while the editor still shows the text they were computed from (a newer check is on its way
otherwise)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from ..documents import Result
from . import convert
from .uris import to_uri

if TYPE_CHECKING:
    from .server import AmlDeployServer


class DiagnosticsPublisher:
    def __init__(self, ls: AmlDeployServer) -> None:
        self.ls = ls
        self._published: dict[str, list] = {}  # path -> its last non-empty diagnostics (event loop only)

    def checked(self, result: Result) -> None:
        codec = self.ls.workspace.position_codec
        lines = result.text.splitlines(True)
        diagnostics = [convert.to_diagnostic(f, lines, codec) for f in result.findings if f.path is None]
        self.ls.on_loop(self._send, result.path, result.text, diagnostics)

    def forgotten(self, path: Path) -> None:
        self.ls.on_loop(self._clear, path)

    def _send(self, path: Path, text: str, diagnostics: list) -> None:
        document = self.ls.workspace.text_documents.get(to_uri(path))
        if document is not None and document.source != text:
            return  # the editor's text moved on; its own check will publish
        version = document.version if document is not None else None
        key = str(path)
        if version is None and diagnostics == self._published.get(key, []):
            return  # a file nobody has open, and nothing new to say about it
        if diagnostics:
            self._published[key] = diagnostics
        else:
            self._published.pop(key, None)
        self.ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=to_uri(path), diagnostics=diagnostics, version=version))

    def _clear(self, path: Path) -> None:
        if self._published.pop(str(path), None) is not None:
            self.ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=to_uri(path), diagnostics=[]))
