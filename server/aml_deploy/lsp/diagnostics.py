"""Publishes what the checking session reports: findings become diagnostics at the client's
positions, for the document's version when the editor has it open."""

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
        self._published: dict[str, list] = {}  # path -> its last non-empty diagnostics

    def checked(self, result: Result) -> None:
        document = self.ls.workspace.text_documents.get(to_uri(result.path))
        lines = document.lines if document is not None else result.text.splitlines(True)
        version = document.version if document is not None else None
        codec = self.ls.workspace.position_codec
        diagnostics = [convert.to_diagnostic(f, lines, codec) for f in result.findings if f.path is None]
        key = str(result.path)
        if version is None and diagnostics == self._published.get(key, []):
            return  # a file nobody has open, and nothing new to say about it
        if diagnostics:
            self._published[key] = diagnostics
        else:
            self._published.pop(key, None)
        self.ls.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=to_uri(result.path), diagnostics=diagnostics, version=version)
        )

    def forgotten(self, path: Path) -> None:
        if self._published.pop(str(path), None) is not None:
            self.ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=to_uri(path), diagnostics=[]))
