"""Files out of the registry: a download (a writable copy in a folder of the user's) and the
read-only mount tree a deployment mounts. Both hand out only bytes that match their hash.

A download is hashed as it is copied (it reads every byte anyway), written under a temporary name
beside its destination, made durable and only then renamed into place: a download that is killed
leaves no file under the final name, and the next one sweeps what it left.

A mount tree is hard-linked to the blobs and checked on every use against the recorded checks
(content.py): a file that no longer matches is linked afresh from its blob, a file that does not
belong is removed, and a blob that no longer matches is refused."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path, PurePosixPath

from .content import Blobs, Damaged
from .database import Connection
from .errors import ReadOnly, RegistryError, disk_error
from .files import fsync_folder, make_durable, process_alive
from .ingest import NotAFile, ReadFailed, SizeUnknown, SourceChanged, Stager, WriteFailed
from .versions import ModelVersion

_PARTIAL = ".aml-deploy-partial-"


def download(blobs: Blobs, model: ModelVersion, destination: Path) -> Path:
    """Copy the version's files into `destination`/<its file or folder name>, all or nothing."""
    target = destination / model.root_name
    if os.path.lexists(target):
        raise RegistryError(f"{target} already exists; choose another --download-path.")
    _refuse_missing_blobs(blobs, model)
    created = not os.path.lexists(destination)
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise disk_error(err, destination, f"creating the folder {destination}") from None
    _sweep_partials(destination)
    partial = destination / f".{model.root_name}{_PARTIAL}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        files, folders = _copy_out(blobs, model, partial)
        make_durable(destination, files, folders)
        _publish(partial, target)
    except BaseException as err:
        _remove(partial)
        if created:
            _remove_if_empty(destination)
        if isinstance(err, OSError):
            raise disk_error(err, destination, f"downloading {model.reference}; nothing was downloaded") from None
        raise
    _remove(partial)  # a single file was linked to its final name
    return target


def _refuse_missing_blobs(blobs: Blobs, model: ModelVersion) -> None:
    for item in model.files:
        blob = blobs.path(item["sha256"])
        if not os.path.lexists(blob):
            raise Damaged(
                f"The registry is missing the content of {model.label}/"
                f"{item['relpath']} (blob sha256 {item['sha256']}, expected at {blob}); nothing was written. "
                "Register the model again from its original files to restore it."
            )


def _copy_out(blobs: Blobs, model: ModelVersion, partial: Path) -> tuple[list[Path], set[Path]]:
    """Copy every file to its place under `partial`, checking each against its hash."""
    files: list[Path] = []
    folders: set[Path] = set()  # made under `partial`: their entries are synced with the files
    if model.is_folder:
        partial.mkdir()
        folders.add(partial)
    with Stager() as stager:
        for item in model.files:
            path = partial.joinpath(*_parts(item["relpath"])) if model.is_folder else partial
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.update(p for p in [path.parent, *path.parent.parents] if partial in p.parents)
            shown = f"{model.label}/{item['relpath']}"
            try:
                copied = stager.copy(item["relpath"], blobs.path(item["sha256"]), path, mode=0o755 if item.get("executable") else 0o644)
            except (NotAFile, SizeUnknown, SourceChanged, ReadFailed) as err:
                raise Damaged(
                    f"The registry's copy of {shown} cannot be read ({err}); nothing was downloaded. "
                    "`aml-deploy model verify` checks the whole registry."
                ) from None
            except WriteFailed as err:
                raise err.error from None
            if copied.sha256 != item["sha256"]:
                raise Damaged(
                    f"The registry's copy of {shown} does not match its hash (sha256 {copied.sha256} is "
                    f"stored, {item['sha256']} was registered): it was changed or damaged on disk, so it was "
                    "not handed out and nothing was downloaded. Register the model again from its original "
                    "files to repair it; `aml-deploy model verify --deep` lists every damaged file."
                )
            files.append(path)
    return files, folders


def _publish(partial: Path, target: Path) -> None:
    """Rename the finished copy to its final name, never over something that appeared meanwhile."""
    if partial.is_dir():
        if os.path.lexists(target):
            raise RegistryError(f"{target} appeared while downloading; nothing was overwritten.")
        os.rename(partial, target)
    else:
        try:
            os.link(partial, target)  # fails if the name is taken, unlike rename
        except FileExistsError:
            raise RegistryError(f"{target} appeared while downloading; nothing was overwritten.") from None
        except OSError:  # a filesystem without hard links
            if os.path.lexists(target):
                raise RegistryError(f"{target} appeared while downloading; nothing was overwritten.") from None
            os.rename(partial, target)
    fsync_folder(target.parent)


def _sweep_partials(destination: Path) -> None:
    """Remove what downloads or mount builds killed midway left in `destination` (their process is gone)."""
    try:
        names = [name for name in os.listdir(destination) if _PARTIAL in name and name.startswith(".")]
    except OSError:
        return
    for name in names:
        pid = name.rsplit(_PARTIAL, 1)[1].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            _remove(destination / name)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def _parts(relpath: str) -> tuple[str, ...]:
    relative = PurePosixPath(relpath)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise RegistryError(f"Refusing to write {relpath}: it leaves the model's folder.")
    return relative.parts


# -- mount trees -------------------------------------------------------------------------------------


def mount(blobs: Blobs, connection: Connection, model: ModelVersion, folder: Path, check: bool = True) -> Path:
    """The version's read-only tree under `folder` (mounts/<name>/<version>), built once, atomically,
    and (when `check`) checked: what it hands out matches the registered hashes."""
    final = folder / model.root_name
    for place in (folder.parent.parent, folder.parent, folder):
        if os.path.islink(place):  # mounts/<name>/<version> are folders of the registry's own, never links out of it
            _remove(place)
    if os.path.islink(final) or (model.is_folder and os.path.lexists(final) and not final.is_dir()):
        _remove(folder)  # not what was built here: build it again
    if not os.path.lexists(final):
        if connection.read_only:
            raise ReadOnly(
                f"{model.reference} has no mount tree yet, and the registry cannot be written "
                f"({connection.why_read_only}): it cannot be deployed from here."
            )
        _refuse_missing_blobs(blobs, model)
        _build(blobs, model, folder)
    if check:
        _check_tree(blobs, connection, model, final)
    return final


def _build(blobs: Blobs, model: ModelVersion, folder: Path) -> None:
    _sweep_partials(folder.parent)
    building = folder.parent / f".{folder.name}{_PARTIAL}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        root = building / model.root_name
        if model.is_folder:
            root.mkdir(parents=True)
        for item in model.files:
            path = root.joinpath(*_parts(item["relpath"])) if model.is_folder else root
            path.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(blobs.path(item["sha256"]), path)
        try:
            os.rename(building, folder)
        except OSError:
            if not folder.exists():
                raise  # not "another process finished first"
    except OSError as err:
        raise disk_error(err, folder, f"building the mount tree of {model.reference}") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)


def _link_or_copy(blob: Path, path: Path) -> None:
    try:
        os.link(blob, path)
    except OSError:  # a filesystem without hard links: a read-only copy, checked like any stored file
        shutil.copyfile(blob, path)
        os.chmod(path, 0o444)


def _check_tree(blobs: Blobs, connection: Connection, model: ModelVersion, final: Path) -> None:
    expected = {(final.joinpath(*_parts(item["relpath"])) if model.is_folder else final): item for item in model.files}
    known = blobs.stamps(connection, (item["sha256"] for item in model.files))
    stamps = []
    for path, item in expected.items():
        finding = blobs.check(path, item["sha256"], item["size"], known)
        if finding.problem:
            finding = _put_back(blobs, connection, model, item, path, known)
        if finding.stamp:
            known[finding.stamp.file_id] = finding.stamp
            stamps.append(finding.stamp)
    if model.is_folder:
        _remove_strays(final, set(expected), connection, model)
    try:
        blobs.record(connection, stamps)
    except RegistryError:
        pass  # a full disk: the checks will be made again next time


def _put_back(blobs: Blobs, connection: Connection, model: ModelVersion, item: dict, path: Path, known: dict):
    """Link the file afresh from its blob, once the blob itself is checked."""
    shown = f"{model.label}/{item['relpath']}"
    blob = blobs.path(item["sha256"])
    finding = blobs.check(blob, item["sha256"], item["size"], known)
    if finding.problem:
        raise Damaged(
            f"The registry's copy of {shown} {finding.problem}: it was changed or damaged on disk, so it is "
            "not handed out. Register the model again from its original files to repair it; "
            "`aml-deploy model verify --deep` lists every damaged file."
        )
    if connection.read_only:
        raise ReadOnly(
            f"The mount tree of {model.reference} does not match the registry at {path}, and the registry "
            f"cannot be written ({connection.why_read_only}), so it cannot be repaired."
        )
    spare = path.with_name(f".{path.name}-{uuid.uuid4().hex[:8]}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(blob, spare)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(spare, path)
    except OSError as err:
        _remove(spare)
        raise disk_error(err, path, f"repairing the mount tree of {model.reference}") from None
    return finding


def _remove_strays(final: Path, expected: set[Path], connection: Connection, model: ModelVersion) -> None:
    """Anything in the tree that is not one of the version's files (or a folder on the way to one)."""
    needed = {parent for path in expected for parent in path.parents if final in parent.parents or parent == final}
    for folder, dirs, names in os.walk(final):
        here = Path(folder)
        for name in dirs + names:
            path = here / name
            if path in expected or (path in needed and name in dirs and not path.is_symlink()):
                continue
            if connection.read_only:
                raise ReadOnly(
                    f"The mount tree of {model.reference} holds {path}, which is not part of it, and the "
                    f"registry cannot be written ({connection.why_read_only}), so it cannot be repaired."
                )
            _remove(path)
        dirs[:] = [d for d in dirs if here / d in needed]
