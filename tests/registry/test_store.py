"""The local model registry: versions, immutability, shared content, refusals, and the database."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from aml_deploy.registry import Registry, RegistryError
from aml_deploy.registry.names import parse_reference
from tests.registry.conftest import blobs
from tests.support import ROOT, require


def test_register_folder_and_versions_increment(registry, model_folder):
    first = registry.register(model_folder, "net", description="first", tags={"stage": "dev"})
    second = registry.register(model_folder, "net")
    assert (first.version, second.version) == ("1", "2")
    shown = registry.show("net", "1", with_files=True)
    assert shown.description == "first" and shown.tags == {"stage": "dev"}
    assert shown.is_folder and shown.root_name == "model" and shown.file_count == 2
    assert [f["relpath"] for f in shown.files] == ["sub/config.json", "weights.bin"]


def test_identical_files_are_stored_once(registry, model_folder):
    registry.register(model_folder, "net")
    registry.register(model_folder, "net")
    registry.register(model_folder / "weights.bin", "weights")
    assert len(blobs(registry)) == 2


def test_explicit_version_and_existing_version(registry, model_folder):
    assert registry.register(model_folder, "net", "2024.1").version == "2024.1"
    with pytest.raises(RegistryError, match="already exists"):
        registry.register(model_folder, "net", "2024.1")
    assert registry.register(model_folder, "net").version == "1"  # numbers continue from numeric versions


def test_versions_never_change(registry, model_folder):
    registry.register(model_folder, "net")
    (model_folder / "weights.bin").write_bytes(b"changed")
    mounted = registry.mount_path("net", "1")
    assert (mounted / "weights.bin").read_bytes() != b"changed"
    stored = [p for p in (registry.root / "blobs").rglob("*") if p.is_file()]
    assert stored and all(p.stat().st_mode & 0o222 == 0 for p in stored)  # read-only


@pytest.mark.parametrize("name", ["", "-lead", "a/b", "with space", "x" * 256, "name:1", "abc\n", "naïve", "..", "a\x00"])
def test_bad_names_are_refused(registry, model_folder, name):
    with pytest.raises(RegistryError, match="Invalid model name"):
        registry.register(model_folder, name)
    assert not registry.list()


@pytest.mark.parametrize("version", ["7\n", "", "-1", "1/2", "x" * 101, "١", "1 ", "9" * 20])
def test_bad_versions_are_refused(registry, model_folder, version):
    with pytest.raises(RegistryError, match="Invalid model version"):
        registry.register(model_folder, "net", version)
    assert not registry.exists() or not registry.list()


def test_symlink_outside_the_folder_is_refused(registry, model_folder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not take me")
    (model_folder / "link").symlink_to(secret)
    with pytest.raises(RegistryError, match="outside the folder"):
        registry.register(model_folder, "net")
    assert not registry.exists() or not registry.list()


def test_symlink_inside_the_folder_is_followed(registry, model_folder):
    (model_folder / "alias.bin").symlink_to(model_folder / "weights.bin")
    model = registry.register(model_folder, "net")
    assert model.file_count == 3


def test_special_and_unreadable_files_register_nothing(registry, model_folder):
    os.mkfifo(model_folder / "pipe")
    with pytest.raises(RegistryError, match=r"pipe is a FIFO \(named pipe\), not a file"):
        registry.register(model_folder, "net")
    (model_folder / "pipe").unlink()
    (model_folder / "dangling").symlink_to(model_folder / "missing.bin")
    with pytest.raises(RegistryError, match="does not exist"):
        registry.register(model_folder, "net")
    assert not registry.exists() or registry.list() == []
    assert blobs(registry) == []


def test_permission_denied_registers_nothing(tmp_path):
    """Root reads any file, so as root the registration runs as `nobody` (the registry needs only
    the standard library, so Debian's own Python will do)."""
    shared = Path(tempfile.mkdtemp(prefix="aml-deploy-perm-"))
    try:
        shared.chmod(0o777)
        folder = shared / "model"
        folder.mkdir()
        (folder / "ok.bin").write_bytes(b"fine")
        (folder / "secret.bin").write_bytes(b"no")
        (folder / "secret.bin").chmod(0)
        code = (
            "import sys; from pathlib import Path; from aml_deploy.registry import Registry, RegistryError\n"
            f"r = Registry(Path({str(shared / 'registry')!r}))\n"
            f"try:\n    r.register(Path({str(folder)!r}), 'net')\nexcept RegistryError as e:\n    print(e); sys.exit(3)\n"
        )
        command = [sys.executable, "-c", code]
        if os.geteuid() == 0:
            python = shutil.which("python3", path="/usr/bin")
            require(python is not None and shutil.which("runuser") is not None, "runuser and /usr/bin/python3 are needed")
            command = ["runuser", "-u", "nobody", "--", python, "-c", code]
        result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "server")})
        assert result.returncode == 3, result.stderr
        assert "Cannot read secret.bin: permission denied" in result.stdout
        registry = Registry(shared / "registry")
        assert registry.list() == [] and blobs(registry) == []
    finally:
        (shared / "model" / "secret.bin").chmod(0o600)
        shutil.rmtree(shared)


def test_missing_path(registry, tmp_path):
    with pytest.raises(RegistryError, match="does not exist"):
        registry.register(tmp_path / "nope", "net")


def test_latest_skips_archived_and_restore(registry, model_folder):
    registry.register(model_folder, "net")
    registry.register(model_folder, "net")
    registry.set_archived("net", "2", True)
    assert registry.resolve(parse_reference("azureml:net@latest")).version == "1"
    assert [m.version for m in registry.list()] == ["1"]
    assert [m.version for m in registry.list(archived_only=True)] == ["2"]
    registry.set_archived("net", "2", False)
    assert registry.resolve(parse_reference("azureml:net")).version == "2"


def test_delete_refused_while_held(registry, model_folder):
    registry.register(model_folder, "net")
    registry.hold("net", "1", "sample-endpoint.blue")
    with pytest.raises(RegistryError, match="sample-endpoint.blue"):
        registry.delete("net", "1", is_alive=lambda holder: True)
    registry.delete("net", "1", is_alive=lambda holder: False)  # the container is gone: a stale hold
    assert registry.list() == [] and blobs(registry) == []


def test_force_delete_and_shared_blobs_survive(registry, model_folder):
    registry.register(model_folder, "net")
    registry.register(model_folder, "net")
    registry.hold("net", "1", "c")
    registry.delete("net", "1", force=True, is_alive=lambda holder: True)
    assert len(blobs(registry)) == 2  # version 2 still uses them
    assert registry.verify(deep=True).problems == []


def test_download_is_a_writable_copy(registry, model_folder, tmp_path):
    registry.register(model_folder, "net")
    target = registry.download("net", "1", tmp_path / "out")
    assert (target / "sub" / "config.json").read_text() == '{"layers": 3}'
    (target / "weights.bin").write_bytes(b"mine now")
    assert registry.verify(deep=True).problems == []


def test_mount_is_read_only_and_reused(registry, model_folder):
    registry.register(model_folder, "net")
    first = registry.mount_path("net", "1")
    assert first.name == "model" and (first / "weights.bin").exists()
    assert (first / "weights.bin").stat().st_mode & 0o222 == 0
    assert registry.mount_path("net", "1") == first


def test_single_file_model(registry, model_folder):
    model = registry.register(model_folder / "weights.bin", "weights")
    assert not model.is_folder and model.root_name == "weights.bin"
    assert registry.mount_path("weights", "1").read_bytes() == (model_folder / "weights.bin").read_bytes()


def test_verify_finds_missing_and_changed_content(registry, model_folder):
    registry.register(model_folder, "net")
    stored = [p for p in (registry.root / "blobs").rglob("*") if p.is_file()]
    stored[0].chmod(0o644)
    stored[0].write_bytes(b"tampered" + bytes(len(stored[0].read_bytes()) - 8))
    assert any("does not match" in p for p in registry.verify(deep=True).problems)
    stored[1].unlink()
    assert any("missing" in p for p in registry.verify().problems)


def test_corrupt_database_is_reported_not_overwritten(registry, model_folder):
    registry.root.mkdir(parents=True)
    registry.db_path.write_bytes(b"this is not a database at all" * 10)
    before = registry.db_path.read_bytes()
    with pytest.raises(RegistryError, match="not an SQLite database"):
        registry.register(model_folder, "net")
    with pytest.raises(RegistryError):
        registry.list()
    assert registry.db_path.read_bytes() == before


def test_damaged_sqlite_is_reported(registry, model_folder):
    registry.register(model_folder, "net")
    data = bytearray(registry.db_path.read_bytes())
    data[100:4096] = os.urandom(3996)
    for sidecar in ("-wal", "-shm"):
        (registry.root / f"registry.db{sidecar}").unlink(missing_ok=True)
    registry.db_path.write_bytes(bytes(data))
    with pytest.raises(RegistryError):
        registry.list()
    assert registry.db_path.read_bytes() == bytes(data)


def test_foreign_database_is_refused(registry, model_folder):
    registry.root.mkdir(parents=True)
    connection = sqlite3.connect(registry.db_path)
    connection.execute("CREATE TABLE invoices (id INTEGER)")
    connection.commit()
    connection.close()
    before = registry.db_path.read_bytes()
    with pytest.raises(RegistryError, match="another program"):
        registry.register(model_folder, "net")
    assert registry.db_path.read_bytes() == before


def test_newer_schema_is_refused(registry, model_folder):
    registry.register(model_folder, "net")
    connection = sqlite3.connect(registry.db_path)
    connection.execute("PRAGMA user_version = 99")
    connection.commit()
    connection.close()
    with pytest.raises(RegistryError, match="newer AML Deploy"):
        registry.list()


def test_references():
    assert parse_reference("azureml:net:3").version == "3"
    assert parse_reference("azureml:net@latest").label == "latest"
    assert parse_reference("azureml:net").version is None
    assert parse_reference("azureml://registries/r/models/m/versions/1") is None
    assert parse_reference("net:1") is None
