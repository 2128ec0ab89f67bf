"""Staging a file: the stored bytes and their hash agree whichever way the copy goes, holes stay
holes, and a file that changes while it is copied is refused."""

import errno
import hashlib
import os

import pytest

from aml_deploy.registry import RegistryError, ingest

MB = 1024 * 1024


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(MB), b""):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def mixed_file(tmp_path):
    """Data, a 64 MB hole, more data not aligned to the chunk size, and a trailing hole."""
    path = tmp_path / "weights.bin"
    with open(path, "wb") as handle:
        handle.write(os.urandom(5 * MB + 123))
        handle.seek(64 * MB, os.SEEK_CUR)
        handle.write(os.urandom(3 * MB + 7))
        handle.truncate(handle.tell() + 16 * MB)
    return path


def test_stored_bytes_and_hash_match_the_source(tmp_path, mixed_file):
    staged = ingest.stage("weights.bin", mixed_file, tmp_path / "staged")
    assert staged.size == mixed_file.stat().st_size
    assert staged.sha256 == sha256_of(mixed_file) == sha256_of(staged.staged)


def test_holes_stay_holes(tmp_path, mixed_file):
    staged = ingest.stage("weights.bin", mixed_file, tmp_path / "staged")
    allocated = os.stat(staged.staged).st_blocks * 512
    assert allocated < 16 * MB < staged.size  # about 8 MB of data in an 88 MB file


def test_copy_through_the_process_where_the_kernel_cannot(tmp_path, mixed_file, monkeypatch):
    def cross_device(*args):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", cross_device)
    staged = ingest.stage("weights.bin", mixed_file, tmp_path / "staged")
    assert staged.sha256 == sha256_of(mixed_file) == sha256_of(staged.staged)


def test_other_copy_errors_are_reported_not_hidden(tmp_path, mixed_file, monkeypatch):
    def failing_disk(*args):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "copy_file_range", failing_disk)
    with pytest.raises(RegistryError, match="Input/output error"):
        ingest.stage("weights.bin", mixed_file, tmp_path / "staged")


@pytest.mark.parametrize("change", ["append", "truncate", "rewrite"])
def test_a_file_changed_while_copied_is_refused(tmp_path, change):
    path = tmp_path / "model.bin"
    path.write_bytes(os.urandom(12 * MB))

    def meanwhile(count):  # called after the first chunk: another program writes the file
        if change == "append":
            with open(path, "ab") as handle:
                handle.write(b"more")
        elif change == "truncate":
            os.truncate(path, 1 * MB)
        else:
            with open(path, "r+b") as handle:
                handle.seek(10 * MB)
                handle.write(b"x" * 100)
            os.utime(path, ns=(0, path.stat().st_mtime_ns + 1))  # a different mtime even on a coarse clock

    with pytest.raises(RegistryError, match="changed while it was being registered"):
        ingest.stage("model.bin", path, tmp_path / "staged", progress=meanwhile)
