"""Reading a user's file safely: only a regular file, never more than a limit, and never by
blocking. A FIFO, a device (`ln -s /dev/zero helper.py`), a socket or a folder where a file is
expected is refused with what it is, so no command and no editor request ever hangs on one or
reads forever."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import AmlDeployError

MAX_TEXT = 5 * 1024 * 1024  # a configuration, a script, a conda or requirements file
KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


class UnreadableFile(AmlDeployError):
    code = "unreadable-file"

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}.")
        self.path = path
        self.why = why  # "a FIFO, not a file", "larger than 5.0 MB", "Permission denied", ...


def what_it_is(mode: int) -> str | None:
    """ "a FIFO" and so on for anything that is not a regular file; None for a regular file."""
    return next((name for test, name in KINDS if test(mode)), None if stat.S_ISREG(mode) else "not a regular file")


def read_bytes(path: Path | str, limit: int = MAX_TEXT) -> bytes:
    """The file's bytes, when it is a regular file of at most `limit` bytes; else UnreadableFile."""
    data, _size_on_disk = _read(Path(path), limit, refuse_larger=True)
    return data


def read_head(path: Path | str, limit: int) -> tuple[bytes, int]:
    """(at most `limit` + 1 bytes from the start, the size on disk) of a regular file; else UnreadableFile."""
    return _read(Path(path), limit, refuse_larger=False)


def _read(path: Path, limit: int, refuse_larger: bool) -> tuple[bytes, int]:
    try:
        # O_NONBLOCK: a FIFO swapped in after a check must not block the open itself.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise UnreadableFile(path, err.strerror or str(err)) from None
    try:
        info = os.fstat(fd)
        kind = what_it_is(info.st_mode)
        if kind is not None:
            raise UnreadableFile(path, f"{kind}, not a file")
        if refuse_larger and info.st_size > limit:
            raise UnreadableFile(path, f"{_size(info.st_size)}, larger than the {_size(limit)} AML Deploy reads")
        chunks, total = [], 0
        while total <= limit:  # the size said may be wrong (/proc files say 0)
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if refuse_larger and total > limit:
            raise UnreadableFile(path, f"larger than the {_size(limit)} AML Deploy reads")
        return b"".join(chunks), max(info.st_size, total)
    except OSError as err:
        raise UnreadableFile(path, err.strerror or str(err)) from None
    finally:
        os.close(fd)


def read_text(path: Path | str, limit: int = MAX_TEXT) -> str:
    """The file as text (UTF-8, a BOM dropped, undecodable bytes replaced)."""
    return read_bytes(path, limit).decode("utf-8-sig", errors="replace")


def read_text_or_none(path: Path | str, limit: int = MAX_TEXT) -> str | None:
    try:
        return read_text(path, limit)
    except UnreadableFile:
        return None


def problem_with(path: Path | str) -> str | None:
    """Why `path` cannot be read as a file (e.g. "a FIFO, not a file"), or None when it can; no read."""
    try:
        info = os.stat(path)
    except OSError as err:
        return err.strerror or str(err)
    kind = what_it_is(info.st_mode)
    return f"{kind}, not a file" if kind else None


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"
