"""The endpoint front on local endpoints as a hostile or clumsy user meets it: traffic that Azure refuses
(on the command line and in the endpoint file), a damaged key store, names that are paths, two processes
changing traffic and keys at once. Always a message, never a traceback, and a refused change changes
nothing; the running front always serves what the record says."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path

import pytest
import requests

from aml_deploy.deploy.local.operations import LocalEndpoints
from aml_deploy.deploy.spec import from_config
from aml_deploy.registry import Registry
from tests.local.conftest import remove_containers

pytestmark = pytest.mark.slow


@pytest.fixture
def endpoint(local, workspace, endpoint_name, docker_client):
    """blue and green of one endpoint (the sample's scoring script), blue with all the traffic."""
    sample = workspace / "sample"
    green = sample / "green-deployment.yml"
    green.write_text((sample / "blue-deployment.yml").read_text().replace("name: blue", "name: green"))
    local.create_endpoint(sample / "endpoint.yml")
    for config in (sample / "blue-deployment.yml", green):
        state = local.deploy(from_config(config, workspace=workspace, registry=local.registry), timeout=300)
        assert state.state == "Succeeded", state.log_excerpt
    local.set_traffic(endpoint_name, {"blue": 100})
    yield endpoint_name
    try:
        local.delete_endpoint(endpoint_name)
    finally:
        remove_containers(docker_client, endpoint_name)


def _cli(local, *args, cwd=None):
    env = {**os.environ, "AML_DEPLOY_HOME": str(local.home.parent), "AML_DEPLOY_REGISTRY": str(local.registry.root)}
    return subprocess.run([sys.executable, "-m", "aml_deploy", *args], capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def _record(local, endpoint) -> dict:
    return json.loads((local.home / "endpoints" / f"{endpoint}.json").read_text())


def _served(local, endpoint, count=6) -> set[str]:
    shown = local.show_endpoint(endpoint)
    key = local.get_credentials(endpoint)["primaryKey"]
    return {
        requests.post(
            shown["scoring_uri"],
            data='{"data": [[1, 2]]}',
            timeout=30,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        ).headers.get("azureml-model-deployment")
        for _ in range(count)
    }


@pytest.mark.parametrize(
    "option, value, says",
    [
        ("--mirror-traffic", "blue=10", "live traffic and mirror traffic"),
        ("--mirror-traffic", "green=60", "at most 50%"),
    ],
)
def test_refused_mirror_traffic_is_a_message_and_changes_nothing(local, endpoint, option, value, says):
    before = _record(local, endpoint)
    result = _cli(local, "online-endpoint", "update", "--local", "-n", endpoint, option, value)
    assert result.returncode == 1 and says in result.stderr
    assert "Traceback" not in result.stderr
    after = _record(local, endpoint)
    assert (after["traffic"], after.get("mirror_traffic") or {}) == (before["traffic"], before.get("mirror_traffic") or {})


@pytest.mark.parametrize(
    "traffic, says",
    [
        ("{nosuch: 100}", "no deployment nosuch"),
        ("{blue: -5, green: 105}", "not a percentage from 0 to 100"),
        ("{blue: 1e400}", "not a percentage from 0 to 100"),
        ("{blue: 100.5}", "not a percentage from 0 to 100"),
    ],
)
def test_traffic_in_the_endpoint_file_is_checked_as_on_the_command_line(local, endpoint, workspace, traffic, says):
    bad = workspace / "sample" / "bad-endpoint.yml"
    bad.write_text(f"name: {endpoint}\nauth_mode: key\ntraffic: {traffic}\n")
    before = _record(local, endpoint)
    result = _cli(local, "online-endpoint", "update", "--local", "-f", str(bad))
    assert result.returncode == 1 and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert _record(local, endpoint)["traffic"] == before["traffic"] == {"blue": 100}
    assert _served(local, endpoint) == {"blue"}


@pytest.mark.parametrize(
    "content, says",
    [
        ("garbage{", "cannot be read"),
        ("[1, 2]", "cannot be read"),
        ('{"primaryKey": "abc def\\nxx primary", "secondaryKey": "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"}', "cannot be read"),
    ],
)
def test_a_damaged_key_store_is_named_never_a_traceback_nor_served(local, endpoint, content, says):
    store = local.home / "keys" / f"{endpoint}.json"
    store.write_text(content)
    for command in (
        ("get-credentials",),
        ("regenerate-keys", "--key-type", "secondary"),
        ("invoke", "--request-file", "sample-request.json"),
    ):
        result = _cli(
            local, "online-endpoint", command[0], "--local", "-n", endpoint, *command[1:], cwd=local.home.parent.parent / "ws" / "sample"
        )  # the workspace fixture's copy
        assert result.returncode == 1 and says in result.stderr and str(store) in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "abc def" not in result.stderr
    front = local.show_endpoint(endpoint)["scoring_uri"]
    for key in ("abc", "xx"):  # what a newline in a key would have let in
        answer = requests.post(front, data="{}", timeout=30, headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 401


def test_names_that_are_paths_are_refused_and_nothing_outside_is_touched(local, endpoint, workspace):
    victim = workspace / "victim.json"
    victim.write_text('{"precious": true}')
    relative = os.path.relpath(victim.with_suffix(""), local.home / "endpoints")
    for args in (
        ("online-endpoint", "delete", "--local", "-n", relative, "--yes"),
        ("online-endpoint", "create", "--local", "-n", relative),
        ("online-endpoint", "create", "--local", "-n", "bad name"),
        ("online-deployment", "delete", "--local", "-e", endpoint, "-n", "../../x", "--yes"),
    ):
        result = _cli(local, *args)
        assert result.returncode == 1 and "is not a valid name" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert victim.read_text() == '{"precious": true}'
    assert sorted(p.name for p in (local.home / "endpoints").iterdir()) == [f"{endpoint}.json"]
    assert sorted(p.name for p in (local.home / "keys").iterdir()) == [f"{endpoint}.json"]


def _change(home: str, registry: str, endpoint: str, what: str, start: float, results) -> None:
    target = LocalEndpoints(registry=Registry(registry), home=Path(home))
    assert target.front.client  # connected before the start line, so that all start together
    while time.time() < start:
        pass
    try:
        if what in ("primary", "secondary"):
            target.regenerate_keys(endpoint, what)
        else:
            target.set_traffic(endpoint, {what: 100})
        results.put((what, "ok"))
    except BaseException as err:  # noqa: BLE001 - reported to the test
        results.put((what, f"{type(err).__name__}: {err}"))


def test_two_processes_changing_traffic_and_keys_at_once_lose_nothing(local, endpoint):
    context = multiprocessing.get_context("spawn")
    for attempt in range(4):
        keys_before = local.get_credentials(endpoint)
        results = context.Queue()
        start = time.time() + 3
        workers = [
            context.Process(target=_change, args=(str(local.home), str(local.registry.root), endpoint, what, start, results))
            for what in ("primary", "secondary", "green", "blue")
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        outcomes = dict(results.get(timeout=5) for _ in workers)
        assert set(outcomes.values()) == {"ok"}, outcomes
        keys_after = local.get_credentials(endpoint)
        assert keys_after["primaryKey"] != keys_before["primaryKey"], f"attempt {attempt}: a regeneration was lost"
        assert keys_after["secondaryKey"] != keys_before["secondaryKey"], f"attempt {attempt}: a regeneration was lost"
        [recorded] = _record(local, endpoint)["traffic"]
        assert _served(local, endpoint) == {recorded}, f"attempt {attempt}: the front serves what the record does not say"
        uri = local.show_endpoint(endpoint)["scoring_uri"]
        for key in keys_after.values():
            assert (
                requests.post(
                    uri,
                    data='{"data": [[1, 2]]}',
                    timeout=30,
                    headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                ).status_code
                == 200
            )


def test_deleting_a_deployment_that_has_traffic_says_where_its_share_went(local, endpoint):
    local.set_traffic(endpoint, {"blue": 70, "green": 30})
    local.delete_deployment(endpoint, "blue")
    shown = local.show_endpoint(endpoint)
    assert shown["traffic"] == {"green": 30}
    assert _served(local, endpoint) == {"green"}  # the front scales the shares that are left up
    assert any("adds up to 30%" in note and "green gets all" in note for note in shown["notes"]), shown["notes"]


def test_list_goes_on_while_another_process_removes_endpoints_and_names_a_damaged_record(local, docker_client, endpoint_name):
    damaged = local.home / "endpoints" / "hdamaged.json"
    damaged.parent.mkdir(parents=True, exist_ok=True)
    damaged.write_text("garbage{")
    stop, failures = threading.Event(), []

    def churn() -> None:  # what another process's create and delete look like to this one
        while not stop.is_set():
            name = f"{endpoint_name}-c{uuid.uuid4().hex[:4]}"
            container = docker_client.containers.create(
                "python:3.11-slim",
                command=["true"],
                name=name,
                labels={"aml-deploy.managed": "1", "aml-deploy.endpoint": endpoint_name + "x", "aml-deploy.deployment": "churn"},
            )
            container.remove(force=True)

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                listed = {e["name"]: e for e in local.list_endpoints()}
            except Exception:  # noqa: BLE001 - collected for the assertion
                failures.append(traceback.format_exc())
                continue
            assert "cannot be read" in " ".join(listed["hdamaged"]["notes"])
    finally:
        stop.set()
        worker.join()
        remove_containers(docker_client, endpoint_name + "x")
    assert failures == [], failures[0]
    local.delete_endpoint("hdamaged")  # the way out the message names
    assert not damaged.exists()
