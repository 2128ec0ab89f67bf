"""Copy files while hashing them: into the staging area when registering, out of the store when
downloading. Memory stays flat whatever a file's size (two fixed buffers); holes are skipped, so a
sparse file stays sparse; small files take a short path with no threads; nothing is synced per
file: the caller makes the whole batch durable at once (`files.make_durable`)."""

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
from .files import NotAFile, is_write_error, kind_of, open_regular

__all__ = ["NotAFile", "SourceChanged", "SizeUnknown", "ReadFailed", "WriteFailed", "StagedFile", "Stager", "source_files", "sha256_of_fd"]

CHUNK = 4 * 1024 * 1024
SMALL = 1024 * 1024  # files up to this size are read whole and hashed on this thread
WRITEBACK = 64 * 1024 * 1024  # start writing staged bytes to disk every this many, not all at the final sync
_ZEROS = memoryview(bytes(CHUNK))
# copy_file_range fails with these where the kernel or filesystem cannot copy in place (across
# filesystems, on older kernels, on some network filesystems): copy through this process instead
_NO_KERNEL_COPY = {errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


class SourceChanged(Exception):
    """The source changed while it was being copied: its copy could be torn."""


class SizeUnknown(Exception):
    """The source gave a different number of bytes than its size says, without changing: a file whose
    content is made up when it is read (/proc, /sys), not a stored file."""

    def __init__(self, size: int, got: str) -> None:
        super().__init__(f"its size says {size} bytes but reading it gave {got}")


class ReadFailed(Exception):
    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror)
        self.error = error


class WriteFailed(Exception):
    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror)
        self.error = error


@dataclass(frozen=True)
class StagedFile:
    relpath: str  # with '/' separators, relative to the registered folder (the file's name for a file)
    staged: Path
    sha256: str
    size: int
    executable: bool
    written: os.stat_result  # the copy as it was when its hash was taken


# -- what to copy ----------------------------------------------------------------------------------


def source_files(source: Path) -> Iterator[tuple[str, Path, int]]:
    """(relative path, real path, size) of every file to register. Symbolic links are followed only
    when they stay inside the registered folder; anything but files and folders is refused."""
    root = _top_level(source)
    status = os.stat(root)
    _refuse_undecodable(root.name, source)
    if stat.S_ISREG(status.st_mode):
        yield root.name, source, status.st_size  # read as given: messages then name the path the user gave
    elif stat.S_ISDIR(status.st_mode):
        count = 0
        for count, item in enumerate(_walk(root, root, "", set()), 1):  # noqa: B007 - the count is read after the loop
            yield item
        if not count:
            raise RegistryError(f"{source} is a folder with no files in it; nothing was registered.")
    else:
        raise RegistryError(f"{source} is {kind_of(status.st_mode)}, not a file or folder; nothing was registered.")


def _top_level(source: Path) -> Path:
    try:
        os.lstat(source)
    except FileNotFoundError:
        raise RegistryError(f"Nothing to register: {source} does not exist.") from None
    except OSError as err:
        raise RegistryError(f"Cannot read {source}: {err.strerror}.") from None
    return _follow(source, str(source))


def _follow(path: Path, shown: str) -> Path:
    """The real path of `path`, or a refusal that says why a link leads nowhere."""
    try:
        return Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        raise RegistryError(
            f"Cannot read {shown}: it is a symbolic link to {os.path.realpath(path)}, which does not exist; nothing was registered."
        ) from None
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise RegistryError(
                f"{shown} is a symbolic link that loops ({path} -> {os.readlink(path)} -> ...): it never "
                "reaches a file; nothing was registered."
            ) from None
        raise RegistryError(f"Cannot read {shown}: {err.strerror}.") from None


def _refuse_undecodable(name: str, path: Path) -> None:
    """Names are stored as text, and a model's files keep their names in a deployment: a name that is
    not UTF-8 (which Python carries as lone surrogates) cannot be either."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise RegistryError(f"{shown} has a name that is not UTF-8 text; rename it. Nothing was registered.") from None


def _walk(root: Path, folder: Path, prefix: str, seen: set[Path]) -> Iterator[tuple[str, Path, int]]:
    if folder in seen:
        return  # a link back into a folder already walked
    seen.add(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as err:
        raise RegistryError(f"Cannot read the folder {folder}: {err.strerror}.") from None
    for entry in entries:
        relpath = f"{prefix}{entry.name}"
        path = Path(entry.path)
        _refuse_undecodable(relpath, path)
        if entry.is_symlink():
            path = _follow(path, relpath)
            if path != root and root not in path.parents:
                raise RegistryError(
                    f"{relpath} is a symbolic link to {path}, outside the folder being registered; "
                    "copy the file in, or register the folder it points to."
                )
        try:
            status = os.stat(path)
        except OSError as err:
            raise RegistryError(f"Cannot read {relpath}: {err.strerror} ({path}).") from None
        if stat.S_ISDIR(status.st_mode):
            yield from _walk(root, path, relpath + "/", seen)
        elif stat.S_ISREG(status.st_mode):
            yield relpath, path, status.st_size
        else:
            raise RegistryError(f"{relpath} is {kind_of(status.st_mode)}, not a file ({path}); nothing was registered.")


# -- copying ---------------------------------------------------------------------------------------


class Stager:
    """Copies files and hashes exactly the bytes stored. One per batch of files: the two hashing
    buffers and the helper threads are made once, when the first large file needs them.

    A large file is copied a chunk at a time by the kernel (copy_file_range: one copy inside the
    kernel, about half the time of reading and writing through this process here), and the chunk is
    read back from the copy, still in the page cache, for the hash; a second thread hashes (hashlib
    releases the GIL) and a third has the kernel write copied bytes to disk as they come, so the
    final sync has little left. A small file is read whole, hashed and written. A source that changes
    while it is copied is refused: its copy could be torn.
    """

    def __init__(self) -> None:
        self._hasher: _Hasher | None = None
        self._flusher: ThreadPoolExecutor | None = None

    def __enter__(self) -> Stager:
        return self

    def __exit__(self, *exc) -> None:
        if self._hasher:
            self._hasher.close()
        if self._flusher:
            self._flusher.shutdown(wait=True)

    def copy(
        self, relpath: str, source: Path, target: Path, mode: int = 0o444, progress: Callable[[int], None] | None = None
    ) -> StagedFile:
        """Copy `source` to the new file `target` (created with `mode`). Raises NotAFile, SourceChanged,
        SizeUnknown, ReadFailed or WriteFailed."""
        try:
            reader, before = open_regular(source)
        except OSError as err:
            raise ReadFailed(err) from None
        try:
            try:
                writer = os.open(
                    target, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0), mode
                )
            except OSError as err:
                raise WriteFailed(err) from None
            try:
                if before.st_size <= SMALL:
                    digest = _copy_small(reader, writer, before.st_size)
                    if progress:
                        progress(before.st_size)
                else:
                    digest = self._copy_large(reader, writer, before.st_size, progress)
            except (_Longer, _Shorter) as odd:
                _check_unchanged(reader, before)  # a file being written, or one that only pretends to be stored
                raise SizeUnknown(before.st_size, "more" if isinstance(odd, _Longer) else f"{odd.got}") from None
            else:
                _check_unchanged(reader, before)
                written = os.fstat(writer)
            finally:
                os.close(writer)
        finally:
            os.close(reader)
        return StagedFile(relpath, target, digest, before.st_size, bool(before.st_mode & stat.S_IXUSR), written)

    def _copy_large(self, reader: int, writer: int, size: int, progress: Callable[[int], None] | None) -> str:
        if self._hasher is None or self._flusher is None:  # made together, for the first large file
            self._hasher, self._flusher = _Hasher(), ThreadPoolExecutor(max_workers=1)
        hasher, flusher, copier, flushed = self._hasher, self._flusher, _Copier(reader, writer), 0
        hasher.start()
        for start, end, has_data in _extents(reader, size):
            for offset in range(start, end, CHUNK):
                length = min(CHUNK, end - offset)
                if has_data:
                    buffer = hasher.free_buffer(length)
                    copier.copy(offset, buffer)
                    hasher.add(buffer)
                else:  # a hole reads as zeros: hash them without reading, store nothing
                    hasher.add(_ZEROS[:length])
                if offset + length - flushed >= WRITEBACK:
                    flusher.submit(_start_writeback, writer, flushed, offset + length)
                    flushed = offset + length
                if progress:
                    progress(length)
        if _read_up_to(reader, 1, offset=size):
            raise _Longer()
        try:
            os.ftruncate(writer, size)  # a trailing hole
        except OSError as err:
            raise WriteFailed(err) from None
        return hasher.hexdigest()


def _copy_small(reader: int, writer: int, size: int) -> str:
    data = _read_up_to(reader, size + 1)
    if len(data) != size:
        raise _Longer() if len(data) > size else _Shorter(len(data))
    try:
        _write_exactly(writer, memoryview(data), 0)
    except OSError as err:
        raise WriteFailed(err) from None
    return hashlib.sha256(data).hexdigest()


class _Longer(Exception):
    """The source gave more bytes than its size."""


class _Shorter(Exception):
    """The source ended before its size."""

    def __init__(self, got: int) -> None:
        self.got = got


def _check_unchanged(reader: int, before: os.stat_result) -> None:
    if (before.st_size, before.st_mtime_ns) != _size_and_mtime(os.fstat(reader)):
        raise SourceChanged()


def _size_and_mtime(status: os.stat_result) -> tuple[int, int]:
    return status.st_size, status.st_mtime_ns


def _read_up_to(fd: int, count: int, offset: int = 0) -> bytes:
    parts, done = [], 0
    while done < count:
        try:
            part = os.pread(fd, count - done, offset + done)
        except OSError as err:
            raise ReadFailed(err) from None
        if not part:
            break
        parts.append(part)
        done += len(part)
    return b"".join(parts)


def sha256_of_fd(fd: int) -> str:
    """The SHA-256 of what `fd` holds, read from the start in fixed chunks."""
    digest, offset = hashlib.sha256(), 0
    while chunk := os.pread(fd, CHUNK, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()


class _Hasher:
    """SHA-256 on a second thread over two alternating buffers: a buffer is handed out again only
    once the hash of its last contents is done."""

    def __init__(self) -> None:
        self._buffers = [bytearray(CHUNK), bytearray(CHUNK)]
        self._thread = ThreadPoolExecutor(max_workers=1)

    def start(self) -> None:
        """A new digest (the buffers and the thread are kept)."""
        self._drain()
        self._digest = hashlib.sha256()
        self._pending: list[Future | None] = [None, None]
        self._turn = 0

    def close(self) -> None:
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
        self._drain()
        return self._digest.hexdigest()

    def _drain(self) -> None:
        """Wait until everything submitted is hashed (one thread: tasks run in order)."""
        self._thread.submit(lambda: None).result()


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
                    raise (WriteFailed if is_write_error(err) else ReadFailed)(err) from None
                self._in_kernel = False
            else:
                _read_exactly(self._target, buffer, offset, WriteFailed)  # what was stored, from the page cache
                return
        _read_exactly(self._source, buffer, offset, ReadFailed)
        try:
            _write_exactly(self._target, buffer, offset)
        except OSError as err:
            raise WriteFailed(err) from None

    def _copy_in_kernel(self, offset: int, length: int) -> None:
        done = 0
        while done < length:
            count = os.copy_file_range(self._source, self._target, length - done, offset + done, offset + done)
            if count == 0:
                raise _Shorter(offset + done)  # the source ended early
            done += count


def _read_exactly(fd: int, buffer: memoryview, offset: int, failure: type) -> None:
    done = 0
    while done < len(buffer):
        try:
            count = os.preadv(fd, [buffer[done:]], offset + done)
        except OSError as err:
            raise failure(err) from None
        if count == 0:
            raise _Shorter(offset + done)  # the source ended early
        done += count


def _write_exactly(fd: int, buffer: memoryview, offset: int) -> None:
    done = 0
    while done < len(buffer):
        done += os.pwrite(fd, buffer[done:], offset + done)


def _start_writeback(fd: int, start: int, end: int) -> None:
    """Has the kernel start writing [start, end) to disk without waiting for it, so the disk
    works while the rest is hashed and the final sync has little left (Linux starts
    writeback on POSIX_FADV_DONTNEED; the copy's pages are not needed in memory)."""
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
                yield position, min(data, length), False
            if data >= length:
                return
            hole = min(os.lseek(fd, data, os.SEEK_HOLE), length)
            yield data, hole, True
            position = hole
    except (AttributeError, OSError):
        if position < length:
            yield position, length, True
