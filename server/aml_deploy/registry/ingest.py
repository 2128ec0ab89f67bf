"""Copy a file or folder into a staging area while hashing it: one pass, fixed-size buffer, so
memory stays flat whatever the model's size. Runs of zeros are skipped with a seek, so a sparse
file stays sparse."""

from __future__ import annotations

import hashlib
import os
import stat
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .errors import RegistryError

CHUNK = 4 * 1024 * 1024
WRITEBACK = 64 * 1024 * 1024  # start writing staged bytes to disk every this many, not all at the final fsync
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
    """Copy `source` to `target` (in the staging area) while hashing exactly the bytes copied.

    Hashing runs on a second thread (hashlib releases the GIL on large buffers) while this one
    reads and writes; two buffers alternate, and a buffer is refilled only once its hash is done.
    A third thread has the kernel write staged bytes to disk as they come, so the closing fsync
    does not wait for all of them at once.
    """
    digest = hashlib.sha256()
    buffers = [bytearray(CHUNK), bytearray(CHUNK)]
    pending: list[Future | None] = [None, None]
    zeros = memoryview(_ZEROS)
    size = 0
    turn = 0
    flushed = 0
    try:
        # the files are opened first so that they close only after both threads have finished with them
        with open(source, "rb", buffering=0) as reader, open(target, "wb", buffering=0) as writer, \
                ThreadPoolExecutor(max_workers=1) as hasher, ThreadPoolExecutor(max_workers=1) as flusher:
            length = os.fstat(reader.fileno()).st_size
            for start, end, has_data in _extents(reader.fileno(), length):
                reader.seek(start)
                position = start
                while position < end:
                    want = min(CHUNK, end - position)
                    if not has_data:  # a hole reads as zeros: hash them without reading
                        hasher.submit(digest.update, zeros[:want])
                        writer.seek(want, os.SEEK_CUR)
                        count = want
                    else:
                        if pending[turn] is not None:
                            pending[turn].result()  # this buffer's bytes are hashed: reuse it
                        buffer = buffers[turn]
                        count = reader.readinto(memoryview(buffer)[:want])
                        if not count:
                            break
                        chunk = memoryview(buffer)[:count]
                        pending[turn] = hasher.submit(digest.update, chunk)
                        if count == CHUNK and buffer == _ZEROS:
                            writer.seek(count, os.SEEK_CUR)  # zeros written out: store a hole
                        else:
                            writer.write(chunk)
                        turn = 1 - turn
                    position += count
                    size += count
                    if position - flushed >= WRITEBACK:
                        flusher.submit(_start_writeback, writer.fileno(), flushed, position)
                        flushed = position
                    if progress:
                        progress(count)
            writer.truncate(size)
            os.fsync(writer.fileno())  # on disk before the version is recorded: a power cut cannot
            # leave a recorded version whose bytes never arrived
    except PermissionError:
        raise RegistryError(f"Cannot read {relpath}: permission denied ({source}).") from None
    except OSError as err:
        raise RegistryError(f"Cannot read {relpath}: {err.strerror} ({source}).") from None
    executable = bool(source.stat().st_mode & stat.S_IXUSR)
    return StagedFile(relpath, target, digest.hexdigest(), size, executable)


def _start_writeback(fd: int, start: int, end: int) -> None:
    """Has the kernel start writing [start, end) to disk without waiting for it, so the disk
    works while the rest is hashed and the final fsync has little left (Linux starts
    writeback on POSIX_FADV_DONTNEED; the staged copy's pages are not needed in memory)."""
    try:
        os.posix_fadvise(fd, start, end - start, os.POSIX_FADV_DONTNEED)
    except (AttributeError, OSError):
        pass  # only an optimisation


def _extents(fd: int, length: int) -> Iterator[tuple[int, int, bool]]:
    """(start, end, has data) ranges of a file, holes included, from SEEK_DATA/SEEK_HOLE; one data
    range when the filesystem cannot tell."""
    position = 0
    try:
        while position < length:
            try:
                data = os.lseek(fd, position, os.SEEK_DATA)
            except OSError:  # ENXIO: only a hole is left
                data = length
            if data > position:
                yield position, data, False
            if data >= length:
                return
            hole = os.lseek(fd, data, os.SEEK_HOLE)
            yield data, hole, True
            position = hole
    except (AttributeError, OSError):
        if position < length:
            yield position, length, True
