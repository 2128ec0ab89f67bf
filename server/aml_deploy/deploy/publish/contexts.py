"""Deterministic build contexts: the same files always make the same tar stream (sorted names, no
times, no owners), so Docker's build cache and our own image keys see an unchanged model or code
folder as unchanged, wherever and whenever it is packed."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ... import files
from ..errors import DeployError

SKIPPED = {"__pycache__", ".git", ".ipynb_checkpoints"}  # never part of what is scored
CHUNK = 1 << 20


@dataclass
class Entry:
    name: str  # inside the context, with '/'
    source: Path | None  # None: a folder, or `data`
    data: bytes | None = None
    executable: bool = False


@dataclass
class Context:
    """Files to pack, in order; `digest()` names their content (names, modes and bytes)."""

    entries: list[Entry] = field(default_factory=list)

    def add_tree(self, source: Path, name: str) -> None:
        """`source` (a file or a folder) under `name`, its folders first, each level sorted."""
        if source.is_symlink() and not source.exists():
            raise DeployError(f"{source} is a broken symbolic link.")
        if not source.is_dir():
            self._add_file(source, name)
            return
        self.add_folder(name)
        for child in sorted(source.iterdir(), key=lambda p: p.name):
            if child.name in SKIPPED or child.suffix == ".pyc":
                continue
            self.add_tree(child, f"{name}/{child.name}")

    def add_folder(self, name: str) -> None:
        self.entries.append(Entry(name, None))

    def add_bytes(self, name: str, data: bytes) -> None:
        self.entries.append(Entry(name, None, data))

    def _add_file(self, source: Path, name: str) -> None:
        problem = files.problem_with(source)
        if problem:
            raise DeployError(f"{source} is {problem}; it cannot go into an image.")
        executable = bool(source.stat().st_mode & stat.S_IXUSR)
        self.entries.append(Entry(name, source, executable=executable))

    def digest(self) -> str:
        """sha256 of every entry's name, kind, mode and content, streamed (models can be large)."""
        digest = hashlib.sha256()
        for entry in self.entries:
            kind = "d" if entry.source is None and entry.data is None else ("x" if entry.executable else "f")
            digest.update(f"{kind} {entry.name}\0".encode())
            if entry.data is not None:
                digest.update(entry.data)
            elif entry.source is not None:
                with open(entry.source, "rb") as handle:
                    for chunk in iter(lambda: handle.read(CHUNK), b""):
                        digest.update(chunk)
            digest.update(b"\0")
        return digest.hexdigest()

    def size(self) -> int:
        return sum(len(e.data) if e.data is not None else (e.source.stat().st_size if e.source else 0) for e in self.entries)

    def tar(self) -> IO[bytes]:
        """The context as an uncompressed tar with fixed times, owners and modes."""
        buffer = _spooled()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for entry in self.entries:
                info = tarfile.TarInfo(entry.name)
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                if entry.source is None and entry.data is None:
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                elif entry.data is not None:
                    info.size, info.mode = len(entry.data), 0o644
                    tar.addfile(info, io.BytesIO(entry.data))
                elif entry.source is not None:
                    info.size = entry.source.stat().st_size
                    info.mode = 0o755 if entry.executable else 0o644
                    with open(entry.source, "rb") as handle:
                        tar.addfile(info, handle)
        buffer.seek(0)
        return buffer


def _spooled() -> IO[bytes]:
    # Up to 64 MiB in memory, beyond that on disk: a model of several GB never sits in memory.
    return tempfile.SpooledTemporaryFile(max_size=64 << 20, dir=os.environ.get("TMPDIR"))
