"""Real full disks and read-only registries (a small tmpfs, a read-only bind mount): the messages
say what happened, nothing is half-done, and reading keeps working."""

import json
import os
from pathlib import Path

from aml_deploy.registry import Registry
from tests.registry.conftest import blobs, fill

MB = 1024 * 1024


def test_running_out_of_space_while_staging_says_the_disk_is_full(cli, mounts, tmp_path):
    disk = mounts.small_disk(8 * MB)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 * MB))
    result = cli("create", "-n", "big", "-p", str(big), registry=disk / "registry", check=False)
    assert result.returncode == 1
    assert "No space left" in result.stderr and str(disk) in result.stderr and "Cannot read" not in result.stderr
    assert "nothing was registered" in result.stderr
    registry = Registry(disk / "registry")
    assert registry.list() == [] and blobs(registry) == []
    assert list((disk / "registry" / "staging").iterdir()) == []


def test_a_full_disk_is_called_full_not_damaged(cli, mounts, model_folder):
    disk = mounts.small_disk(16 * MB)
    root = disk / "registry"
    cli("create", "-n", "net", "-p", str(model_folder), registry=root)
    fill(disk)
    results = [
        cli("create", "-n", "net", "-p", str(model_folder), registry=root, check=False),
        cli("archive", "-n", "net", "-v", "1", registry=root, check=False),
        cli("delete", "-n", "net", "-v", "1", "--yes", registry=root, check=False),
    ]
    for result in results:
        assert result.returncode == 1
        assert "damaged" not in result.stderr and "disk" in result.stderr and "full" in result.stderr, result.stderr
    listed = cli("list", "--format", "json", registry=root)
    assert [m["version"] for m in json.loads(listed.stdout)] == ["1"]
    assert cli("verify", "--deep", registry=root).returncode == 0


def test_a_download_onto_a_full_disk_says_so_and_leaves_nothing(cli, mounts, tmp_path):
    disk = mounts.small_disk(4 * MB)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(6 * MB))
    cli("create", "-n", "big", "-p", str(big))
    result = cli("download", "-n", "big", "-v", "1", "-p", str(disk), check=False)
    assert result.returncode == 1 and "No space left" in result.stderr and str(disk) in result.stderr
    assert list(disk.iterdir()) == []


def test_a_read_only_registry_can_be_read(cli, mounts, model_folder, tmp_path):
    cli("create", "-n", "net", "-p", str(model_folder), "--tag", "a=b")
    view = mounts.read_only_view(tmp_path / "registry")
    listed = json.loads(cli("list", "--format", "json", registry=view).stdout)
    assert [(m["name"], m["version"]) for m in listed] == [("net", "1")]
    assert json.loads(cli("show", "-n", "net", "-v", "1", "-o", "json", registry=view).stdout)["tags"] == {"a": "b"}
    cli("download", "-n", "net", "-v", "1", "-p", str(tmp_path / "out"), registry=view)
    assert (tmp_path / "out" / "model" / "weights.bin").read_bytes() == (model_folder / "weights.bin").read_bytes()
    assert cli("verify", "--deep", registry=view).returncode == 0


def test_writing_to_a_read_only_registry_says_it_is_read_only(cli, mounts, model_folder, tmp_path):
    cli("create", "-n", "net", "-p", str(model_folder))
    view = mounts.read_only_view(tmp_path / "registry")
    for args in (("create", "-n", "net", "-p", str(model_folder)), ("archive", "-n", "net"), ("delete", "-n", "net", "-v", "1", "--yes")):
        result = cli(*args, registry=view, check=False)
        assert result.returncode == 1 and "read-only" in result.stderr and "damaged" not in result.stderr, result.stderr


def test_a_read_only_registry_left_by_a_killed_writer_still_reads(mounts, model_folder, tmp_path):
    """A writer killed before SQLite checkpointed leaves registry.db-wal behind: its last version is
    only in the WAL, and a read-only reader must see it."""
    import sqlite3

    registry = Registry(tmp_path / "registry")
    registry.register(model_folder, "net")
    holder = sqlite3.connect(registry.db_path)  # keeps the WAL from being checkpointed away
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("SELECT 1").fetchall()
    registry.register(model_folder, "net")
    view = mounts.read_only_view(tmp_path / "registry")
    assert [m.version for m in Registry(view).list()] == ["1", "2"]
    holder.close()


def test_a_registry_without_write_permission_reads_and_says_why_it_cannot_write(model_folder):
    """Root may write anywhere, so the reader is `nobody` (the registry needs only the standard
    library, so Debian's own Python will do)."""
    import shutil
    import subprocess
    import tempfile

    from tests.support import ROOT, require

    python = shutil.which("python3", path="/usr/bin")
    require(
        os.geteuid() == 0 and python is not None and shutil.which("runuser") is not None,
        "root, runuser and /usr/bin/python3 are needed to run as another user",
    )
    shared = Path(tempfile.mkdtemp(prefix="aml-deploy-ro-"))
    try:
        shared.chmod(0o755)
        Registry(shared / "registry").register(model_folder, "net")
        subprocess.run(["chmod", "-R", "a+rX", str(shared / "registry")], check=True)

        def as_nobody(*args):
            return subprocess.run(
                ["runuser", "-u", "nobody", "--", python, "-m", "aml_deploy", "model", "--registry", str(shared / "registry"), *args],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT / "server")},
                cwd="/",
            )

        listed = as_nobody("list", "--format", "json")
        assert listed.returncode == 0, listed.stderr
        assert [m["version"] for m in json.loads(listed.stdout)] == ["1"]
        (shared / "new.bin").write_bytes(b"new")
        (shared / "new.bin").chmod(0o644)
        refused = as_nobody("create", "-n", "net", "-p", str(shared / "new.bin"))
        assert refused.returncode == 1 and "read-only (no permission to write" in refused.stderr, refused.stderr
        assert "Traceback" not in listed.stderr + refused.stderr
    finally:
        shutil.rmtree(shared)


def test_a_read_only_registry_mounts_what_it_has_and_says_why_it_cannot_build_more(mounts, model_folder, tmp_path):
    import pytest

    from aml_deploy.registry import RegistryError

    registry = Registry(tmp_path / "registry")
    registry.register(model_folder, "net")
    registry.register(model_folder / "weights.bin", "weights")
    built = registry.mount_path("net", "1")
    view = Registry(mounts.read_only_view(tmp_path / "registry"))
    mounted = view.mount_path("net", "1")
    assert (mounted / "weights.bin").read_bytes() == (built / "weights.bin").read_bytes()
    with pytest.raises(RegistryError, match=r"cannot be written \(it is on a read-only filesystem\)"):
        view.mount_path("weights", "1")
