"""Checks files and publishes their diagnostics: open documents from the editor's text,
everything else from disk, and whatever depends on a file whenever that file changes."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from lsprotocol import types as lsp
from pygls import uris

from ..documents import Context, Files, Result, validate_file, validate_text
from ..documents.references import Role
from ..documents.validate import CONFIG_SUFFIXES
from ..documents.workspace import WorkspaceIndex, walk_files
from ..scoring.check import SCRIPT_SUFFIXES, check_script, read_script
from ..scoring.lint import might_be_scoring_script

# Files a configuration names whose own findings depend on it.
FOLLOWED = (Role.CONDA, Role.SCORING_SCRIPT, Role.ENTRY_SCRIPT)
from . import convert

if TYPE_CHECKING:
    from .server import AmlDeployServer

log = logging.getLogger(__name__)


def to_path(uri: str) -> Path | None:
    path = uris.to_fs_path(uri)
    return Path(path) if path else None


def to_uri(path: Path | str) -> str:
    return uris.from_fs_path(str(path)) or Path(path).as_uri()


class Checker:
    def __init__(self, ls: AmlDeployServer) -> None:
        self.ls = ls
        self.index = WorkspaceIndex()
        self.results: dict[str, Result] = {}
        self._published: dict[str, list] = {}  # path -> its last non-empty diagnostics
        self._runtime: dict[str, list] = {}  # path -> findings from a failed local deployment
        self.files = Files(overlay=self._open_text)

    # -- what the editor has open ------------------------------------------------------

    def _open_text(self, path: str) -> str | None:
        document = self.ls.workspace.text_documents.get(to_uri(path))
        return document.source if document is not None else None

    def workspace_root(self, path: Path) -> Path | None:
        for folder in self.ls.workspace.folders.values():
            root = to_path(folder.uri)
            if root is not None and (root == path or root in path.parents):
                return root
        return None

    def context(self, path: Path) -> Context:
        return Context(
            path, self.workspace_root(path), self.files, self.ls.registry(), referenced_as=self.index.referenced_as(path)
        )

    # -- checking ------------------------------------------------------------------------

    def check(self, path: Path) -> Result | None:
        """Check `path` (from the editor's text when open, else from disk) and publish."""
        suffix = path.suffix.lower()
        if suffix not in CONFIG_SUFFIXES and suffix not in SCRIPT_SUFFIXES:
            return None
        document = self.ls.workspace.text_documents.get(to_uri(path))
        if document is None and not path.is_file():
            self.forget(path)
            return None
        if suffix in SCRIPT_SUFFIXES:
            text = document.source if document is not None else read_script(path)
            result = check_script(path, text or "", self.index, self.context(path))
            result.findings = result.findings + self._runtime.get(str(path), [])
        elif document is not None:
            result = validate_text(path, document.source, self.context(path))
        else:
            result = validate_file(path, self.context(path))
        lines = document.lines if document is not None else result.text.splitlines(True)
        self._publish(path, result, lines, document.version if document is not None else None)
        self.results[str(path)] = result
        self.index.record(path, result.kind, result.references, result.depends_on)
        return result

    def check_with_dependents(self, path: Path, membership: bool = False) -> None:
        result = self.check(path)
        self.recheck_dependents(path, membership)
        # A configuration may have started naming a conda file or a script: check those too.
        for ref in result.references if result is not None else ():
            if ref.role in FOLLOWED and ref.resolved is not None and ref.resolved.is_file():
                self.check(ref.resolved)

    def recheck_dependents(self, path: Path, membership: bool = False) -> None:
        """Check again what depends on `path`; `membership`: the file was created or deleted."""
        for dependent in sorted(self.index.dependents(path, membership)):
            self.check(Path(dependent))

    def set_runtime_findings(self, path: Path, findings: list) -> None:
        """What the last local deployment said about this script (a failed init(), say)."""
        if findings:
            self._runtime[str(path)] = findings
        elif self._runtime.pop(str(path), None) is None:
            return
        self.check(path)

    def forget(self, path: Path) -> None:
        self.index.forget(path)
        self.results.pop(str(path), None)
        if self._published.pop(str(path), None) is not None:
            self.ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=to_uri(path), diagnostics=[]))

    def _publish(self, path: Path, result: Result, lines, version: int | None) -> None:
        codec = self.ls.workspace.position_codec
        diagnostics = [convert.to_diagnostic(f, lines, codec) for f in result.findings if f.path is None]
        key = str(path)
        if version is None and diagnostics == self._published.get(key, []):
            return  # a file nobody has open, and nothing new to say about it
        if diagnostics:
            self._published[key] = diagnostics
        else:
            self._published.pop(key, None)
        self.ls.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=to_uri(path), diagnostics=diagnostics, version=version)
        )

    # -- the whole workspace ------------------------------------------------------------------

    async def scan(self, roots: Iterable[Path]) -> int:
        """Check every configuration file under `roots`, then the scripts and conda files they
        name and any other script defining init() or run(), yielding to the event loop between
        files so that the editor's requests are answered while the scan runs."""
        count = 0
        scripts: list[Path] = []
        for root in roots:
            for path in walk_files(root, CONFIG_SUFFIXES + SCRIPT_SUFFIXES):
                if path.suffix.lower() in SCRIPT_SUFFIXES:
                    scripts.append(path)
                elif str(path) not in self.results:
                    self.check(path)
                    count += 1
                await asyncio.sleep(0)
        for _source, ref in self.index.references(Role.CONDA):
            if ref.resolved is not None and self.index.kind(ref.resolved) is None and ref.resolved.is_file():
                self.check(ref.resolved)
        for path in scripts:
            if str(path) in self.results:
                continue
            if self.index.referrers(path) or might_be_scoring_script(read_script(path) or ""):
                self.check(path)
                count += 1
            await asyncio.sleep(0)
        return count
