"""The local model registry.

Layout of the registry root:
    registry.db                   SQLite (WAL): versions, their files, holds by local deployments,
                                  deleted versions, content checks (database.py)
    blobs/sha256/ab/<digest>      every file's content, stored once however many versions share it
    staging/<pid>-<random>/       registrations in progress
    mounts/<name>/<version>/...   hard-linked trees that containers mount read-only

Registration is atomic and durable: files are copied and hashed into staging (the slow part, no
lock held) and synced to disk in one pass; then, inside one write transaction, moved into blobs/
(their folders synced) and recorded. A process killed at any moment leaves either no version or a
complete one; what it leaves in staging or as unreferenced blobs is swept later, under the same
write lock, so a sweep never races a registration. A version, once given out, is never given out
again, even after it is deleted: `azureml:name:N` always means the same bytes.
"""

from __future__ import annotations

import builtins  # Registry.list shadows list in the class body
import datetime
import json
import os
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import checkout, database, ingest
from .content import Blobs, Damaged, Stamp, file_id
from .errors import InUse, NotFound, RegistryError, disk_error
from .files import NO_SPACE, free_bytes, kind_of, make_durable, process_alive
from .names import ModelReference, check_name, check_version
from .versions import MODEL_TYPES, ModelVersion, human_size

__all__ = ["Registry", "ModelVersion", "MODEL_TYPES", "Verification", "default_root", "human_size"]


def default_root() -> Path:
    configured = os.environ.get("AML_DEPLOY_REGISTRY")
    return Path(configured).expanduser() if configured else Path.home() / ".aml-deploy" / "registry"


@dataclass
class Verification:
    problems: list[str]
    versions: int = 0
    files: int = 0
    deep: bool = False

    def summary(self) -> str:
        checked = f"Checked {self.files} file(s) of {self.versions} version(s): present, sizes match"
        if self.deep:
            return f"{checked}, and every stored file was re-hashed."
        return f"{checked}, unchanged since last hashed (same inode and modification time); `verify --deep` re-hashes every byte."


class Registry:
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.db_path = self.root / "registry.db"
        self.blobs = Blobs(self.root)

    def exists(self) -> bool:
        return os.path.lexists(self.db_path)

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[database.Connection]:
        """Reading works on a registry that cannot be written; `write` refuses such a registry."""
        with database.connect(self.root, write) as connection:
            yield connection

    # -- registering -------------------------------------------------------------------------

    def register(
        self,
        path: Path,
        name: str,
        version: str | None = None,
        *,
        description: str = "",
        tags: dict | None = None,
        properties: dict | None = None,
        model_type: str = "custom_model",
        progress: Callable[[int, int], None] | None = None,
    ) -> ModelVersion:
        """Register the file or folder at `path` as a new version of `name`."""
        check_name(name)
        if version is not None:
            version = check_version(str(version))
        if model_type not in MODEL_TYPES:
            raise RegistryError(f"Unknown model type {model_type!r}: use {', '.join(MODEL_TYPES)}.")
        source = Path(path).expanduser()
        real = Path(os.path.realpath(source))
        self._refuse_holding_the_registry(real)
        sources = list(ingest.source_files(source))  # refuses outside links and special files up front
        with self._connect(write=True) as connection:
            if version is not None:
                self._refuse_taken(connection, name, version)
            staging = self._new_staging()
            try:
                staged = self._stage(sources, staging, progress)
                return self._commit(connection, real, name, version, description, tags or {}, properties or {}, model_type, staged)
            finally:
                shutil.rmtree(staging, ignore_errors=True)

    def _refuse_holding_the_registry(self, real: Path) -> None:
        """A folder that holds the registry would be copied while it changes (its database, the
        staging area filling with this very copy)."""
        registry = Path(os.path.realpath(self.root))
        if real == registry or real in registry.parents:
            raise RegistryError(f"{real} holds the model registry ({self.root}); register the model's own folder.")

    def _new_staging(self) -> Path:
        try:
            (self.root / "staging").mkdir(parents=True, exist_ok=True)
            self._sweep_staging()
            staging = self.root / "staging" / f"{os.getpid()}-{uuid.uuid4().hex}"
            staging.mkdir()
        except OSError as err:
            raise disk_error(err, self.root, "preparing to register; nothing was registered") from None
        return staging

    def _stage(
        self, sources: list[tuple[str, Path, int]], staging: Path, progress: Callable[[int, int], None] | None
    ) -> list[ingest.StagedFile]:
        """Copy and hash every file into `staging`, then sync them all to disk at once."""
        total, done, free = sum(size for _, _, size in sources), 0, free_bytes(self.root)

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if progress:
                progress(done, total)

        staged = []
        with ingest.Stager() as stager:
            for index, (relpath, real, _) in enumerate(sources):
                try:
                    staged.append(stager.copy(relpath, real, staging / f"{index:08d}", progress=advance))
                except (ingest.NotAFile, ingest.SourceChanged, ingest.SizeUnknown, ingest.ReadFailed, ingest.WriteFailed) as err:
                    raise self._staging_error(err, relpath, real, total, free) from None
        try:
            make_durable(staging, [item.staged for item in staged])  # their names are made durable in blobs/
        except OSError as err:
            raise disk_error(err, self.root, "writing the model to disk; nothing was registered") from None
        return staged

    def _staging_error(
        self,
        err: ingest.NotAFile | ingest.SourceChanged | ingest.SizeUnknown | ingest.ReadFailed | ingest.WriteFailed,
        relpath: str,
        source: Path,
        total: int,
        free: int | None,
    ) -> RegistryError:
        if isinstance(err, ingest.NotAFile):
            return RegistryError(f"{relpath} is {err.kind}, not a file ({source}); nothing was registered.")
        if isinstance(err, ingest.SourceChanged):
            return RegistryError(
                f"{relpath} changed while it was being registered ({source}), so nothing was "
                "registered. Register it once whatever is writing it has finished."
            )
        if isinstance(err, ingest.SizeUnknown):
            return RegistryError(
                f"{relpath} ({source}) is not a stored file: {err}. Its content is made up when it "
                "is read (as for files in /proc and /sys); copy it to an ordinary file and register "
                "that. Nothing was registered."
            )
        error = err.error
        if isinstance(err, ingest.ReadFailed):
            reason = "permission denied" if isinstance(error, PermissionError) else error.strerror
            return RegistryError(f"Cannot read {relpath}: {reason} ({source}).")
        if error.errno in NO_SPACE and free is not None:
            return disk_error(
                error,
                self.root,
                f"copying {relpath} in (the model is {human_size(total)}; {human_size(free)} was free); nothing was registered",
            )
        return disk_error(error, self.root, f"copying {relpath} in; nothing was registered")

    def _commit(
        self,
        connection,
        source: Path,
        name: str,
        version: str | None,
        description: str,
        tags: dict,
        properties: dict,
        model_type: str,
        staged: list[ingest.StagedFile],
    ) -> ModelVersion:
        with database.writing(connection):
            if version is None:
                version = str(self._next_number(connection, name))
            else:
                self._refuse_taken(connection, name, version)
            try:
                self.blobs.store(connection, staged)
            except OSError as err:
                raise disk_error(err, self.root, "storing the model; nothing was registered") from None
            number = int(version) if version.isdigit() else None
            cursor = connection.execute(
                "INSERT INTO versions (name, version, number, type, description, tags, properties, root_name, is_folder,"
                " size, file_count, source, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    name,
                    version,
                    number,
                    model_type,
                    description,
                    json.dumps(tags),
                    json.dumps(properties),
                    source.name,
                    int(source.is_dir()),
                    sum(s.size for s in staged),
                    len(staged),
                    _text(source),
                    _now(),
                ),
            )
            connection.executemany(
                "INSERT INTO files (version_id, relpath, sha256, size, executable) VALUES (?,?,?,?,?)",
                [(cursor.lastrowid, s.relpath, s.sha256, s.size, int(s.executable)) for s in staged],
            )
        return self.show(name, version)

    def _refuse_taken(self, connection, name: str, version: str) -> None:
        if self._find(connection, name, version) is not None:
            raise RegistryError(
                f"{name}:{version} already exists; versions never change once registered. Leave --version out to get the next one."
            )
        deleted = self._deleted_at(connection, name, version)
        if deleted:
            raise RegistryError(
                f"{name}:{version} was deleted on {deleted[:10]}; a version is never reused, so that "
                f"azureml:{name}:{version} never means other bytes. Choose another version, or leave "
                "--version out to get the next one."
            )

    @staticmethod
    def _next_number(connection, name: str) -> int:
        """One more than any number this name ever had, deleted versions included."""
        row = connection.execute(
            "SELECT max(number) FROM (SELECT number FROM versions WHERE name = ?"
            " UNION ALL SELECT number FROM retired_versions WHERE name = ?)",
            (name, name),
        ).fetchone()
        return (row[0] or 0) + 1

    @staticmethod
    def _deleted_at(connection, name: str, version: str) -> str | None:
        row = connection.execute("SELECT deleted_at FROM retired_versions WHERE name = ? AND version = ?", (name, version)).fetchone()
        return row[0] if row else None

    def _sweep_staging(self) -> None:
        """Remove staging folders of registrations whose process is gone."""
        for folder in (self.root / "staging").iterdir():
            pid = folder.name.split("-", 1)[0]
            if pid.isdigit() and not process_alive(int(pid)):
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
            return self._show(connection, name, version, label, with_files)

    def _show(self, connection, name: str, version: str | None, label: str | None = None, with_files: bool = False) -> ModelVersion:
        row = self._resolve_row(connection, name, version, label)
        model = _version(row)
        if with_files:
            model.files = [
                dict(relpath=f["relpath"], sha256=f["sha256"], size=f["size"], executable=bool(f["executable"]))
                for f in connection.execute("SELECT * FROM files WHERE version_id = ? ORDER BY relpath", (row["id"],))
            ]
        return model

    def resolve(self, reference: ModelReference) -> ModelVersion:
        return self.show(reference.name, reference.version, reference.label)

    def _resolve_row(self, connection, name: str, version: str | None, label: str | None):
        if version is not None:
            row = self._find(connection, name, version)
            if row is None:
                known = [
                    r["version"]
                    for r in connection.execute(
                        "SELECT version FROM versions WHERE name = ? ORDER BY coalesce(number, 0), version", (name,)
                    )
                ]
                where = f" (it has {', '.join(known)})" if known else ""
                deleted = self._deleted_at(connection, name, version)
                if deleted:
                    raise NotFound(
                        f"{name}:{version} was deleted on {deleted[:10]} from the registry at {self.root}"
                        f"{where}; its number is never given to other bytes."
                    )
                raise NotFound(f"No model {name}:{version} in the registry at {self.root}{where}.")
            return row
        if label not in (None, "latest"):
            raise NotFound(f"Unknown label @{label}: the local registry knows @latest only.")
        row = connection.execute(
            "SELECT * FROM versions WHERE name = ? AND archived = 0 ORDER BY coalesce(number, 0) DESC, created_at DESC LIMIT 1", (name,)
        ).fetchone()
        if row is None:
            raise NotFound(f"No model named {name} in the registry at {self.root}.")
        return row

    @staticmethod
    def _find(connection, name: str, version: str):
        return connection.execute("SELECT * FROM versions WHERE name = ? AND version = ?", (name, version)).fetchone()

    # -- changing ------------------------------------------------------------------------------

    def set_archived(self, name: str, version: str | None, archived: bool) -> builtins.list[ModelVersion]:
        with self._connect(write=True) as connection, database.writing(connection):
            if version is None:
                count = connection.execute("UPDATE versions SET archived = ? WHERE name = ?", (int(archived), name)).rowcount
            else:
                count = connection.execute(
                    "UPDATE versions SET archived = ? WHERE name = ? AND version = ?", (int(archived), name, version)
                ).rowcount
            if not count:
                raise NotFound(f"No model {name}{':' + version if version else ''} in the registry at {self.root}.")
        return self.list(name, include_archived=True) if version is None else [self.show(name, version)]

    def delete(self, name: str, version: str, force: bool = False, is_alive: Callable[[str], bool] | None = None) -> ModelVersion:
        """Delete one version (refused while a local deployment holds it, unless forced). Its
        number is remembered, never to be given out again."""
        with self._connect(write=True) as connection:
            with database.writing(connection):
                row = self._resolve_row(connection, name, version, None)
                holders = [
                    r["holder"] for r in connection.execute("SELECT holder FROM holds WHERE name = ? AND version = ?", (name, version))
                ]
                stale = [h for h in holders if is_alive is not None and not is_alive(h)]
                live = [h for h in holders if h not in stale]
                if live and not force:
                    raise InUse(
                        f"{name}:{version} is used by the local deployment {', '.join(live)}; delete that "
                        "deployment first, or pass --force."
                    )
                connection.execute("DELETE FROM holds WHERE name = ? AND version = ?", (name, version))
                connection.execute("DELETE FROM versions WHERE id = ?", (row["id"],))
                connection.execute(
                    "INSERT OR REPLACE INTO retired_versions (name, version, number, deleted_at) VALUES (?,?,?,?)",
                    (name, version, row["number"], _now()),
                )
            model = _version(row)
            self._collect_garbage(connection)
        shutil.rmtree(self.root / "mounts" / name / version, ignore_errors=True)
        return model

    def _collect_garbage(self, connection) -> int:
        """Delete blobs no version refers to, holding the write lock so that no registration can
        be relying on one of them at the same moment."""
        if not self.blobs.folder.exists():
            return 0
        removed = []
        with database.writing(connection):
            used = {row[0] for row in connection.execute("SELECT DISTINCT sha256 FROM files")}
            for folder in self.blobs.folder.iterdir():
                for blob in folder.iterdir():
                    if blob.name not in used:
                        blob.unlink(missing_ok=True)
                        removed.append(blob.name)
            self.blobs.forget(connection, removed)
        return len(removed)

    # -- local deployments hold the versions they mount ---------------------------------------

    def hold(self, name: str, version: str, holder: str) -> None:
        with self._connect(write=True) as connection, database.writing(connection):
            self._resolve_row(connection, name, version, None)
            connection.execute(
                "INSERT OR REPLACE INTO holds (name, version, holder, created_at) VALUES (?,?,?,?)", (name, version, holder, _now())
            )

    def release(self, holder: str) -> None:
        if not self.exists():
            return
        with self._connect(write=True) as connection, database.writing(connection):
            connection.execute("DELETE FROM holds WHERE holder = ?", (holder,))

    def holders(self, name: str, version: str) -> builtins.list[str]:
        with self._connect() as connection:
            return [
                r["holder"]
                for r in connection.execute("SELECT holder FROM holds WHERE name = ? AND version = ? ORDER BY holder", (name, version))
            ]

    # -- files out -------------------------------------------------------------------------------

    def download(self, name: str, version: str, destination: Path) -> Path:
        """Copy the version's files into `destination` (a writable copy, unlike the mounts), all or
        nothing, each checked against its hash as it is copied."""
        model = self.show(name, version, with_files=True)
        try:
            return checkout.download(self.blobs, model, Path(destination))
        except Damaged:
            self.show(name, version)  # NotFound if it was deleted while being downloaded
            raise

    def mount_path(self, name: str, version: str, check: bool = True) -> Path:
        """A read-only tree of the version's files, hard-linked to the blobs: what a container mounts.
        Built once, atomically; with `check`, every file in it is made sure to hold the registered
        bytes (hashed once, then trusted while its inode, size and modification time stay the same).
        Without it (for the linter, which reads only the names) nothing is read."""
        with self._connect() as connection:
            model = self._show(connection, name, version, with_files=True)
            return checkout.mount(self.blobs, connection, model, self.root / "mounts" / name / version, check)

    # -- consistency -----------------------------------------------------------------------------

    def verify(self, deep: bool = False) -> Verification:
        """Every version's files: present, regular files of the right size, and either unchanged
        since they were last hashed (quick) or hashed again now (deep)."""
        if not self.exists():
            return Verification([], deep=deep)
        with self._connect() as connection:
            versions = list(connection.execute("SELECT * FROM versions ORDER BY name, coalesce(number, 0), version"))
            files = list(connection.execute("SELECT * FROM files ORDER BY version_id, relpath"))
            known = self.blobs.stamps(connection, (item["sha256"] for item in files))
            by_version: dict[int, list] = {}
            for item in files:
                by_version.setdefault(item["version_id"], []).append(item)
            outcomes: dict[str, str | None] = {}
            new_stamps: list[Stamp] = []
            hashed_before = {stamp.sha256 for stamp in known.values()}
            problems = []
            for row in versions:
                mine = by_version.get(row["id"], [])
                if len(mine) != row["file_count"]:
                    problems.append(f"{row['name']}:{row['version']} lists {len(mine)} files, expected {row['file_count']}")
                for item in mine:
                    digest = item["sha256"]
                    if digest not in outcomes:
                        outcomes[digest] = self._verify_blob(digest, item["size"], known, hashed_before, deep, new_stamps)
                    if outcomes[digest]:
                        problems.append(f"{row['name']}:{row['version']}/{item['relpath']}: {outcomes[digest]}")
            self.blobs.record(connection, new_stamps)
        return Verification(problems, len(versions), len(files), deep)

    def _verify_blob(
        self, digest: str, size: int, known: dict[str, Stamp], hashed_before: set[str], deep: bool, new_stamps: builtins.list[Stamp]
    ) -> str | None:
        path = self.blobs.path(digest)
        if deep:
            finding = self.blobs.check(path, digest, size, known, rehash=True)
            if finding.stamp:
                new_stamps.append(finding.stamp)
            return finding.problem
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            return f"content missing (expected at {path})"
        except OSError as err:
            return f"cannot be read ({err.strerror}, {path})"
        if not stat.S_ISREG(status.st_mode):
            return f"{kind_of(status.st_mode)}, not a file, is stored at {path}"
        if status.st_size != size:
            return f"has {status.st_size} bytes instead of {size} ({path})"
        stamp = known.get(file_id(status))
        if digest in hashed_before and not (stamp and stamp.holds_for(status, digest)):
            return f"written or replaced since it was last hashed ({path}); `aml-deploy model verify --deep` re-hashes it"
        return None


def _version(row) -> ModelVersion:
    return ModelVersion(
        name=row["name"],
        version=row["version"],
        type=row["type"],
        description=row["description"],
        tags=json.loads(row["tags"]),
        properties=json.loads(row["properties"]),
        root_name=row["root_name"],
        is_folder=bool(row["is_folder"]),
        size=row["size"],
        file_count=row["file_count"],
        source=row["source"],
        created_at=row["created_at"],
        archived=bool(row["archived"]),
    )


def _text(path: Path) -> str:
    """A path as text for the record, whatever bytes its folders' names hold."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def group_by_name(versions: list[ModelVersion]) -> dict[str, list[ModelVersion]]:
    """Versions grouped under their model's name, in the order they came."""
    models: dict[str, list[ModelVersion]] = {}
    for version in versions:
        models.setdefault(version.name, []).append(version)
    return models
