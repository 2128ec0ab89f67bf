"""What the local target remembers, and its locks: a deployment may be called anything Azure allows
(`endpoint` included) without waiting on itself, and a name is never a path."""

from __future__ import annotations

import threading

import pytest

from aml_deploy.deploy.errors import DeployError
from aml_deploy.deploy.local.records import Records


@pytest.mark.parametrize("deployment", ["endpoint", "service", "front", "blue"])
def test_a_deployments_lock_never_blocks_its_own_endpoints_record(tmp_path, deployment):
    records = Records(tmp_path)
    done = threading.Event()

    def operate() -> None:
        with records.lock("ep", deployment):
            records.note_deployment("ep", deployment, {"state": "Succeeded"})
        done.set()

    threading.Thread(target=operate, daemon=True).start()
    assert done.wait(10), f"an operation on a deployment named {deployment!r} waits for itself"
    assert records.read("ep")["deployments"][deployment] == {"state": "Succeeded"}


@pytest.mark.parametrize("name", ["../x", "../../../victim", "a/b", "", ".", "..", "bad name", "x\n", "/etc/passwd", ".hidden"])
def test_names_that_are_not_names_are_refused_before_any_file_is_touched(tmp_path, name):
    outside = tmp_path / "victim.json"
    outside.write_text("{}")
    records = Records(tmp_path / "home" / "local")
    for operation in (
        lambda: records.read(name),
        lambda: records.write(name, {}),
        lambda: records.remove(name),
        lambda: records.update(name, dict.clear),
        lambda: records.lock(name, "blue").__enter__(),
        lambda: records.lock("ep", name).__enter__(),
        lambda: records.is_locked("ep", name),
    ):
        with pytest.raises(DeployError, match="is not a valid name"):
            operation()
    assert outside.read_text() == "{}"
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*.json"))
