"""Downloads are atomic and hand out only bytes that match their hash."""

import os
import signal
import subprocess
import sys
import time

import pytest

from aml_deploy.registry import RegistryError
from tests.registry.conftest import blob_of, flip_a_byte

MB = 1024 * 1024


def entries(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_of_a_file_and_a_folder(registry, model_folder, tmp_path):
    registry.register(model_folder, "net")
    registry.register(model_folder / "weights.bin", "weights")
    folder = registry.download("net", "1", tmp_path / "out")
    single = registry.download("weights", "1", tmp_path / "out")
    assert (folder / "weights.bin").read_bytes() == single.read_bytes() == (model_folder / "weights.bin").read_bytes()
    assert (folder / "sub" / "config.json").read_text() == '{"layers": 3}'
    assert entries(tmp_path / "out") == ["model", "weights.bin"]  # nothing else left behind


def test_download_refuses_to_overwrite(registry, model_folder, tmp_path):
    registry.register(model_folder / "weights.bin", "weights")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "weights.bin").write_bytes(b"mine")
    with pytest.raises(RegistryError, match="already exists"):
        registry.download("weights", "1", tmp_path / "out")
    assert (tmp_path / "out" / "weights.bin").read_bytes() == b"mine"
    assert entries(tmp_path / "out") == ["weights.bin"]


def test_a_missing_blob_names_it_and_leaves_nothing(registry, model_folder, tmp_path):
    registry.register(model_folder, "net")
    blob = blob_of(registry, "net", "1", "sub/config.json")
    blob.unlink()
    with pytest.raises(RegistryError) as raised:
        registry.download("net", "1", tmp_path / "out")
    assert "net:1/sub/config.json" in str(raised.value) and blob.name in str(raised.value)
    assert entries(tmp_path / "out") == []


def test_a_tampered_blob_is_not_served(cli, registry, model_folder, tmp_path):
    registry.register(model_folder, "net")
    flip_a_byte(blob_of(registry, "net", "1", "weights.bin"), offset=50_000)
    result = cli("download", "-n", "net", "-v", "1", "-p", str(tmp_path / "out"), check=False)
    assert result.returncode == 1
    assert "net:1/weights.bin" in result.stderr and "does not match" in result.stderr
    assert not (tmp_path / "out").exists()  # not even the folder it would have made


def test_a_new_registration_repairs_a_tampered_blob(registry, model_folder, tmp_path):
    registry.register(model_folder, "net")
    blob = blob_of(registry, "net", "1", "weights.bin")
    flip_a_byte(blob)
    second = registry.register(model_folder, "net")  # the same content: must not reuse the bad blob
    assert second.version == "2"
    assert blob.read_bytes() == (model_folder / "weights.bin").read_bytes()
    for version in ("1", "2"):
        target = registry.download("net", version, tmp_path / f"out-{version}")
        assert (target / "weights.bin").read_bytes() == (model_folder / "weights.bin").read_bytes()
    assert registry.verify(deep=True).problems == []


def test_download_killed_midway_leaves_no_file_under_its_final_name(registry, tmp_path):
    source = tmp_path / "big.bin"
    with open(source, "wb") as handle:
        for _ in range(300):
            handle.write(os.urandom(MB))
    registry.register(source, "big")
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "aml_deploy",
        "model",
        "--registry",
        str(registry.root),
        "download",
        "-n",
        "big",
        "-v",
        "1",
        "-p",
        str(out),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        written = [p for p in out.rglob("*") if p.is_file() and p.stat().st_size > 0] if out.exists() else []
        if written:
            break
        time.sleep(0.002)
    assert process.poll() is None, "the download finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (out / "big.bin").exists()
    again = registry.download("big", "1", out)
    assert again == out / "big.bin" and again.stat().st_size == 300 * MB
    assert entries(out) == ["big.bin"]  # the killed download's leftovers are swept


def test_download_of_a_version_deleted_meanwhile_says_so(registry, model_folder, tmp_path):
    registry.register(model_folder, "net")
    model = registry.show("net", "1", with_files=True)
    registry.delete("net", "1")
    with pytest.raises(RegistryError, match="net:1 was deleted"):
        registry.download("net", "1", tmp_path / "out")
    assert model.file_count == 2 and entries(tmp_path / "out") == []


def test_download_into_an_unwritable_place_is_a_message(cli, model_folder, tmp_path):
    cli("create", "-n", "net", "-p", str(model_folder))
    (tmp_path / "a-file").write_text("not a folder")
    result = cli("download", "-n", "net", "-v", "1", "-p", str(tmp_path / "a-file" / "below"), check=False)
    assert result.returncode == 1 and "a-file" in result.stderr and "Traceback" not in result.stderr


def test_a_version_deleted_while_it_is_downloaded_is_reported_and_leaves_nothing(registry, tmp_path):
    """The delete removes the blobs the download has not reached yet."""
    import threading

    folder = tmp_path / "shards"
    folder.mkdir()
    for i in range(60):
        (folder / f"shard-{i:02d}.bin").write_bytes(os.urandom(5 * MB))
    registry.register(folder, "shards")
    out, outcome = tmp_path / "out", []

    def download():
        try:
            outcome.append(registry.download("shards", "1", out))
        except RegistryError as err:
            outcome.append(err)

    worker = threading.Thread(target=download)
    worker.start()
    while not any(out.rglob("shard-*")) and worker.is_alive():
        time.sleep(0.001)
    registry.delete("shards", "1")
    worker.join(60)
    assert isinstance(outcome[0], RegistryError) and "shards:1 was deleted" in str(outcome[0])
    assert not out.exists()
