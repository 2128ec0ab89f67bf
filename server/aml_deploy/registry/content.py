"""The stored bytes: blobs/sha256/ab/<digest>, each file's content once however many versions
share it, and the checks that keep the registry from handing out or reusing bytes that no longer
match their hash.

Hashing a 2 GB model on every deployment would cost seconds, so a stored file is hashed once and
the result recorded against its identity (device and inode, size, modification time); it is hashed
again whenever any of them changes. Writing into a file changes its modification time, replacing it
changes its inode, so both are caught; what is not caught is a change made on purpose and then
hidden (the old modification time put back) or a disk that flips bits by itself: `verify --deep`
re-hashes everything for those. The change time (ctime) is not part of it: linking a blob into a
mount, which happens for every new deployment, changes it too.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .database import Connection, writing
from .errors import RegistryError
from .files import NotAFile, fsync_folder, open_regular
from .ingest import StagedFile, sha256_of_fd

_QUERY_CHUNK = 500  # digests per query (SQLite limits the number of parameters)


class Damaged(RegistryError):
    """Stored bytes that do not match their hash, or are missing."""


def file_id(status: os.stat_result) -> str:
    return f"{status.st_dev}:{status.st_ino}"


@dataclass(frozen=True)
class Stamp:
    """A stored file that hashed to `sha256` while it had this identity."""

    file_id: str
    sha256: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, status: os.stat_result, sha256: str) -> Stamp:
        return cls(file_id(status), sha256, status.st_size, status.st_mtime_ns)

    def holds_for(self, status: os.stat_result, sha256: str) -> bool:
        return self == Stamp.of(status, sha256)


@dataclass(frozen=True)
class Finding:
    """The outcome of checking one stored file: a problem in words, or a new stamp to record."""

    problem: str | None = None
    stamp: Stamp | None = None


class Blobs:
    def __init__(self, root: Path) -> None:
        self.folder = root / "blobs" / "sha256"

    def path(self, digest: str) -> Path:
        return self.folder / digest[:2] / digest

    # -- what was checked before ------------------------------------------------------------------

    @staticmethod
    def stamps(connection: Connection, digests: Iterable[str]) -> dict[str, Stamp]:
        """The recorded checks of every stored copy of these digests, by file id."""
        digests = sorted(set(digests))
        found: dict[str, Stamp] = {}
        for start in range(0, len(digests), _QUERY_CHUNK):
            chunk = digests[start : start + _QUERY_CHUNK]
            rows = connection.execute(
                f"SELECT file_id, sha256, size, mtime_ns FROM content_checks WHERE sha256 IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update((row[0], Stamp(*row)) for row in rows)
        return found

    @staticmethod
    def record(connection: Connection, stamps: Iterable[Stamp]) -> None:
        """Remember checks that passed (skipped on a read-only registry: they are only a saving)."""
        stamps = list(stamps)
        if not stamps or connection.read_only:
            return
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        rows = [(s.file_id, s.sha256, s.size, s.mtime_ns, now) for s in stamps]
        if connection.in_transaction:
            _insert_stamps(connection, rows)
            return
        with writing(connection):
            _insert_stamps(connection, rows)

    # -- checking ----------------------------------------------------------------------------------

    @staticmethod
    def check(path: Path, sha256: str, size: int, known: dict[str, Stamp], rehash: bool = False) -> Finding:
        """Does the stored file at `path` hold the content `sha256`? Trusted without reading when a
        recorded check still holds for it (unless `rehash`); else hashed."""
        try:
            fd, before = open_regular(path, follow_links=False)
        except FileNotFoundError:
            return Finding(f"missing (expected at {path})")
        except NotAFile as err:
            return Finding(f"{err.kind}, not a file, is stored at {path}")
        except OSError as err:
            return Finding(f"cannot be read ({err.strerror}, {path})")
        try:
            if before.st_size != size:
                return Finding(f"has {before.st_size} bytes instead of {size} ({path})")
            stamp = known.get(file_id(before))
            if not rehash and stamp is not None and stamp.holds_for(before, sha256):
                return Finding()
            try:
                actual = sha256_of_fd(fd)
            except OSError as err:
                return Finding(f"cannot be read ({err.strerror}, {path})")
            after = os.fstat(fd)
        finally:
            os.close(fd)
        if actual != sha256:
            return Finding(f"does not match its hash: sha256 {actual} is stored at {path}, {sha256} was registered")
        if Stamp.of(after, sha256) != Stamp.of(before, sha256):
            return Finding()  # it matched, but was written meanwhile: nothing to record
        return Finding(stamp=Stamp.of(after, sha256))

    # -- storing -----------------------------------------------------------------------------------

    def store(self, connection: Connection, staged: list[StagedFile]) -> None:
        """Move staged copies in as the blobs of their digests, durably, inside the caller's write
        transaction. An existing blob is reused only while its recorded check holds; otherwise the
        new bytes, hashed as they were written, replace it (a damaged blob is repaired that way)."""
        known = self.stamps(connection, (item.sha256 for item in staged))
        checked = {stamp.sha256 for stamp in known.values()}
        stamps: list[Stamp] = []
        touched: set[Path] = set()
        for item in staged:
            target = self.path(item.sha256)
            if item.sha256 in checked and _holds(known, target, item.sha256):
                continue  # identical content is stored once
            if target.parent not in touched:
                _make_folder(target.parent, touched)
            os.replace(item.staged, target)
            # a rename keeps the inode and modification time: the check made while copying holds
            # for the blob (other registrations wait for this transaction to end)
            stamp = Stamp.of(item.written, item.sha256)
            known[stamp.file_id] = stamp
            checked.add(item.sha256)
            stamps.append(stamp)
        for folder in sorted(touched):
            fsync_folder(folder)  # the new names survive a power cut before the version is recorded
        self.record(connection, stamps)

    def forget(self, connection: Connection, digests: Iterable[str]) -> None:
        digests = list(digests)
        for start in range(0, len(digests), _QUERY_CHUNK):
            chunk = digests[start : start + _QUERY_CHUNK]
            connection.execute(f"DELETE FROM content_checks WHERE sha256 IN ({','.join('?' * len(chunk))})", chunk)


def _holds(known: dict[str, Stamp], target: Path, sha256: str) -> bool:
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        return False
    stamp = known.get(file_id(status))
    return stamp is not None and stamp.holds_for(status, sha256)


def _make_folder(folder: Path, touched: set[Path]) -> None:
    """Create blobs/sha256/ab as needed; the folders whose entries changed are synced later."""
    if not folder.is_dir():
        created = [place for place in (folder.parent.parent, folder.parent, folder) if not place.is_dir()]
        folder.mkdir(parents=True, exist_ok=True)
        touched.update(place.parent for place in created)
    touched.add(folder)


def _insert_stamps(connection: Connection, rows: list[tuple]) -> None:
    connection.executemany("INSERT OR REPLACE INTO content_checks (file_id, sha256, size, mtime_ns, checked_at) VALUES (?,?,?,?,?)", rows)
