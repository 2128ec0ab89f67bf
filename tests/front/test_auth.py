"""Auth as Azure does it, through the real HAProxy: Authorization: Bearer <key or token>; 401
without one or with a wrong one; either key works; a key is regenerated while requests run without
dropping one; tokens expire."""

import threading
import time

import pytest
import requests

from aml_deploy import front
from aml_deploy.front import KeyStore
from tests.support import wait_until

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def served(module_endpoint, tmp_path_factory):
    """One endpoint with one stand-in deployment and a key store; each test sets the auth it needs."""
    module_endpoint.standin("blue")
    store = KeyStore(tmp_path_factory.mktemp("keys") / "credentials.json")
    blue = module_endpoint.deployment("blue", 100, limits=front.Limits(max_concurrent=8))  # no 429 in these tests
    spec = front.Front(module_endpoint.name, [blue], credentials=store.ensure("key"))
    module_endpoint.start(spec)
    return module_endpoint, store, spec


def bearer(credential: str) -> dict:
    return {"Authorization": f"Bearer {credential}"}


def apply(endpoint, spec, **changes) -> front.UpdateResult:
    for name, value in changes.items():
        setattr(spec, name, value)
    return front.update(endpoint.client, spec)


def test_401_without_a_key_or_with_a_wrong_one_and_200_with_either_key(served):
    endpoint, store, spec = served
    apply(endpoint, spec, auth_mode="key", credentials=store.load())
    url, keys = endpoint.url(), store.load()
    assert requests.post(url, json={}).status_code == 401
    assert "Authorization: Bearer" in requests.post(url, json={}).json()["message"]
    assert requests.post(url, json={}, headers=bearer("x" * 32)).status_code == 401
    assert requests.post(url, json={}, headers={"Authorization": f"Basic {keys.primary_key}"}).status_code == 401
    assert requests.post(url, json={}, headers=bearer(keys.primary_key)).json()["name"] == "blue"
    assert requests.post(url, json={}, headers={"Authorization": f"bearer {keys.secondary_key}"}).status_code == 200
    assert endpoint.standins["blue"].stats()["with_authorization"] == 0  # the scoring container never sees the key


def test_regenerating_the_primary_while_requests_run_drops_nothing(served):
    endpoint, store, spec = served
    apply(endpoint, spec, auth_mode="key", credentials=store.load())
    url, old = endpoint.url(), store.load()
    results = {"primary": [], "secondary": []}
    failures, stop = [], threading.Event()

    def call(kind: str, key: str) -> None:
        session = requests.Session()  # keep-alive, as real clients do
        while not stop.is_set():
            began = time.monotonic()
            try:
                status = session.post(url, json={"x": 1}, headers=bearer(key), timeout=10).status_code
                results[kind].append((began, time.monotonic(), status))
            except requests.RequestException as err:
                failures.append(repr(err))

    threads = [
        threading.Thread(target=call, args=a)
        for a in (("primary", old.primary_key), ("primary", old.primary_key), ("secondary", old.secondary_key))
    ]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(results["primary"]) >= 10 and len(results["secondary"]) >= 10)
    changed_at = time.monotonic()
    result = front.update(endpoint.client, front.Front(spec.endpoint, spec.deployments, credentials=store.regenerate("primary")))
    changed = time.monotonic()
    # counted, not timed: a busy machine then only makes the test slower
    wait_until(lambda: sum(began > changed for began, _, _ in results["primary"]) >= 5 and len(results["secondary"]) > 20)
    stop.set()
    for thread in threads:
        thread.join()

    assert failures == []  # no request dropped
    assert result.reloaded is False  # changed in place through the runtime API
    assert {status for _, _, status in results["secondary"]} == {200}
    assert len(results["secondary"]) > 20
    before = [status for _, ended, status in results["primary"] if ended < changed_at]
    after = [status for began, _, status in results["primary"] if began > changed]
    assert before and set(before) == {200}
    assert after and set(after) == {401}
    new = store.load().primary_key
    assert requests.post(url, json={}, headers=bearer(new)).status_code == 200


def test_aml_tokens_work_until_they_expire(served):
    endpoint, store, spec = served
    lasting = store.issue_token()
    apply(endpoint, spec, auth_mode="aml_token", credentials=store.load())
    url = endpoint.url()
    assert requests.post(url, json={}, headers=bearer(lasting.value)).status_code == 200
    assert requests.post(url, json={}, headers=bearer(store.load().primary_key)).status_code == 401  # keys are not tokens
    brief = store.issue_token(lifetime_s=15)  # outlives the in-place change below however busy the machine
    assert apply(endpoint, spec, credentials=store.load()).reloaded is False  # a new token is added in place
    assert requests.post(url, json={}, headers=bearer(brief.value)).status_code == 200
    time.sleep(max(0.0, brief.expires - time.time()) + 1.1)
    refused = requests.post(url, json={}, headers=bearer(brief.value))
    assert refused.status_code == 401 and "expired" in refused.json()["message"]
    assert requests.post(url, json={}, headers=bearer(lasting.value)).status_code == 200


def test_aad_tokens_cannot_be_checked_so_any_bearer_passes_and_the_front_says_so(served):
    endpoint, store, spec = served
    apply(endpoint, spec, auth_mode="aad_token")
    assert requests.post(endpoint.url(), json={}).status_code == 401
    assert requests.post(endpoint.url(), json={}, headers=bearer("anything")).status_code == 200
    notes = front.status(endpoint.client, endpoint.name).description["notes"]
    assert any("cannot be checked offline" in note for note in notes)


def test_no_auth_lets_everything_through(served):
    endpoint, store, spec = served
    apply(endpoint, spec, auth_mode="none")
    assert requests.post(endpoint.url(), json={}).status_code == 200
