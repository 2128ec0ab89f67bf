"""Local endpoints behind their front, as Azure puts every endpoint behind one: keys (either works,
regenerating one under load drops nothing), the traffic split and the header that overrides it,
mirroring, and the request limits' statuses, through the product's own commands and a real
HAProxy in front of real inference servers."""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests

from aml_deploy.deploy.spec import from_config
from tests.local.conftest import remove_containers
from tests.support import wait_until

pytestmark = pytest.mark.slow
DATA = Path(__file__).parent / "data" / "front-sample"


@pytest.fixture
def endpoint(local, workspace, docker_client):
    """blue and green of one endpoint, both up; the endpoint's name unique to the test."""
    name = f"f{uuid.uuid4().hex[:9]}"
    folder = workspace / "front-sample"
    shutil.copytree(DATA, folder)
    for path in folder.glob("*.yml"):
        path.write_text(path.read_text().replace("front-endpoint", name))
    local.create_endpoint(folder / "endpoint.yml")
    for who in ("blue", "green"):
        state = local.deploy(from_config(folder / f"{who}.yml", workspace=workspace, registry=local.registry), timeout=300)
        assert state.state == "Succeeded", state.log_excerpt
    yield name
    try:
        local.delete_endpoint(name)
    finally:
        remove_containers(docker_client, name)


def _post(uri: str, key: str | None, body: dict, deployment: str | None = None, timeout: float = 30):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if deployment:
        headers["azureml-model-deployment"] = deployment
    return requests.post(uri, data=json.dumps(body), headers=headers, timeout=timeout)


def test_keys_either_works_a_wrong_one_or_none_is_401(local, endpoint):
    uri = local.show_endpoint(endpoint)["scoring_uri"]
    keys = local.get_credentials(endpoint)
    assert uri.startswith("http://127.0.0.1:")
    assert _post(uri, None, {"n": 1}, "blue").status_code == 401
    assert _post(uri, "not-a-key", {"n": 1}, "blue").status_code == 401
    for key in (keys["primaryKey"], keys["secondaryKey"]):
        answer = _post(uri, key, {"n": 1}, "blue")
        assert answer.status_code == 200 and answer.json()["who"] == "blue"


def test_regenerating_the_primary_under_load_drops_nothing(local, endpoint):
    uri = local.show_endpoint(endpoint)["scoring_uri"]
    old = local.get_credentials(endpoint)
    local.set_traffic(endpoint, {"blue": 50, "green": 50})
    stop, failures, secondary_statuses = threading.Event(), [], Counter()

    def hammer(key: str, statuses: Counter | None) -> None:
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    answer = session.post(
                        uri, data='{"n": 0}', timeout=10, headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
                    )
                    if statuses is not None:
                        statuses[answer.status_code] += 1
                except requests.RequestException as err:  # a dropped request
                    failures.append(repr(err))

    workers = [
        threading.Thread(target=hammer, args=(old["secondaryKey"], secondary_statuses)),
        threading.Thread(target=hammer, args=(old["primaryKey"], None)),
    ]
    for worker in workers:
        worker.start()
    wait_until(lambda: sum(secondary_statuses.values()) >= 10)
    new = local.regenerate_keys(endpoint, "primary")
    regenerated = sum(secondary_statuses.values())
    wait_until(lambda: sum(secondary_statuses.values()) > max(20, regenerated + 10))
    stop.set()
    for worker in workers:
        worker.join()
    assert failures == []
    assert set(secondary_statuses) == {200} and sum(secondary_statuses.values()) > 20
    assert new["primaryKey"] != old["primaryKey"] and new["secondaryKey"] == old["secondaryKey"]
    assert _post(uri, old["primaryKey"], {"n": 1}).status_code == 401
    assert _post(uri, new["primaryKey"], {"n": 1}).status_code == 200


def test_a_70_30_split_and_the_header_that_overrides_it(local, endpoint):
    shown = local.set_traffic(endpoint, {"blue": 70, "green": 30})
    assert shown["traffic"] == {"blue": 70, "green": 30}
    uri, key = shown["scoring_uri"], local.get_credentials(endpoint)["primaryKey"]
    served = Counter()
    with requests.Session() as session:
        for n in range(3000):  # ±4 points is then ±4.5 σ: a fluke fails 1 run in 150,000
            answer = session.post(
                uri, data=json.dumps({"n": n}), timeout=30, headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            )
            assert answer.status_code == 200
            assert answer.headers["azureml-model-deployment"] == answer.json()["who"]
            served[answer.json()["who"]] += 1
    share = 100 * served["blue"] / sum(served.values())
    assert 66 <= share <= 74, served
    assert all(_post(uri, key, {"n": n}, "green").json()["who"] == "green" for n in range(20))
    assert local.invoke(endpoint, "green", b'{"n": 5}').deployment == "green"


def test_no_traffic_and_no_name_is_404_and_said(local, endpoint):
    uri, key = local.show_endpoint(endpoint)["scoring_uri"], local.get_credentials(endpoint)["primaryKey"]
    assert _post(uri, key, {"n": 1}).status_code == 404
    notes = local.show_endpoint(endpoint)["notes"]
    assert any("No deployment has traffic" in note for note in notes)


def test_mirrored_requests_reach_the_mirror_and_its_answers_are_discarded(local, endpoint, docker_client):
    local.set_traffic(endpoint, {"blue": 100}, {"green": 20})
    uri, key = local.show_endpoint(endpoint)["scoring_uri"], local.get_credentials(endpoint)["primaryKey"]
    tag = uuid.uuid4().hex[:6]
    for n in range(300):
        answer = _post(uri, key, {"n": f"{tag}-{n}"})
        assert answer.status_code == 200 and answer.json()["who"] == "blue"
    time.sleep(2)
    green = docker_client.containers.get(local.show_deployment(endpoint, "green").container)
    mirrored = green.logs().decode().count(f"scored request {tag}-")
    assert 30 <= mirrored <= 90, mirrored  # 20 % of 300, give or take chance


def test_request_limits_answer_as_azure_does(local, endpoint):
    local.set_traffic(endpoint, {"blue": 100})
    uri, key = local.show_endpoint(endpoint)["scoring_uri"], local.get_credentials(endpoint)["primaryKey"]
    started = time.monotonic()
    slow = _post(uri, key, {"n": 1, "sleep": 4})
    assert slow.status_code == 408 and 1.2 < time.monotonic() - started < 3.5  # request_timeout_ms: 1500
    time.sleep(3)  # the one worker (max_concurrent_requests_per_instance: 1) finishes the slow request
    failed = _post(uri, key, {"n": 2, "fail": True})
    assert failed.status_code == 424
    assert failed.headers["ms-azureml-model-error-statuscode"] == "500"
    assert failed.headers.get("ms-azureml-model-error-reason")
    explained = local.invoke(endpoint, "blue", b'{"n": 3, "fail": true}')
    assert explained.status == 424 and "answered 500" in explained.explanation
    with concurrent.futures.ThreadPoolExecutor(6) as pool:  # 2 x 1 x 1 may be in flight
        statuses = Counter(pool.map(lambda n: _post(uri, key, {"n": n, "sleep": 1}).status_code, range(6)))
    assert statuses[429] >= 3 and statuses[429] + statuses[200] + statuses[408] == 6, statuses


def test_the_front_listens_on_loopback_only_and_nothing_is_left_after_delete(local, endpoint, docker_client):
    front = docker_client.containers.get(f"{endpoint}_front")
    bindings = [b for ports in front.attrs["NetworkSettings"]["Ports"].values() if ports for b in ports]
    assert bindings and all(b["HostIp"] == "127.0.0.1" for b in bindings)
    local.delete_endpoint(endpoint)
    assert docker_client.containers.list(all=True, filters={"label": f"aml-deploy.endpoint={endpoint}"}) == []
    assert [n for n in docker_client.networks.list() if endpoint in n.name] == []
    assert not (local.home / "keys" / f"{endpoint}.json").exists()


def test_a_v1_aks_configuration_gets_azureml_fe_answers_locally(local, workspace, docker_client):
    """A v1 service configured for AKS, run locally: the front answers as azureml-fe does (504 after
    scoringTimeoutMs, 3 s; 503 for a request that waited maxQueueWaitMs for the one slot)."""
    name = f"v{uuid.uuid4().hex[:9]}"
    folder = workspace / "front-sample"
    shutil.copytree(DATA, folder)
    spec = from_config(
        folder / "inferenceconfig.json",
        endpoint=name,
        deployment_config=folder / "deploymentconfig-aks.json",
        workspace=workspace,
        registry=local.registry,
    )
    try:
        state = local.deploy(spec, timeout=300)
        assert state.state == "Succeeded", state.log_excerpt
        assert any("computeType aks" in warning for warning in state.warnings)
        uri = local.show_endpoint(name)["scoring_uri"]
        assert _post(uri, None, {"n": 1}).status_code == 200  # authEnabled: false
        started = time.monotonic()
        assert _post(uri, None, {"n": 2, "sleep": 4}).status_code == 504
        assert 2.7 < time.monotonic() - started < 5
        time.sleep(3)  # the one worker finishes the slow request (about 1 s after the 504)
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda n: (_post(uri, None, {"n": n, "sleep": 1.2}).status_code, time.monotonic()), range(3)))
        statuses = Counter(status for status, _ in answers)
        assert statuses[503] >= 1 and statuses[200] >= 1, statuses
    finally:
        local.delete_endpoint(name)
        remove_containers(docker_client, name)
