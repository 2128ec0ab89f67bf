"""Request limits with Azure's status codes, through the real HAProxy. v2 (managed online):
request_timeout_ms -> 408, more than 2 x max_concurrent_requests_per_instance x instance_count in
flight -> 429, a non-200 from the scoring container -> 424 with the model's status and reason.
v1 (azureml-fe): scoringTimeoutMs -> 504, a request that waited maxQueueWaitMs for a slot -> 503."""

import concurrent.futures
import time

import pytest
import requests

from aml_deploy import front

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def blue(module_endpoint):
    module_endpoint.standin("blue")
    return module_endpoint


def serve(endpoint, limits: front.Limits, api: str = "v2") -> str:
    spec = front.Front(endpoint.name, [endpoint.deployment("blue", 100, limits=limits)], auth_mode="none", api=api)
    if front.status(endpoint.client, endpoint.name).status == "running":
        front.update(endpoint.client, spec)
    else:
        endpoint.start(spec)
    return endpoint.url()


def timed(url: str, headers: dict) -> tuple[int, float, requests.Response]:
    began = time.monotonic()
    response = requests.post(url, json={}, headers=headers, timeout=30)
    return response.status_code, time.monotonic() - began, response


def at_once(url: str, count: int, headers: dict) -> list[tuple[int, float, requests.Response]]:
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: timed(url, headers), range(count)))


@pytest.mark.parametrize("api, status", [("v2", 408), ("v1", 504)])
def test_a_request_over_the_timeout_gets_azures_status_at_about_that_time(blue, api, status):
    url = serve(blue, front.Limits(timeout_ms=1000), api)
    code, seconds, response = timed(url, {"x-standin-sleep": "4"})
    assert code == status and 0.9 <= seconds <= 3.5, (code, seconds)
    assert "1000" in response.json()["message"]
    assert timed(url, {"x-standin-sleep": "0.2"})[0] == 200


def test_v2_more_requests_in_flight_than_allowed_get_429(blue):
    url = serve(blue, front.Limits(max_concurrent=1, instance_count=1))  # 2 x 1 x 1 = 2 in flight
    before = blue.standins["blue"].stats()["requests"]
    results = at_once(url, 6, {"x-standin-sleep": "1.5"})
    codes = sorted(code for code, _, _ in results)
    assert codes == [200, 200, 429, 429, 429, 429], codes
    refused = next(r for code, _, r in results if code == 429)
    assert refused.headers["ms-azureml-model-error-reason"] == "too_many_pending_request"
    assert refused.headers["azureml-model-deployment"] == "blue"
    assert blue.standins["blue"].stats()["requests"] - before == 2  # refused ones never reached the container
    assert max(seconds for code, seconds, _ in results if code == 429) < 1.2  # refused at once, not after the 1.5 s the admitted take


def test_v1_requests_wait_for_a_slot_and_get_503_after_max_queue_wait(blue):
    url = serve(blue, front.Limits(timeout_ms=10000, max_concurrent=1, max_queue_wait_ms=1800), "v1")
    before = blue.standins["blue"].stats()["requests"]
    results = at_once(url, 4, {"x-standin-sleep": "1.2"})
    # one slot: the 1st is served at once, the 2nd after 1.2 s of waiting; the 3rd and 4th would wait 2.4 s
    # (the margins of 0.6 s either side leave room for a busy machine)
    assert sorted(code for code, _, _ in results) == [200, 200, 503, 503]
    waited = [seconds for code, seconds, _ in results if code == 503]
    assert all(1.75 <= s < 2.4 for s in waited), waited
    assert blue.standins["blue"].stats()["requests"] - before == 2  # the ones that gave up never reached it


@pytest.mark.parametrize("model_status", [500, 201])
def test_v2_a_non_200_from_the_container_becomes_424_with_the_models_status(blue, model_status):
    url = serve(blue, front.Limits())
    code, _, response = timed(url, {"x-standin-status": str(model_status)})
    assert code == 424
    assert response.headers["ms-azureml-model-error-statuscode"] == str(model_status)
    assert response.headers["ms-azureml-model-error-reason"] == "model_error"
    assert response.headers["azureml-model-deployment"] == "blue"
    assert response.json()["name"] == "blue"  # the model's own body is kept


def test_v1_passes_the_containers_status_through(blue):
    url = serve(blue, front.Limits(timeout_ms=10000), "v1")
    code, _, response = timed(url, {"x-standin-status": "500"})
    assert code == 500 and "ms-azureml-model-error-statuscode" not in response.headers
