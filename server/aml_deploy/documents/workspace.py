"""Which files exist in a workspace, and which configuration depends on which file.

The language server and the CLI both use it: to know that a conda file is one (because a
deployment names it), to know which scripts are scoring scripts, and to re-check the
files that depend on one that changed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

from .kinds import Kind
from .references import Reference, Role

SKIP_DIRS = {
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", "site-packages", ".idea", ".vscode-test",
}
MAX_FILES = 20_000


def walk_files(root: Path, suffixes: tuple[str, ...], limit: int = MAX_FILES) -> Iterator[Path]:
    """Files under `root` with one of `suffixes` (case-insensitive), skipping tool folders."""
    count = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                         and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg")))  # a virtual environment
        for name in sorted(names):
            if name.lower().endswith(suffixes):
                yield Path(folder) / name
                count += 1
                if count >= limit:
                    return


def expand(paths: Iterable[Path], suffixes: tuple[str, ...]) -> list[tuple[Path, bool]]:
    """Files named on a command line, folders expanded; True marks files named directly."""
    files: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            files.extend((p, False) for p in walk_files(path, suffixes))
        else:
            files.append((path, True))
    return files


class WorkspaceIndex:
    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}
        self._references: dict[str, list[Reference]] = {}
        self._depends_on: dict[str, set[str]] = {}

    def record(self, path: Path | str, kind: Kind | None, references: list[Reference], depends_on: set[str]) -> None:
        key = str(path)
        if kind is None:
            self.forget(key)
            return
        self._kinds[key] = kind
        self._references[key] = references
        self._depends_on[key] = depends_on

    def forget(self, path: Path | str) -> None:
        key = str(path)
        self._kinds.pop(key, None)
        self._references.pop(key, None)
        self._depends_on.pop(key, None)

    def kind(self, path: Path | str) -> Kind | None:
        return self._kinds.get(str(path))

    def files(self) -> list[str]:
        return list(self._kinds)

    def referenced_as(self, path: Path | str) -> Kind | None:
        """Kind.CONDA when some configuration names this file as its conda file."""
        key = str(path)
        for references in self._references.values():
            if any(ref.role is Role.CONDA and str(ref.resolved) == key for ref in references):
                return Kind.CONDA
        return None

    def referrers(self, path: Path | str, role: Role | None = None) -> list[tuple[str, Reference]]:
        """(configuration file, its reference) for every reference that resolves to `path`."""
        key = str(path)
        return [
            (source, ref)
            for source, references in self._references.items()
            for ref in references
            if str(ref.resolved) == key and (role is None or ref.role is role)
        ]

    def references(self, role: Role) -> list[tuple[str, Reference]]:
        return [(source, ref) for source, refs in self._references.items() for ref in refs if ref.role is role]

    def dependents(self, changed: Path | str) -> set[str]:
        """Files whose result may change because `changed` was created, edited or deleted."""
        key = str(changed)
        parent = str(Path(key).parent)
        found = set()
        for source, deps in self._depends_on.items():
            if source == key:
                continue
            if key in deps or parent in deps or any(d.startswith(key + os.sep) for d in deps):
                found.add(source)
        return found
