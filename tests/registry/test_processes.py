"""Real processes against one registry: concurrent registrations, and registrations killed with
SIGKILL at random moments."""

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from aml_deploy.registry import Registry, database

pytestmark = pytest.mark.slow


def create_command(registry_root, path, name="shared"):
    return [
        sys.executable,
        "-m",
        "aml_deploy",
        "model",
        "--registry",
        str(registry_root),
        "create",
        "--name",
        name,
        "--path",
        str(path),
        "--format",
        "json",
    ]


def test_eight_concurrent_registrations_get_eight_consecutive_versions(tmp_path):
    model = tmp_path / "model.bin"
    model.write_bytes(os.urandom(2_000_000))
    root = tmp_path / "registry"
    processes = [subprocess.Popen(create_command(root, model), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)]
    versions = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        versions.append(int(json.loads(out)["version"]))
    assert sorted(versions) == list(range(1, 9))
    assert Registry(root).verify(deep=True).problems == []


@pytest.fixture
def big_model(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    for i in range(6):
        (folder / f"shard-{i}.bin").write_bytes(os.urandom(12_000_000))
    for i in range(300):  # many small files: a longer commit phase to land kills in
        (folder / f"vocab-{i:03}.txt").write_bytes(os.urandom(200))
    return folder


def test_sigkill_at_random_moments_leaves_no_half_version(tmp_path, big_model):
    root = tmp_path / "registry"
    subprocess.run(create_command(root, big_model, "baseline"), check=True, capture_output=True)
    # timed on a second registration: like the runs below it finds every blob stored already, so
    # it is as long as they are (the first also writes and syncs every blob, and can take twice as long)
    started = time.monotonic()
    subprocess.run(create_command(root, big_model, "baseline"), check=True, capture_output=True)
    duration = time.monotonic() - started
    rng = random.Random(20261122)
    kills, finished = 0, 0
    for _ in range(30):
        process = subprocess.Popen(create_command(root, big_model), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, duration * 1.1))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        finished += process.returncode == 0
    assert kills >= 15, f"only {kills} of 30 runs were still running when killed"
    registry = Registry(root)
    assert registry.verify(deep=True).problems == []
    versions = registry.list(name="shared")
    # Every run that finished registered a version; a run killed after its commit did too.
    assert finished <= len(versions) <= finished + kills
    assert all(v.file_count == 306 and v.size == 6 * 12_000_000 + 300 * 200 for v in versions)
    # The registry still works, and the next registration sweeps the killed ones' staging.
    subprocess.run(create_command(root, big_model), check=True, capture_output=True)
    assert [p for p in (root / "staging").iterdir()] == []
    assert registry.verify(deep=True).problems == []


def _open_for_writing(root, barrier, errors):
    barrier.wait()  # all eight open the new registry at the same moment
    try:
        with database.connect(root, write=True) as connection, database.writing(connection):
            connection.execute("SELECT count(*) FROM versions").fetchone()
    except Exception as err:  # noqa: BLE001 - the test reports whatever any of them met
        errors.put(f"{type(err).__name__}: {err}")


def test_eight_processes_creating_one_registry_together_all_open_it(tmp_path):
    """The first use of a registry creates its database; eight at once used to meet "database is
    locked" at once (SQLite does not wait out the busy timeout when switching to WAL) or mistake a
    half-made registry for another program's database. 150 rounds: about one in twenty met one."""
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for round_ in range(150):
        root = tmp_path / f"registry-{round_}"
        barrier = context.Barrier(8)
        processes = [context.Process(target=_open_for_writing, args=(root, barrier, errors)) for _ in range(8)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=120)
        assert [process.exitcode for process in processes] == [0] * 8
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
