"""What the registry needs of the filesystem: open only regular files (never blocking on a FIFO or
reading a device), say what something that is not a file is, make writes durable, and tell a
full or read-only disk from other errors."""

from __future__ import annotations

import ctypes
import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
READ_ONLY = {errno.EROFS}
_WRITE_SIDE = NO_SPACE | READ_ONLY | {errno.EFBIG}


class NotAFile(Exception):
    """A path that is a FIFO, a device, a socket or a folder where a file was expected."""

    def __init__(self, path: Path | str, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a file")
        self.path, self.kind = path, kind


def kind_of(mode: int) -> str:
    """What a file of this mode is, in words a user knows."""
    for test, words in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISREG, "a file"),
    ):
        if test(mode):
            return words
    return "not a file"


def open_regular(path: Path | str, follow_links: bool = True) -> tuple[int, os.stat_result]:
    """Open `path` for reading only if it is a regular file. O_NONBLOCK keeps the open itself from
    waiting for a FIFO's writer (it does nothing to a regular file); the type is checked on the
    open descriptor, so a file swapped for something else after a check is still caught."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        if err.errno == errno.ELOOP and not follow_links:
            raise NotAFile(path, "a symbolic link") from None
        if err.errno == errno.ENXIO:  # a socket
            raise NotAFile(path, "a socket") from None
        raise
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        raise NotAFile(path, kind_of(status.st_mode))
    return fd, status


def is_write_error(err: OSError) -> bool:
    """Errors that only writing gives (where a call both reads and writes, as copy_file_range does)."""
    return err.errno in _WRITE_SIDE


def free_bytes(path: Path) -> int | None:
    """Space this process may still use on the filesystem of `path` (root may use the reserve)."""
    try:
        status = os.statvfs(path)
    except (OSError, AttributeError):
        return None
    blocks = status.f_bfree if hasattr(os, "geteuid") and os.geteuid() == 0 else status.f_bavail
    return blocks * status.f_frsize


def read_only_filesystem(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def fsync_folder(folder: Path) -> None:
    """Make the entries of `folder` (names created or renamed in it) durable. Windows has no
    directory handles to sync; NTFS journals its metadata."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Past this many files, one syncfs of the filesystem is cheaper than an fsync of each: every
# fsync is a journal commit of its own (about 0.5 ms here), a syncfs is one for all of them,
# but it also waits for whatever other programs have written to that filesystem. (syncfs reports
# write-back errors since Linux 5.8; older kernels drop them, as sync(1) does.)
_FSYNC_EACH_UP_TO = 32


def make_durable(folder: Path, files: Iterable[Path], folders: Iterable[Path] = ()) -> None:
    """Everything written to `files` and created in `folders` (all on the filesystem of `folder`)
    is on disk when this returns."""
    files, folders = list(files), list(folders)
    if len(files) + len(folders) > _FSYNC_EACH_UP_TO and _syncfs(folder):
        return
    for path in files:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for path in folders:
        fsync_folder(path)


def _syncfs(folder: Path) -> bool:
    """syncfs(2) of the filesystem holding `folder`; False where there is none (not Linux)."""
    call = _libc_syncfs()
    if call is None:
        return False
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        if call(fd) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), str(folder))
    finally:
        os.close(fd)
    return True


_SYNCFS: list = []


def _libc_syncfs():
    if not _SYNCFS:
        try:
            function = ctypes.CDLL(None, use_errno=True).syncfs
            function.argtypes, function.restype = [ctypes.c_int], ctypes.c_int
        except (OSError, AttributeError, TypeError):
            function = None
        _SYNCFS.append(function)
    return _SYNCFS[0]


def process_alive(pid: int) -> bool:
    """Whether the process that left something behind (a staging folder, a partial download) still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True
