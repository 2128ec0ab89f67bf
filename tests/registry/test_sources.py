"""What can be registered: regular files and folders of them. Anything else is refused, up front,
with what it is, and never read: a FIFO would block, /dev/zero never ends, a /proc file's size is a lie."""

import os
import threading

import pytest

from aml_deploy.registry import RegistryError, ingest
from tests.registry.conftest import blobs


def test_a_fifo_as_the_path_is_refused_as_a_fifo_without_blocking(cli, tmp_path):
    fifo = tmp_path / "model.bin"
    os.mkfifo(fifo)
    result = cli("create", "-n", "net", "-p", str(fifo), check=False, timeout=20)
    assert result.returncode == 1
    assert "a FIFO (named pipe), not a file or folder" in result.stderr and str(fifo) in result.stderr
    assert "Cannot read the folder" not in result.stderr


def test_dev_zero_as_the_path_is_refused_as_a_device(cli):
    result = cli("create", "-n", "net", "-p", "/dev/zero", check=False, timeout=20)
    assert result.returncode == 1
    assert "/dev/zero is a character device, not a file or folder" in result.stderr


def test_a_link_to_dev_zero_in_a_folder_is_refused(cli, model_folder):
    (model_folder / "zeros.bin").symlink_to("/dev/zero")
    result = cli("create", "-n", "net", "-p", str(model_folder), check=False, timeout=20)
    assert result.returncode == 1
    assert "zeros.bin" in result.stderr and "outside the folder" in result.stderr


def test_a_fifo_inside_a_folder_is_named_and_never_opened(registry, model_folder):
    os.mkfifo(model_folder / "sub" / "pipe")
    with pytest.raises(RegistryError, match=r"sub/pipe is a FIFO \(named pipe\), not a file"):
        registry.register(model_folder, "net")
    assert blobs(registry) == []


def test_a_file_swapped_for_a_fifo_after_the_walk_does_not_block(tmp_path):
    """The walk saw a file; by the time it is copied it is a FIFO. Opening it must not wait for a writer."""
    path = tmp_path / "model.bin"
    os.mkfifo(path)
    outcome = []

    def copy():
        try:
            with ingest.Stager() as stager:
                stager.copy("model.bin", path, tmp_path / "staged")
        except Exception as err:  # noqa: BLE001 - the outcome is what is checked
            outcome.append(err)

    worker = threading.Thread(target=copy, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "copying a FIFO blocked"
    assert isinstance(outcome[0], ingest.NotAFile) and "a FIFO (named pipe)" in str(outcome[0])


def test_proc_file_with_size_zero_is_refused_not_registered_empty(cli):
    result = cli("create", "-n", "status", "-p", "/proc/self/status", check=False, timeout=20)
    assert result.returncode == 1
    assert "/proc/self/status" in result.stderr and "made up when it is read" in result.stderr
    assert cli("list", "--format", "json").stdout.strip() in ("[]", "")


def test_symlink_loop_inside_a_folder_is_refused_clearly(cli, model_folder):
    (model_folder / "a").symlink_to("b")
    (model_folder / "b").symlink_to("a")
    result = cli("create", "-n", "net", "-p", str(model_folder), check=False)
    assert result.returncode == 1
    assert "a is a symbolic link that loops" in result.stderr


def test_symlink_to_itself_as_the_path_is_refused_clearly(cli, tmp_path):
    (tmp_path / "self").symlink_to("self")
    result = cli("create", "-n", "net", "-p", str(tmp_path / "self"), check=False)
    assert result.returncode == 1
    assert "is a symbolic link that loops" in result.stderr and "does not exist" not in result.stderr


def test_a_folder_link_back_up_is_walked_once(registry, model_folder):
    (model_folder / "sub" / "up").symlink_to("..")
    model = registry.register(model_folder, "net")
    assert model.file_count == 2


def test_newline_in_name_or_version_is_refused_by_the_cli(cli, model_folder):
    named = cli("create", "--name", "abc\n", "-p", str(model_folder), check=False)
    versioned = cli("create", "--name", "abc", "--version", "7\n", "-p", str(model_folder), check=False)
    assert named.returncode == versioned.returncode == 1
    assert "Invalid model name 'abc\\n'" in named.stderr and "Invalid model version '7\\n'" in versioned.stderr


def test_a_file_name_that_is_not_utf8_is_refused_clearly(cli, model_folder):
    (model_folder / os.fsdecode(b"\xff\xfe.bin")).write_bytes(b"x")
    result = cli("create", "-n", "net", "-p", str(model_folder), check=False)
    assert result.returncode == 1 and "\\xff\\xfe.bin has a name that is not UTF-8" in result.stderr


def test_an_empty_folder_is_refused(registry, tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    with pytest.raises(RegistryError, match="a folder with no files in it"):
        registry.register(tmp_path / "empty", "net")


def test_a_folder_holding_the_registry_is_refused(tmp_path, model_folder):
    from aml_deploy.registry import Registry

    registry = Registry(model_folder / "registry")
    with pytest.raises(RegistryError, match="holds the model registry"):
        registry.register(model_folder, "net")
    registry.register(model_folder / "weights.bin", "weights")
    with pytest.raises(RegistryError, match="holds the model registry"):
        registry.register(registry.root, "itself")
