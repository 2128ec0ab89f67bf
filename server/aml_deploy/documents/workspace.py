"""Which files exist in a workspace, and which configuration depends on which file.

The language server and the CLI both use it: to know that a conda file is one (because a
deployment names it), to know which scripts are scoring scripts, and to re-check the
files that depend on one that changed.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from .kinds import Kind
from .references import Reference, Role

SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "site-packages",
    ".idea",
    ".vscode-test",
}
MAX_FILES = 20_000


def walk_files(root: Path, suffixes: tuple[str, ...], limit: int = MAX_FILES) -> Iterator[Path]:
    """Files under `root` with one of `suffixes` (case-insensitive), skipping tool folders."""
    count = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIP_DIRS and not d.startswith(".") and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
        )  # a virtual environment
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
    """Forward facts per file (kind, references, what it read) and the reverse maps that answer
    "who refers to / depends on this path" without scanning every file."""

    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}
        self._references: dict[str, list[Reference]] = {}
        self._depends_on: dict[str, set[str]] = {}
        self._referrers: dict[str, set[str]] = defaultdict(set)  # target path -> sources naming it
        self._dependents: dict[str, set[str]] = defaultdict(set)  # path or folder -> sources that read it

    def record(self, path: Path | str, kind: Kind | None, references: list[Reference], depends_on: set[str]) -> None:
        key = str(path)
        self.forget(key)
        if kind is None:
            return
        self._kinds[key] = kind
        self._references[key] = references
        self._depends_on[key] = depends_on
        for ref in references:
            if ref.resolved is not None:
                self._referrers[str(ref.resolved)].add(key)
        for dependency in depends_on:
            self._dependents[dependency].add(key)

    def forget(self, path: Path | str) -> None:
        key = str(path)
        self._kinds.pop(key, None)
        for ref in self._references.pop(key, ()):
            if ref.resolved is not None:
                self._referrers[str(ref.resolved)].discard(key)
        for dependency in self._depends_on.pop(key, ()):
            self._dependents[dependency].discard(key)

    def kind(self, path: Path | str) -> Kind | None:
        return self._kinds.get(str(path))

    def files(self) -> list[str]:
        return list(self._kinds)

    def referenced_as(self, path: Path | str) -> Kind | None:
        """Kind.CONDA when some configuration names this file as its conda file."""
        return Kind.CONDA if self.referrers(path, Role.CONDA) else None

    def referrers(self, path: Path | str, role: Role | None = None) -> list[tuple[str, Reference]]:
        """(configuration file, its reference) for every reference that resolves to `path`."""
        key = str(path)
        return [
            (source, ref)
            for source in sorted(self._referrers.get(key, ()))
            for ref in self._references.get(source, ())
            if str(ref.resolved) == key and (role is None or ref.role is role)
        ]

    def references(self, role: Role) -> list[tuple[str, Reference]]:
        return [(source, ref) for source, refs in self._references.items() for ref in refs if ref.role is role]

    def dependents(self, changed: Path | str, membership: bool = False) -> set[str]:
        """Files whose result may change because `changed` was edited, or (membership=True) created
        or deleted, which also concerns whoever listed its folder."""
        key = str(changed)
        found = set(self._dependents.get(key, ()))
        if membership:
            found |= self._dependents.get(str(Path(key).parent), set())
            prefix = key + os.sep  # a folder appeared or went: whatever lies below it
            found |= {s for dep, sources in self._dependents.items() if dep.startswith(prefix) for s in sources}
        found.discard(key)
        return found
