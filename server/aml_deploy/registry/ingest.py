"""Copy a file or folder into a staging area while hashing it: one pass with two fixed-size
buffers, so memory stays flat whatever the model's size. Holes are skipped, so a sparse file
stays sparse."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .errors import RegistryError

CHUNK = 4 * 1024 * 1024
WRITEBACK = 64 * 1024 * 1024  # start writing staged bytes to disk every this many, not all at the final fsync
_ZEROS = memoryview(bytes(CHUNK))
# copy_file_range fails with these where the kernel or filesystem cannot copy in place (across
# filesystems, on older kernels, on some network filesystems): copy through this process instead
_NO_KERNEL_COPY = {errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


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
    """Copy `source` to `target` (in the staging area) and hash exactly the bytes stored.

    The kernel copies each chunk (copy_file_range: one copy inside the kernel, about half the time
    of reading and writing through this process here), and the chunk is read back from the
    staged file, still in the page cache, for the hash; a second thread hashes (hashlib releases
    the GIL) and a third has the kernel write staged bytes to disk as they come, so the closing
    fsync has little left. A source that changes while it is copied is refused: its copy could
    be torn.
    """
    try:
        # the files are opened first so that they close only after the threads are done with them
        with open(source, "rb", buffering=0) as reader, open(target, "w+b", buffering=0) as writer, \
                _Hasher() as hasher, ThreadPoolExecutor(max_workers=1) as flusher:
            copier = _Copier(reader.fileno(), writer.fileno())
            before = os.fstat(reader.fileno())
            flushed = 0
            for start, end, has_data in _extents(reader.fileno(), before.st_size):
                for offset in range(start, end, CHUNK):
                    length = min(CHUNK, end - offset)
                    if has_data:
                        buffer = hasher.free_buffer(length)
                        copier.copy(offset, buffer)
                        hasher.add(buffer)
                    else:  # a hole reads as zeros: hash them without reading, store nothing
                        hasher.add(_ZEROS[:length])
                    if offset + length - flushed >= WRITEBACK:
                        flusher.submit(_start_writeback, writer.fileno(), flushed, offset + length)
                        flushed = offset + length
                    if progress:
                        progress(length)
            if (before.st_size, before.st_mtime_ns) != _size_and_mtime(os.fstat(reader.fileno())):
                raise _Changed()
            writer.truncate(before.st_size)  # a trailing hole
            os.fsync(writer.fileno())  # on disk before the version is recorded: a power cut cannot
            # leave a recorded version whose bytes never arrived
    except _Changed:
        raise RegistryError(f"{relpath} changed while it was being registered ({source}), so nothing was registered. "
                            "Register it once whatever is writing it has finished.") from None
    except PermissionError:
        raise RegistryError(f"Cannot read {relpath}: permission denied ({source}).") from None
    except OSError as err:
        raise RegistryError(f"Cannot read {relpath}: {err.strerror} ({source}).") from None
    executable = bool(before.st_mode & stat.S_IXUSR)
    return StagedFile(relpath, target, hasher.hexdigest(), before.st_size, executable)


def _size_and_mtime(status: os.stat_result) -> tuple[int, int]:
    return status.st_size, status.st_mtime_ns


class _Changed(Exception):
    """The source changed (or ended early) while it was being copied."""


class _Hasher:
    """SHA-256 on a second thread over two alternating buffers: a buffer is handed out again only
    once the hash of its last contents is done."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._buffers = [bytearray(CHUNK), bytearray(CHUNK)]
        self._pending: list[Future | None] = [None, None]
        self._turn = 0
        self._thread = ThreadPoolExecutor(max_workers=1)

    def __enter__(self) -> _Hasher:
        return self

    def __exit__(self, *exc) -> None:
        self._thread.shutdown(wait=True)

    def free_buffer(self, length: int) -> memoryview:
        pending = self._pending[self._turn]
        if pending is not None:
            pending.result()
        return memoryview(self._buffers[self._turn])[:length]

    def add(self, data: memoryview) -> None:
        """Hash `data` after everything added before: the buffer last handed out, or zeros."""
        future = self._thread.submit(self._digest.update, data)
        if data.obj is self._buffers[self._turn]:
            self._pending[self._turn] = future
            self._turn = 1 - self._turn

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


class _Copier:
    """Copies chunks from one file to the same offsets of another and fills each chunk's buffer
    with the bytes stored: in the kernel where it can, through the buffer where it cannot."""

    def __init__(self, source_fd: int, target_fd: int) -> None:
        self._source, self._target = source_fd, target_fd
        self._in_kernel = hasattr(os, "copy_file_range")

    def copy(self, offset: int, buffer: memoryview) -> None:
        if self._in_kernel:
            try:
                self._copy_in_kernel(offset, len(buffer))
            except OSError as err:
                if err.errno not in _NO_KERNEL_COPY:
                    raise
                self._in_kernel = False
            else:
                _read_exactly(self._target, buffer, offset)  # what was stored, from the page cache
                return
        _read_exactly(self._source, buffer, offset)
        _write_exactly(self._target, buffer, offset)

    def _copy_in_kernel(self, offset: int, length: int) -> None:
        done = 0
        while done < length:
            count = os.copy_file_range(self._source, self._target, length - done, offset + done, offset + done)
            if count == 0:
                raise _Changed()  # the source ended early
            done += count


def _read_exactly(fd: int, buffer: memoryview, offset: int) -> None:
    done = 0
    while done < len(buffer):
        count = os.preadv(fd, [buffer[done:]], offset + done)
        if count == 0:
            raise _Changed()  # the source ended early
        done += count


def _write_exactly(fd: int, buffer: memoryview, offset: int) -> None:
    done = 0
    while done < len(buffer):
        done += os.pwrite(fd, buffer[done:], offset + done)


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
