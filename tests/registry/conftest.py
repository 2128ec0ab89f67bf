"""Fixtures of the registry tests: a registry, a small model, the CLI as a user runs it, and real
filesystems for the cases a patch cannot stand in for (a full disk, a read-only registry)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aml_deploy.registry import Registry
from tests.support import require


@pytest.fixture
def registry(tmp_path):
    return Registry(tmp_path / "registry")


@pytest.fixture
def model_folder(tmp_path):
    folder = tmp_path / "model"
    (folder / "sub").mkdir(parents=True)
    (folder / "weights.bin").write_bytes(os.urandom(100_000))
    (folder / "sub" / "config.json").write_text('{"layers": 3}')
    return folder


def blobs(registry: Registry) -> list[str]:
    return sorted(p.name for p in (registry.root / "blobs").rglob("*") if p.is_file())


def blob_of(registry: Registry, name: str, version: str, relpath: str) -> Path:
    [item] = [f for f in registry.show(name, version, with_files=True).files if f["relpath"] == relpath]
    digest = item["sha256"]
    return registry.root / "blobs" / "sha256" / digest[:2] / digest


def flip_a_byte(path: Path, offset: int = 0) -> None:
    """What a failing disk or a careless editor does to a stored file."""
    path.chmod(0o644)
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))
    path.chmod(0o444)


@pytest.fixture
def cli(tmp_path):
    """`aml-deploy model ...` against tmp_path/registry (or another registry given as `registry=`)."""

    def command(*args, check=True, registry: Path | None = None, timeout: float = 120):
        root = registry or tmp_path / "registry"
        result = subprocess.run(
            [sys.executable, "-m", "aml_deploy", "model", "--registry", str(root), *args],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
        if check:
            assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        return result

    return command


def _mounting_allowed() -> bool:
    return os.geteuid() == 0 and subprocess.run(["mount", "--version"], capture_output=True).returncode == 0


@pytest.fixture
def mounts(tmp_path):
    """Real filesystems for one test: `mounts.small_disk(bytes)` (a tmpfs of that size) and
    `mounts.read_only_view(folder)` (a read-only bind mount of the folder). All are unmounted after."""
    require(_mounting_allowed(), "mounting a tmpfs or a read-only bind mount needs root")
    made: list[Path] = []
    counter = itertools.count()

    def mount(arguments: list[str], point: Path) -> Path:
        point.mkdir()
        result = subprocess.run(["mount", *arguments, str(point)], capture_output=True, text=True)
        require(result.returncode == 0, f"cannot mount here: {result.stderr.strip()}")
        made.append(point)
        return point

    class Mounts:
        @staticmethod
        def small_disk(size: int) -> Path:
            return mount(["-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs"], tmp_path / f"disk-{next(counter)}")

        @staticmethod
        def read_only_view(folder: Path) -> Path:
            point = mount(["--bind", str(folder)], tmp_path / f"read-only-{next(counter)}")
            subprocess.run(["mount", "-o", "remount,bind,ro", str(point)], check=True)
            return point

    yield Mounts()
    for point in reversed(made):
        if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill `disk` until at most `leave` bytes are free (on a tmpfs: exactly what ENOSPC looks like)."""
    filler = disk / f"filler-{len(list(disk.glob('filler-*')))}"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        while (free := _free(disk)) > leave:
            try:
                os.write(fd, b"\xa5" * max(1, min(1 << 20, free - leave)))
            except OSError:
                break
    finally:
        os.close(fd)
    return filler


def _free(disk: Path) -> int:
    status = os.statvfs(disk)
    return status.f_bavail * status.f_frsize
