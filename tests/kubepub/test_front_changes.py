"""Key regeneration and traffic changes reach the front without dropping a request: the front's
configuration is a Secret, a change rolls the front Deployment (the new front is ready before the old
one drains), and the command returns once no old front is left, so the old key is refused from then on."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
import requests

pytestmark = pytest.mark.docker
REQUEST = json.dumps({"data": [[1, 2]]})


class Caller(threading.Thread):
    """Scores without pause, a new connection each time, until stopped; counts what came back."""

    def __init__(self, uri: str, key: str) -> None:
        super().__init__(daemon=True)
        self.uri, self.key = uri, key
        self.answers: Counter = Counter()
        self.served: Counter = Counter()
        self.errors: list[str] = []
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            try:
                answer = requests.post(
                    self.uri, data=REQUEST, timeout=30, headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
                )
                self.answers[answer.status_code] += 1
                self.served[answer.headers.get("azureml-model-deployment")] += 1
            except requests.RequestException as error:
                self.errors.append(repr(error))

    def stop(self) -> None:
        self.halt.set()
        self.join(timeout=60)


def post(uri: str, key: str) -> int:
    return requests.post(
        uri, data=REQUEST, timeout=30, headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    ).status_code


def test_keys_and_traffic_change_while_requests_run_and_none_is_dropped(publishing, workspace, endpoint_name, cli):
    standin, ep = publishing, endpoint_name
    cli("online-endpoint", "create", "-f", workspace / "endpoint.yml")
    blue = cli("online-deployment", "create", "-f", workspace / "blue.yml", "--all-traffic", "-o", "json")
    cli("online-deployment", "create", "-f", workspace / "green.yml")
    uri = blue["scoring_uri"]
    keys = cli("online-endpoint", "get-credentials", "-n", ep, "-o", "json")
    caller = Caller(uri, keys["secondaryKey"])
    caller.start()
    try:
        cli("online-endpoint", "regenerate-keys", "-n", ep, "--key-type", "primary")
        assert post(uri, keys["primaryKey"]) == 401  # from the moment the command returns
        new = cli("online-endpoint", "get-credentials", "-n", ep, "-o", "json")
        assert new["primaryKey"] != keys["primaryKey"] and new["secondaryKey"] == keys["secondaryKey"]
        assert post(uri, new["primaryKey"]) == 200
        before = caller.served.copy()
        cli("online-endpoint", "update", "-n", ep, "--traffic", "blue=0 green=100")
        after = caller.served.copy()
        assert after["green"] > before["green"]
        assert Counter(
            requests.post(uri, data=REQUEST, timeout=30, headers={"Authorization": f"Bearer {new['primaryKey']}"}).headers[
                "azureml-model-deployment"
            ]
            for _ in range(30)
        ) == {"green": 30}
    finally:
        caller.stop()
    assert caller.errors == [] and set(caller.answers) == {200}, (caller.answers, caller.errors[:3])
    assert sum(caller.answers.values()) > 50
    fronts = standin.objects("Deployment", ep, "app.kubernetes.io/name=front")
    assert len(fronts) == 1 and fronts[0]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "6"
    cli("online-endpoint", "delete", "-n", ep, "-y")
