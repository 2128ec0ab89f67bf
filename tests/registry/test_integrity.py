"""The trees that deployments mount hold exactly the registered bytes; `verify` says what it checks."""

import os
import shutil

import pytest

from aml_deploy.registry import RegistryError
from tests.registry.conftest import blob_of, flip_a_byte


def test_a_tampered_blob_is_not_mounted(registry, model_folder):
    registry.register(model_folder, "net")
    registry.mount_path("net", "1")
    flip_a_byte(blob_of(registry, "net", "1", "weights.bin"), offset=99_999)
    with pytest.raises(RegistryError, match=r"net:1/weights.bin.*does not match"):
        registry.mount_path("net", "1")


def test_a_tampered_blob_is_not_mounted_the_first_time_either(registry, model_folder):
    registry.register(model_folder, "net")
    flip_a_byte(blob_of(registry, "net", "1", "sub/config.json"))
    with pytest.raises(RegistryError, match=r"net:1/sub/config.json.*does not match"):
        registry.mount_path("net", "1")


def test_a_file_replaced_inside_a_mount_is_put_back(registry, model_folder):
    registry.register(model_folder, "net")
    mounted = registry.mount_path("net", "1")
    (mounted / "weights.bin").unlink()
    (mounted / "weights.bin").write_bytes(b"something else")
    (mounted / "sub" / "extra.py").write_text("import os")
    assert registry.mount_path("net", "1") == mounted
    assert (mounted / "weights.bin").read_bytes() == (model_folder / "weights.bin").read_bytes()
    assert sorted(p.relative_to(mounted).as_posix() for p in mounted.rglob("*") if p.is_file()) == ["sub/config.json", "weights.bin"]


def test_a_mount_is_repaired_by_registering_the_good_bytes_again(registry, model_folder):
    registry.register(model_folder, "net")
    registry.mount_path("net", "1")
    flip_a_byte(blob_of(registry, "net", "1", "weights.bin"))
    registry.register(model_folder, "again")
    mounted = registry.mount_path("net", "1")
    assert (mounted / "weights.bin").read_bytes() == (model_folder / "weights.bin").read_bytes()


def test_quick_verify_notices_a_blob_written_since_it_was_hashed(registry, model_folder):
    registry.register(model_folder, "net")
    assert registry.verify().problems == []
    flip_a_byte(blob_of(registry, "net", "1", "weights.bin"))
    [problem] = registry.verify().problems
    assert "net:1/weights.bin" in problem and "verify --deep" in problem
    [deep] = registry.verify(deep=True).problems
    assert "net:1/weights.bin" in deep and "does not match" in deep


def test_deep_verify_finds_a_change_that_kept_size_and_time(registry, model_folder):
    registry.register(model_folder, "net")
    blob = blob_of(registry, "net", "1", "weights.bin")
    before = blob.stat()
    flip_a_byte(blob)
    os.utime(blob, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert any("does not match" in p for p in registry.verify(deep=True).problems)


def test_a_blob_that_is_not_a_file_is_a_problem_not_a_hang(registry, model_folder):
    registry.register(model_folder, "net")
    blob = blob_of(registry, "net", "1", "weights.bin")
    blob.unlink()
    os.mkfifo(blob)
    assert any("FIFO" in p for p in registry.verify(deep=True).problems)
    with pytest.raises(RegistryError, match="FIFO"):
        registry.mount_path("net", "1")


def test_verify_cli_says_what_it_checked(cli, model_folder):
    cli("create", "-n", "net", "-p", str(model_folder))
    quick = cli("verify").stdout
    deep = cli("verify", "--deep").stdout
    assert "2 file(s) of 1 version(s)" in quick and "present, sizes" in quick
    assert "re-hashed" in deep


def test_a_mount_folder_swapped_for_a_link_out_of_the_registry_is_rebuilt(registry, model_folder, tmp_path):
    registry.register(model_folder, "net")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    registry.mount_path("net", "1")
    mounts = registry.root / "mounts" / "net"
    shutil.rmtree(mounts)
    mounts.symlink_to(elsewhere)
    mounted = registry.mount_path("net", "1")
    assert not (registry.root / "mounts" / "net").is_symlink() and list(elsewhere.iterdir()) == []
    assert (mounted / "weights.bin").read_bytes() == (model_folder / "weights.bin").read_bytes()
