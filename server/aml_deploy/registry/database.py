"""The registry's SQLite database: its schema and migrations, opening it for reading or writing (a
registry on a read-only disk or without write permission can still be read), and what SQLite's
errors mean for the user (a full disk is not a damaged database)."""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from .errors import DiskFull, NotFound, ReadOnly, RegistryError
from .files import NotAFile, free_bytes, open_regular, read_only_filesystem

SCHEMA_VERSION = 2
APPLICATION_ID = 0x414D4C44  # "AMLD": marks the database as ours
_SQLITE_HEADER = b"SQLite format 3\x00"
_BUSY_SECONDS = 60  # how long a process waits for another that holds the registry locked
_NEARLY_FULL = 1024 * 1024  # an I/O error with less free space than this is the disk being full

MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            number INTEGER,                 -- the version as a number, when it is one (for auto-increment)
            type TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '{}',
            properties TEXT NOT NULL DEFAULT '{}',
            root_name TEXT NOT NULL,        -- the registered file's or folder's own name
            is_folder INTEGER NOT NULL,
            size INTEGER NOT NULL,
            file_count INTEGER NOT NULL,
            source TEXT NOT NULL,
            created_at TEXT NOT NULL,
            archived INTEGER NOT NULL DEFAULT 0,
            UNIQUE (name, version)
        );
        CREATE TABLE files (
            version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
            relpath TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            executable INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (version_id, relpath)
        );
        CREATE INDEX files_by_blob ON files(sha256);
        CREATE TABLE holds (
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            holder TEXT NOT NULL,           -- e.g. a local deployment's container name
            created_at TEXT NOT NULL,
            PRIMARY KEY (name, version, holder)
        );
    """,
    2: """
        CREATE TABLE retired_versions (    -- deleted versions: never given out again
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            number INTEGER,
            deleted_at TEXT NOT NULL,
            PRIMARY KEY (name, version)
        );
        CREATE TABLE content_checks (      -- a stored file whose content hashed to sha256 when it looked like this
            file_id TEXT PRIMARY KEY,       -- "<st_dev>:<st_ino>": a blob and its hard links share one
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            checked_at TEXT NOT NULL
        );
        CREATE INDEX content_checks_by_blob ON content_checks(sha256);
    """,
}


class Connection(sqlite3.Connection):
    read_only = False
    why_read_only = ""  # in words, for messages: "it is on a read-only filesystem", "the disk is full"


@contextmanager
def connect(root: Path, write: bool) -> Iterator[Connection]:
    """The registry database of `root`: created when writing to a registry that does not exist yet,
    opened read-only when it cannot be written (and then refused for writing, with the reason)."""
    path = root / "registry.db"
    if not os.path.lexists(path):
        if not write:
            raise NotFound(f"No model registry at {root} yet: register a model with `aml-deploy model create`.")
        _create_folder(root)
    else:
        _refuse_foreign_file(path)
    why_not = _why_not_writable(root, path)
    if why_not and write:
        raise ReadOnly(
            f"The model registry at {root} is read-only ({why_not}): list, show, download and verify work, "
            "but nothing can be registered, archived or deleted there."
        )
    try:
        connection = _open_prepared(root, read_only=bool(why_not))
    except DiskFull:
        if write or why_not:
            raise
        connection = _open_prepared(root, read_only=True)  # SQLite could not make its WAL index: read as it is
        why_not = "the disk that holds it is full"
    connection.why_read_only = why_not or ""
    try:
        yield connection
    except sqlite3.Error as err:
        raise explain(err, root) from None
    finally:
        connection.close()


def _open_prepared(root: Path, read_only: bool) -> Connection:
    connection = None
    try:
        connection = _open(root / "registry.db", read_only)
        _prepare(connection, root)
        return connection
    except sqlite3.Error as err:
        if connection is not None:
            connection.close()
        raise explain(err, root) from None
    except BaseException:
        if connection is not None:
            connection.close()
        raise


@contextmanager
def writing(connection: Connection) -> Iterator[None]:
    """One write transaction; BEGIN IMMEDIATE serialises writers across processes."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def explain(err: sqlite3.Error, root: Path) -> RegistryError:
    """What an SQLite error means for the user."""
    path = root / "registry.db"
    code = _error_name(err)
    if code == "SQLITE_FULL" or (code.startswith("SQLITE_IOERR") and (free_bytes(root) or 0) < _NEARLY_FULL):
        return DiskFull(
            f"The disk that holds the model registry ({root}) is full ({err}): free some space and try again. Nothing was changed."
        )
    if code.startswith("SQLITE_READONLY"):
        return ReadOnly(f"The model registry at {root} is read-only ({err}).")
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return RegistryError(f"The model registry database {path} is damaged ({err}); it was left untouched.")
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return RegistryError(f"The model registry at {root} stayed busy (another aml-deploy kept it locked for a minute); try again.")
    if code.startswith("SQLITE_IOERR"):
        return RegistryError(f"A disk error stopped the model registry database {path} ({err}); it was left untouched.")
    return RegistryError(f"The model registry database {path} could not be used ({err}).")


def _error_name(err: sqlite3.Error) -> str:
    """SQLite's error name ("SQLITE_BUSY"); before Python 3.11 (no sqlite_errorname) from its message."""
    name = getattr(err, "sqlite_errorname", "")
    if name:
        return name
    message = str(err)
    for words, code in (
        ("disk is full", "SQLITE_FULL"),
        ("readonly", "SQLITE_READONLY"),
        ("malformed", "SQLITE_CORRUPT"),
        ("not a database", "SQLITE_NOTADB"),
        ("locked", "SQLITE_BUSY"),
        ("disk I/O error", "SQLITE_IOERR"),
    ):
        if words in message:
            return code
    return ""


def _create_folder(root: Path) -> None:
    if os.path.lexists(root) and not root.is_dir():
        raise RegistryError(f"{root} is not a folder, so it cannot hold a model registry; choose another --registry.")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RegistryError(f"Cannot create the model registry at {root}: {err.strerror}.") from None


def _refuse_foreign_file(path: Path) -> None:
    try:
        fd, _ = open_regular(path)
    except NotAFile as err:
        raise RegistryError(f"{path} is {err.kind}, not a model registry database; it was left untouched.") from None
    except OSError as err:
        raise RegistryError(f"Cannot read the model registry database {path}: {err.strerror}.") from None
    try:
        header = os.read(fd, len(_SQLITE_HEADER))
    finally:
        os.close(fd)
    if header and header != _SQLITE_HEADER:
        raise RegistryError(
            f"{path} is not an AML Deploy model registry (not an SQLite database); it was left untouched. "
            "Move it away or point AML_DEPLOY_REGISTRY elsewhere."
        )


def _why_not_writable(root: Path, path: Path) -> str | None:
    """None when the registry can be written; else why not, in words."""
    if read_only_filesystem(root):
        return "it is on a read-only filesystem"
    for place in (root, path, path.with_name("registry.db-wal"), path.with_name("registry.db-shm")):
        if os.path.lexists(place) and not os.access(place, os.W_OK):
            return f"no permission to write {place}"
    return None


def _open(path: Path, read_only: bool) -> Connection:
    if not read_only:
        connection = sqlite3.connect(path, timeout=_BUSY_SECONDS, isolation_level=None, factory=Connection)
    else:
        # mode=ro reads the WAL a writer may have left; with none left (the usual case) SQLite
        # needs to create one to open in WAL mode, which it cannot here: the file is then all
        # there is, and immutable=1 reads it as it is.
        uri = f"file:{quote(str(path))}"
        try:
            connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=_BUSY_SECONDS, isolation_level=None, factory=Connection)
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:
            connection = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, factory=Connection)
        connection.read_only = True
    connection.row_factory = sqlite3.Row
    connection.execute(f"PRAGMA busy_timeout = {_BUSY_SECONDS * 1000}")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _prepare(connection: Connection, root: Path) -> None:
    """Check the database is ours and bring its schema up to date (migrations, in order)."""
    path = root / "registry.db"
    current, app, tables = _identity(connection)
    if app == APPLICATION_ID and current == SCHEMA_VERSION:
        return
    if app not in (0, APPLICATION_ID) or (app == 0 and tables):
        raise RegistryError(
            f"{path} is an SQLite database of another program; it was left untouched. Point AML_DEPLOY_REGISTRY at an empty folder."
        )
    if current > SCHEMA_VERSION:
        raise RegistryError(
            f"The model registry at {root} was written by a newer AML Deploy (schema {current}, this one "
            f"knows {SCHEMA_VERSION}); upgrade AML Deploy."
        )
    if connection.read_only:
        _stand_in_tables(connection, current)
        return
    _use_wal(connection)
    with writing(connection):
        current = connection.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in _statements(MIGRATIONS[version]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version}")
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _use_wal(connection: Connection) -> None:
    """Switch a new registry's database to WAL. SQLite answers "database is locked" at once, without
    waiting out the busy timeout, when another process has the file open meanwhile (as when several
    registrations create a registry together), so wait here as the busy timeout would."""
    deadline = time.monotonic() + _BUSY_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if _error_name(err) != "SQLITE_BUSY" or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))  # spread out, so that the processes do not retry in step


def _stand_in_tables(connection: Connection, current: int) -> None:
    """A read-only registry of an older schema cannot be migrated: the tables it lacks are made
    empty and temporary (in memory), so that reading works the same."""
    for version in range(current + 1, SCHEMA_VERSION + 1):
        for statement in _statements(MIGRATIONS[version]):
            if statement.startswith("CREATE TABLE"):
                connection.execute(statement.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))


def _statements(script: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


def _identity(connection: Connection) -> tuple[int, int, int]:
    """The schema version, application id and table count, read in one statement and so from one
    snapshot: read one by one, a registry another process was creating meanwhile could show tables
    but not yet our application id, and look like another program's database."""
    return connection.execute(
        "SELECT (SELECT user_version FROM pragma_user_version), (SELECT application_id FROM pragma_application_id),"
        " (SELECT count(*) FROM sqlite_master)"
    ).fetchone()
