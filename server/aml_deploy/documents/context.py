"""What a checker may look at besides the file itself: other files (open editors win over
the disk), the workspace root, and the model registry. Every file read is recorded so that
the file can be checked again when one of them changes."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from .. import files
from .kinds import Kind


class ModelLookup(Protocol):
    """The seam to a model registry (local today, an Azure ML workspace later)."""

    def active(self) -> bool: ...

    def describe_reference(self, reference: str) -> dict | None: ...

    def problem(self, reference: str) -> str | None: ...

    def layout(self, reference: str): ...

    def location(self) -> str: ...


@runtime_checkable
class ModelVersions(Protocol):
    """A lookup that also lists what the registry has, for quick fixes (the editor's lookup)."""

    def versions(self, name: str) -> list[str]: ...  # oldest first, archived ones left out

    def names(self) -> list[str]: ...


class Files:
    """Read access to the workspace. The language server passes the text of open documents
    as `overlay`, so unsaved edits count."""

    def __init__(self, overlay: Callable[[str], str | None] | None = None) -> None:
        self._overlay = overlay or (lambda path: None)
        self._cache: dict[str, tuple[tuple[int, int], str]] = {}  # path -> ((mtime, size), text)

    def open_text(self, path: Path) -> str | None:
        """The editor's text of `path` when it is open there, else None."""
        return self._overlay(str(path))

    def read_text(self, path: Path) -> str | None:
        """The editor's text, else the file on disk when it is a regular file AML Deploy may read."""
        text = self._overlay(str(path))
        if text is not None:
            return text
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key, stamp = str(path), (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        text = files.read_text_or_none(path, MAX_READ)
        if text is None:
            return None
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[key] = (stamp, text)
        return text

    def exists(self, path: Path) -> bool:
        return self._overlay(str(path)) is not None or os.path.exists(path)

    def is_file(self, path: Path) -> bool:
        return self._overlay(str(path)) is not None or os.path.isfile(path)

    def is_dir(self, path: Path) -> bool:
        return os.path.isdir(path)

    def list_dir(self, path: Path) -> list[Path]:
        try:
            return sorted(path / name for name in os.listdir(path))
        except OSError:
            return []


MAX_READ = 1024 * 1024


@dataclass
class Context:
    path: Path
    workspace: Path | None = None
    files: Files = field(default_factory=Files)
    registry: ModelLookup | None = None
    referenced_as: Kind | None = None  # set when another file names this one (a conda file)
    depends_on: set[str] = field(default_factory=set)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def read(self, path: Path) -> str | None:
        self.depends_on.add(str(path))
        return self.files.read_text(path)

    def exists(self, path: Path) -> bool:
        self.depends_on.add(str(path))
        return self.files.exists(path)

    def is_file(self, path: Path) -> bool:
        self.depends_on.add(str(path))
        return self.files.is_file(path)

    def is_dir(self, path: Path) -> bool:
        self.depends_on.add(str(path))
        return self.files.is_dir(path)

    def special_file(self, path: Path) -> str | None:
        """What `path` is when it exists but is no regular file ("a FIFO, not a file"); else None."""
        self.depends_on.add(str(path))
        if self.files.open_text(path) is not None:
            return None
        return files.problem_with(path)

    def inside_workspace(self, path: Path) -> bool:
        if self.workspace is None:
            return True
        try:
            path.relative_to(self.workspace)
        except ValueError:
            return False
        return True
