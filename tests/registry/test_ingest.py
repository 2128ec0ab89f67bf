"""Staging a file: the stored bytes and their hash agree whichever way the copy goes, holes stay
holes, and a file that changes while it is copied is refused."""

import errno
import hashlib
import os

import pytest

from aml_deploy.registry import ingest

MB = 1024 * 1024


def stage(source, target, progress=None):
    with ingest.Stager() as stager:
        return stager.copy(source.name, source, target, progress=progress)


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
    staged = stage(mixed_file, tmp_path / "staged")
    assert staged.size == mixed_file.stat().st_size
    assert staged.sha256 == sha256_of(mixed_file) == sha256_of(staged.staged)


def test_holes_stay_holes(tmp_path, mixed_file):
    staged = stage(mixed_file, tmp_path / "staged")
    allocated = os.stat(staged.staged).st_blocks * 512
    assert allocated < 16 * MB < staged.size  # about 8 MB of data in an 88 MB file


def test_copy_through_the_process_where_the_kernel_cannot(tmp_path, mixed_file, monkeypatch):
    def cross_device(*args):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", cross_device)
    staged = stage(mixed_file, tmp_path / "staged")
    assert staged.sha256 == sha256_of(mixed_file) == sha256_of(staged.staged)


def test_other_copy_errors_are_reported_not_hidden(tmp_path, mixed_file, monkeypatch):
    def failing_disk(*args):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "copy_file_range", failing_disk)
    with pytest.raises(ingest.ReadFailed) as raised:
        stage(mixed_file, tmp_path / "staged")
    assert raised.value.error.errno == errno.EIO


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

    with pytest.raises(ingest.SourceChanged):
        stage(path, tmp_path / "staged", progress=meanwhile)


def test_one_stager_copies_many_files_of_every_size(tmp_path, mixed_file):
    """The hashing buffers and threads are made once and reused: each file's hash is its own."""
    small = tmp_path / "small.bin"
    small.write_bytes(os.urandom(1000))
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    with ingest.Stager() as stager:
        copies = [
            stager.copy(path.name, path, tmp_path / f"copy-{i}") for i, path in enumerate([mixed_file, small, mixed_file, empty, small])
        ]
    for copy, source in zip(copies, [mixed_file, small, mixed_file, empty, small]):
        assert copy.sha256 == sha256_of(source) == sha256_of(copy.staged)
