"""The local model registry.

Layout of the registry root:
    registry.db                   SQLite (WAL): versions, their files, holds by local deployments
    blobs/sha256/ab/<digest>      every file's content, stored once however many versions share it
    staging/<pid>-<random>/       registrations in progress
    mounts/<name>/<version>/...   hard-linked trees that containers mount read-only

Registration is atomic: files are copied and hashed into staging (the slow part, no lock held),
then, inside one write transaction, moved into blobs/ and recorded. A process killed at any
moment leaves either no version or a complete one; what it leaves in staging or as unreferenced
blobs is swept later, under the same write lock, so a sweep never races a registration.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import ingest
from .errors import InUse, NotFound, RegistryError
from .names import ModelReference, check_name, check_version

SCHEMA_VERSION = 1
APPLICATION_ID = 0x414D4C44  # "AMLD": marks the database as ours
MODEL_TYPES = ("custom_model", "mlflow_model", "triton_model")
_SQLITE_HEADER = b"SQLite format 3\x00"

_MIGRATIONS: dict[int, str] = {
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
}


def default_root() -> Path:
    configured = os.environ.get("AML_DEPLOY_REGISTRY")
    return Path(configured).expanduser() if configured else Path.home() / ".aml-deploy" / "registry"


@dataclass
class ModelVersion:
    name: str
    version: str
    type: str
    description: str
    tags: dict
    properties: dict
    root_name: str
    is_folder: bool
    size: int
    file_count: int
    source: str
    created_at: str
    archived: bool
    files: list[dict] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return f"azureml:{self.name}:{self.version}"

    def to_dict(self, with_files: bool = False) -> dict:
        data = {
            "name": self.name, "version": self.version, "type": self.type, "description": self.description,
            "tags": self.tags, "properties": self.properties, "path": self.root_name, "is_folder": self.is_folder,
            "size": self.size, "size_text": human_size(self.size), "file_count": self.file_count,
            "source": self.source, "created": self.created_at, "archived": self.archived, "reference": self.reference,
        }
        if with_files:
            data["files"] = self.files
        return data


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class Registry:
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.db_path = self.root / "registry.db"

    def exists(self) -> bool:
        return self.db_path.exists()

    # -- the database ----------------------------------------------------------------------

    @contextmanager
    def _connect(self, create: bool = False) -> Iterator[sqlite3.Connection]:
        if not self.db_path.exists():
            if not create:
                raise NotFound(f"No model registry at {self.root} yet: register a model with `aml-deploy model create`.")
            self.root.mkdir(parents=True, exist_ok=True)
        else:
            self._refuse_foreign_file()
        try:
            connection = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
        except sqlite3.Error as err:
            raise RegistryError(f"Cannot open the model registry database {self.db_path}: {err}.") from None
        try:
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA busy_timeout = 60000")
            connection.execute("PRAGMA foreign_keys = ON")
            self._prepare(connection)
            yield connection
        except sqlite3.DatabaseError as err:
            raise RegistryError(f"The model registry database {self.db_path} is damaged ({err}); it was left untouched.") from None
        finally:
            connection.close()

    def _refuse_foreign_file(self) -> None:
        with open(self.db_path, "rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
        if header and header != _SQLITE_HEADER:
            raise RegistryError(
                f"{self.db_path} is not an AML Deploy model registry (not an SQLite database); it was left untouched. "
                "Move it away or point AML_DEPLOY_REGISTRY elsewhere."
            )

    def _prepare(self, connection: sqlite3.Connection) -> None:
        """Check the database is ours and bring its schema up to date (migrations, in order)."""
        current = connection.execute("PRAGMA user_version").fetchone()[0]
        app = connection.execute("PRAGMA application_id").fetchone()[0]
        if app == APPLICATION_ID and current == SCHEMA_VERSION:
            return
        if app not in (0, APPLICATION_ID) or (app == 0 and self._has_tables(connection)):
            raise RegistryError(
                f"{self.db_path} is an SQLite database of another program; it was left untouched. "
                "Point AML_DEPLOY_REGISTRY at an empty folder."
            )
        if current > SCHEMA_VERSION:
            raise RegistryError(
                f"The model registry at {self.root} was written by a newer AML Deploy (schema {current}, this one knows "
                f"{SCHEMA_VERSION}); upgrade AML Deploy."
            )
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            current = connection.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version].split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {version}")
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    @staticmethod
    def _has_tables(connection: sqlite3.Connection) -> bool:
        return connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0

    @contextmanager
    def _writing(self, connection: sqlite3.Connection) -> Iterator[None]:
        """One write transaction; BEGIN IMMEDIATE serialises writers across processes."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    # -- registering -------------------------------------------------------------------------

    def register(self, path: Path, name: str, version: str | None = None, *, description: str = "",
                 tags: dict | None = None, properties: dict | None = None, model_type: str = "custom_model",
                 progress: Callable[[int, int], None] | None = None) -> ModelVersion:
        """Register the file or folder at `path` as a new version of `name`."""
        check_name(name)
        if version is not None:
            check_version(str(version))
            version = str(version)
        if model_type not in MODEL_TYPES:
            raise RegistryError(f"Unknown model type {model_type!r}: use {', '.join(MODEL_TYPES)}.")
        source = Path(path).expanduser()
        sources = list(ingest.source_files(source))  # refuses outside links and special files up front
        total = sum(real.stat().st_size for _, real in sources)
        (self.root / "staging").mkdir(parents=True, exist_ok=True)
        with self._connect(create=True) as connection:
            if version is not None and self._find(connection, name, version) is not None:
                raise RegistryError(f"{name}:{version} already exists; versions never change once registered. "
                                    "Leave --version out to get the next one.")
            self._sweep_staging()
            staging = self.root / "staging" / f"{os.getpid()}-{uuid.uuid4().hex}"
            staging.mkdir()
            try:
                done = 0

                def advance(count: int) -> None:
                    nonlocal done
                    done += count
                    if progress:
                        progress(done, total)

                staged = [ingest.stage(rel, real, staging / f"{i:08d}", advance) for i, (rel, real) in enumerate(sources)]
                return self._commit(connection, source, name, version, description, tags or {}, properties or {},
                                    model_type, staged)
            finally:
                shutil.rmtree(staging, ignore_errors=True)

    def _commit(self, connection, source: Path, name: str, version: str | None, description: str, tags: dict,
                properties: dict, model_type: str, staged: list[ingest.StagedFile]) -> ModelVersion:
        with self._writing(connection):
            if version is None:
                version = str(self._next_number(connection, name))
            elif self._find(connection, name, version) is not None:
                raise RegistryError(f"{name}:{version} was registered by someone else meanwhile.")
            for item in staged:
                self._store_blob(item)
            number = int(version) if version.isdigit() else None
            cursor = connection.execute(
                "INSERT INTO versions (name, version, number, type, description, tags, properties, root_name, is_folder,"
                " size, file_count, source, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (name, version, number, model_type, description, json.dumps(tags), json.dumps(properties),
                 source.resolve().name, int(source.resolve().is_dir()), sum(s.size for s in staged), len(staged),
                 str(source.resolve()), _now()),
            )
            connection.executemany(
                "INSERT INTO files (version_id, relpath, sha256, size, executable) VALUES (?,?,?,?,?)",
                [(cursor.lastrowid, s.relpath, s.sha256, s.size, int(s.executable)) for s in staged],
            )
        return self.show(name, version)

    @staticmethod
    def _next_number(connection, name: str) -> int:
        row = connection.execute("SELECT max(number) FROM versions WHERE name = ?", (name,)).fetchone()
        return (row[0] or 0) + 1

    def _blob(self, digest: str) -> Path:
        return self.root / "blobs" / "sha256" / digest[:2] / digest

    def _store_blob(self, item: ingest.StagedFile) -> None:
        target = self._blob(item.sha256)
        if target.exists():
            return  # identical content is stored once
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(item.staged, 0o444)
        os.replace(item.staged, target)

    def _sweep_staging(self) -> None:
        """Remove staging folders of registrations whose process is gone."""
        for folder in (self.root / "staging").iterdir():
            pid = folder.name.split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    # -- reading -------------------------------------------------------------------------------

    def list(self, name: str | None = None, include_archived: bool = False, archived_only: bool = False) -> list[ModelVersion]:
        if not self.exists():
            return []
        query = "SELECT * FROM versions"
        conditions, args = [], []
        if name:
            conditions.append("name = ?")
            args.append(name)
        if archived_only:
            conditions.append("archived = 1")
        elif not include_archived:
            conditions.append("archived = 0")
        if conditions:
            query += " WHERE " + " AND ".join(conditions)
        query += " ORDER BY name, coalesce(number, 0), version"
        with self._connect() as connection:
            return [_version(row) for row in connection.execute(query, args)]

    def show(self, name: str, version: str | None = None, label: str | None = None, with_files: bool = False) -> ModelVersion:
        with self._connect() as connection:
            row = self._resolve_row(connection, name, version, label)
            model = _version(row)
            if with_files:
                model.files = [dict(relpath=f["relpath"], sha256=f["sha256"], size=f["size"]) for f in
                               connection.execute("SELECT * FROM files WHERE version_id = ? ORDER BY relpath", (row["id"],))]
            return model

    def resolve(self, reference: ModelReference) -> ModelVersion:
        return self.show(reference.name, reference.version, reference.label)

    def _resolve_row(self, connection, name: str, version: str | None, label: str | None):
        if version is not None:
            row = self._find(connection, name, version)
            if row is None:
                known = [r["version"] for r in connection.execute(
                    "SELECT version FROM versions WHERE name = ? ORDER BY coalesce(number, 0), version", (name,))]
                where = f" (it has {', '.join(known)})" if known else ""
                raise NotFound(f"No model {name}:{version} in the registry at {self.root}{where}.")
            return row
        if label not in (None, "latest"):
            raise NotFound(f"Unknown label @{label}: the local registry knows @latest only.")
        row = connection.execute(
            "SELECT * FROM versions WHERE name = ? AND archived = 0 ORDER BY coalesce(number, 0) DESC, created_at DESC LIMIT 1",
            (name,)).fetchone()
        if row is None:
            raise NotFound(f"No model named {name} in the registry at {self.root}.")
        return row

    @staticmethod
    def _find(connection, name: str, version: str):
        return connection.execute("SELECT * FROM versions WHERE name = ? AND version = ?", (name, version)).fetchone()

    # -- changing ------------------------------------------------------------------------------

    def set_archived(self, name: str, version: str | None, archived: bool) -> list[ModelVersion]:
        with self._connect() as connection, self._writing(connection):
            if version is None:
                count = connection.execute("UPDATE versions SET archived = ? WHERE name = ?", (int(archived), name)).rowcount
            else:
                count = connection.execute("UPDATE versions SET archived = ? WHERE name = ? AND version = ?",
                                           (int(archived), name, version)).rowcount
            if not count:
                raise NotFound(f"No model {name}{':' + version if version else ''} in the registry at {self.root}.")
        return self.list(name, include_archived=True) if version is None else [self.show(name, version)]

    def delete(self, name: str, version: str, force: bool = False,
               is_alive: Callable[[str], bool] | None = None) -> ModelVersion:
        """Delete one version (refused while a local deployment holds it, unless forced)."""
        with self._connect() as connection:
            with self._writing(connection):
                row = self._resolve_row(connection, name, version, None)
                holders = [r["holder"] for r in connection.execute(
                    "SELECT holder FROM holds WHERE name = ? AND version = ?", (name, version))]
                stale = [h for h in holders if is_alive is not None and not is_alive(h)]
                live = [h for h in holders if h not in stale]
                if live and not force:
                    raise InUse(f"{name}:{version} is used by the local deployment {', '.join(live)}; delete that "
                                "deployment first, or pass --force.")
                connection.execute("DELETE FROM holds WHERE name = ? AND version = ?", (name, version))
                connection.execute("DELETE FROM versions WHERE id = ?", (row["id"],))
            model = _version(row)
            self._collect_garbage(connection)
        shutil.rmtree(self.root / "mounts" / name / version, ignore_errors=True)
        return model

    def _collect_garbage(self, connection) -> int:
        """Delete blobs no version refers to, holding the write lock so that no registration can
        be relying on one of them at the same moment."""
        removed = 0
        blobs = self.root / "blobs" / "sha256"
        if not blobs.exists():
            return 0
        with self._writing(connection):
            used = {row[0] for row in connection.execute("SELECT DISTINCT sha256 FROM files")}
            for folder in blobs.iterdir():
                for blob in folder.iterdir():
                    if blob.name not in used:
                        blob.unlink(missing_ok=True)
                        removed += 1
        return removed

    # -- local deployments hold the versions they mount ---------------------------------------

    def hold(self, name: str, version: str, holder: str) -> None:
        with self._connect() as connection, self._writing(connection):
            self._resolve_row(connection, name, version, None)
            connection.execute("INSERT OR REPLACE INTO holds (name, version, holder, created_at) VALUES (?,?,?,?)",
                               (name, version, holder, _now()))

    def release(self, holder: str) -> None:
        if not self.exists():
            return
        with self._connect() as connection, self._writing(connection):
            connection.execute("DELETE FROM holds WHERE holder = ?", (holder,))

    def holders(self, name: str, version: str) -> list[str]:
        with self._connect() as connection:
            return [r["holder"] for r in connection.execute(
                "SELECT holder FROM holds WHERE name = ? AND version = ? ORDER BY holder", (name, version))]

    # -- files out -------------------------------------------------------------------------------

    def download(self, name: str, version: str, destination: Path) -> Path:
        """Copy the version's files into `destination` (a writable copy, unlike the mounts)."""
        model = self.show(name, version, with_files=True)
        target = Path(destination) / model.root_name
        if target.exists():
            raise RegistryError(f"{target} already exists; choose another --download-path.")
        self._write_tree(model, target, link=False)
        return target

    def mount_path(self, name: str, version: str) -> Path:
        """A read-only tree of the version's files, hard-linked to the blobs: what a container mounts.
        Built once, atomically (a half-built tree is never visible under its final name)."""
        model = self.show(name, version, with_files=True)
        final = self.root / "mounts" / name / version / model.root_name
        if final.exists():
            return final
        building = final.parent.parent / f".{version}-{uuid.uuid4().hex}"
        self._write_tree(model, building / model.root_name, link=True)
        final.parent.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(building, final.parent)
        except OSError:
            shutil.rmtree(building, ignore_errors=True)  # another process finished first
        return final

    def _write_tree(self, model: ModelVersion, target: Path, link: bool) -> None:
        for item in model.files:
            relative = PurePosixPath(item["relpath"])
            if relative.is_absolute() or ".." in relative.parts:
                raise RegistryError(f"Refusing to write {item['relpath']}: it leaves the model's folder.")
            path = target.joinpath(*relative.parts) if model.is_folder else target
            path.parent.mkdir(parents=True, exist_ok=True)
            blob = self._blob(item["sha256"])
            if not blob.exists():
                raise RegistryError(f"The registry is missing the content of {model.name}:{model.version}/{item['relpath']}.")
            if link:
                try:
                    os.link(blob, path)
                    continue
                except OSError:
                    pass  # another filesystem: copy instead
            shutil.copyfile(blob, path)
            os.chmod(path, 0o444 if link else 0o644)

    # -- consistency -----------------------------------------------------------------------------

    def verify(self, deep: bool = False) -> list[str]:
        """Problems found: every version's files present with the right size (and hash, if deep)."""
        import hashlib

        problems = []
        if not self.exists():
            return problems
        with self._connect() as connection:
            for row in connection.execute("SELECT * FROM versions"):
                files = list(connection.execute("SELECT * FROM files WHERE version_id = ?", (row["id"],)))
                if len(files) != row["file_count"]:
                    problems.append(f"{row['name']}:{row['version']} lists {len(files)} files, expected {row['file_count']}")
                for item in files:
                    blob = self._blob(item["sha256"])
                    if not blob.exists() or blob.stat().st_size != item["size"]:
                        problems.append(f"{row['name']}:{row['version']}/{item['relpath']}: content missing or wrong size")
                    elif deep:
                        digest = hashlib.sha256()
                        with open(blob, "rb") as handle:
                            for chunk in iter(lambda: handle.read(ingest.CHUNK), b""):
                                digest.update(chunk)
                        if digest.hexdigest() != item["sha256"]:
                            problems.append(f"{row['name']}:{row['version']}/{item['relpath']}: content changed")
        return problems


def _version(row) -> ModelVersion:
    return ModelVersion(
        name=row["name"], version=row["version"], type=row["type"], description=row["description"],
        tags=json.loads(row["tags"]), properties=json.loads(row["properties"]), root_name=row["root_name"],
        is_folder=bool(row["is_folder"]), size=row["size"], file_count=row["file_count"], source=row["source"],
        created_at=row["created_at"], archived=bool(row["archived"]),
    )


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_by_name(versions: list[ModelVersion]) -> dict[str, list[ModelVersion]]:
    """Versions grouped under their model's name, in the order they came."""
    models: dict[str, list[ModelVersion]] = {}
    for version in versions:
        models.setdefault(version.name, []).append(version)
    return models
