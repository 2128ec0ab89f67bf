"""Copy a file or folder into a staging area while hashing it: one pass, fixed-size buffer, so
memory stays flat whatever the model's size. Runs of zeros are skipped with a seek, so a sparse
file stays sparse."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .errors import RegistryError

CHUNK = 4 * 1024 * 1024
_ZEROS = bytes(CHUNK)


@dataclass(frozen=True)
class StagedFile:
    relpath: str  # with '/' separators, relative to the registered folder (the file's name for a file)
    staged: Path
    sha256: str
    size: int
    executable: bool


def source_files(source: Path) -> Iterator[tuple[str, Path]]:
    """(relative path, real path) of every file to register. Symbolic links are followed only
    when they stay inside the registered folder; special files are refused."""
    if not source.exists():
        raise RegistryError(f"Nothing to register: {source} does not exist.")
    root = source.resolve()
    if root.is_file():
        yield root.name, root
        return
    seen: set[Path] = set()
    yield from _walk(root, root, "", seen)


def _walk(root: Path, folder: Path, prefix: str, seen: set[Path]) -> Iterator[tuple[str, Path]]:
    real = folder.resolve()
    if real in seen:
        return  # a link back into a folder already walked
    seen.add(real)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as err:
        raise RegistryError(f"Cannot read the folder {folder}: {err.strerror}.") from None
    for entry in entries:
        relpath = f"{prefix}{entry.name}"
        path = Path(entry.path)
        if entry.is_symlink():
            target = path.resolve()
            if target != root and root not in target.parents:
                raise RegistryError(
                    f"{relpath} is a symbolic link to {target}, outside the folder being registered; "
                    "copy the file in, or register the folder it points to."
                )
            if not target.exists():
                raise RegistryError(f"Cannot read {relpath}: it is a symbolic link to {target}, which does not exist.")
            path = target
        if path.is_dir():
            yield from _walk(root, path, relpath + "/", seen)
            continue
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise RegistryError(f"Cannot register {relpath}: it is not a regular file (a pipe, socket or device).")
        yield relpath, path


def stage(relpath: str, source: Path, target: Path, progress: Callable[[int], None] | None = None) -> StagedFile:
    """Copy `source` to `target` (in the staging area) while hashing it."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    size = 0
    try:
        with open(source, "rb", buffering=0) as reader, open(target, "wb", buffering=0) as writer:
            while True:
                count = reader.readinto(buffer)
                if not count:
                    break
                chunk = view[:count]
                digest.update(chunk)
                if count == CHUNK and buffer == _ZEROS:
                    writer.seek(count, os.SEEK_CUR)  # leave a hole
                else:
                    writer.write(chunk)
                size += count
                if progress:
                    progress(count)
            writer.truncate(size)
            os.fsync(writer.fileno())
    except PermissionError:
        raise RegistryError(f"Cannot read {relpath}: permission denied ({source}).") from None
    except OSError as err:
        raise RegistryError(f"Cannot read {relpath}: {err.strerror} ({source}).") from None
    executable = bool(source.stat().st_mode & stat.S_IXUSR)
    return StagedFile(relpath, target, digest.hexdigest(), size, executable)
