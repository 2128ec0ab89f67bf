"""Traffic as Azure splits it, through the real HAProxy: `traffic` weights, the
azureml-model-deployment header (which wins over the weights, and names the deployment that served
in the response), 404 when nothing can serve, and `mirror_traffic` copies whose answers are
thrown away."""

import collections
import concurrent.futures
import threading
import time

import pytest
import requests

from aml_deploy import front

pytestmark = pytest.mark.docker
ROOMY = front.Limits(max_concurrent=16)  # these tests are about routing, not 429


@pytest.fixture(scope="module")
def served(module_endpoint):
    for name in ("blue", "green"):
        module_endpoint.standin(name)
    spec = front.Front(
        module_endpoint.name,
        [module_endpoint.deployment("blue", 100, limits=ROOMY), module_endpoint.deployment("green", 0, limits=ROOMY)],
        auth_mode="none",
    )
    module_endpoint.start(spec)
    return module_endpoint, spec


def set_traffic(served, traffic: dict, mirror: dict | None = None) -> front.UpdateResult:
    endpoint, spec = served
    return front.update(endpoint.client, spec.with_traffic(traffic, mirror or {}))


def served_by(url: str, count: int, headers: dict | None = None, body: bytes = b'{"x": 1}') -> collections.Counter:
    """Which deployment served each of `count` requests, by the response header (4 clients at once)."""
    local = threading.local()

    def call(_):
        session = local.__dict__.setdefault("session", requests.Session())  # one keep-alive connection per client
        response = session.post(url, data=body, headers={"content-type": "application/json", **(headers or {})}, timeout=10)
        assert response.status_code == 200, response.text
        assert response.headers["azureml-model-deployment"] == response.json()["name"]
        return response.headers["azureml-model-deployment"]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return collections.Counter(pool.map(call, range(count)))


def test_a_70_30_split_lands_within_4_points(served):
    result = set_traffic(served, {"blue": 70, "green": 30})
    assert result.reloaded is False  # traffic changes in place
    counts = served_by(served[0].url(), 3000)  # ±4 points is then ±4.5 σ: a fluke fails 1 run in 150,000
    share = 100 * counts["blue"] / sum(counts.values())
    assert 66 <= share <= 74, counts


def test_the_header_sends_a_request_to_its_deployment_whatever_the_weights(served):
    set_traffic(served, {"blue": 100, "green": 0})
    url = served[0].url()
    assert served_by(url, 100) == {"blue": 100}
    assert served_by(url, 60, {"azureml-model-deployment": "green"}) == {"green": 60}


def test_404_when_no_deployment_can_serve(served):
    set_traffic(served, {"blue": 0, "green": 0})
    url = served[0].url()
    refused = requests.post(url, json={})
    assert refused.status_code == 404 and "positive traffic share" in refused.json()["message"]
    assert requests.post(url, json={}, headers={"azureml-model-deployment": "nowhere"}).status_code == 404
    assert requests.post(url, json={}, headers={"azureml-model-deployment": "blue"}).status_code == 200


def test_mirrored_requests_reach_the_mirror_and_their_answers_are_discarded(served):
    endpoint = served[0]
    set_traffic(served, {"blue": 100}, mirror={"green": 20})
    green, blue = endpoint.standins["green"], endpoint.standins["blue"]
    green_before, blue_before = green.stats(), blue.stats()["requests"]
    body = b'{"data": "' + b"x" * 100_000 + b'"}'  # a large request is copied whole
    assert served_by(endpoint.url(), 500, body=body) == {"blue": 500}  # the caller only sees the primary's answers
    mirrored = settled(lambda: green.stats()["requests"]) - green_before["requests"]
    assert 60 <= mirrored <= 140, mirrored  # 20% of 500 = 100
    assert green.stats()["bytes"] - green_before["bytes"] == mirrored * len(body)
    assert blue.stats()["requests"] - blue_before == 500
    assert green.stats()["paths"].get("/score", 0) >= mirrored  # copied to the same path
    green_before = green.stats()["requests"]
    assert served_by(endpoint.url(), 100, {"azureml-model-deployment": "blue"}) == {"blue": 100}
    assert settled(lambda: green.stats()["requests"]) == green_before  # named requests are not mirrored


def settled(read, quiet: float = 0.5, timeout: float = 10.0) -> int:
    """A counter's value once it stopped moving (mirror copies run in the background)."""
    value, since, deadline = read(), time.monotonic(), time.monotonic() + timeout
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.1)
        current = read()
        if current != value:
            value, since = current, time.monotonic()
    return value
