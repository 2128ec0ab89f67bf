"""Publishing a v2 Kubernetes endpoint end to end through the CLI: create the endpoint, publish a
deployment (image by digest from a real registry, server-side apply, rollout, first score through the
front), score with the key and get 401 without, split traffic 80/20 and measure it, scale, update the
model (only the model layer pushed), roll back, and delete with nothing left."""

from __future__ import annotations

import base64
import json
from collections import Counter

import pytest
import requests

from tests.kubepub.conftest import deployment, write_yaml

pytestmark = pytest.mark.docker
REQUEST = json.dumps({"data": [[1, 2], [3, 4]]})


def score(uri: str, key: str | None, deployment: str | None = None, timeout: float = 30) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if deployment:
        headers["azureml-model-deployment"] = deployment
    return requests.post(uri, data=REQUEST, headers=headers, timeout=timeout)


def ours(standin, namespace: str) -> list[dict]:
    """Every object of the namespace but what the stand-in makes itself (pods, replica sets, events)."""
    return [
        o
        for kind in ("Namespace", "Secret", "Service", "Deployment", "HorizontalPodAutoscaler", "ConfigMap")
        for o in standin.objects(kind, namespace if kind != "Namespace" else None)
        if kind != "Namespace" or o["metadata"]["name"] == namespace
    ]


def front_description(standin, namespace: str, endpoint: str) -> dict:
    secret = standin.get("Secret", namespace, f"{endpoint}-front")
    return json.loads(base64.b64decode(secret["data"]["front.json"]))


def test_publish_score_split_scale_update_roll_back_and_delete(publishing, kube_registry, workspace, endpoint_name, cli):
    standin, ep = publishing, endpoint_name
    created = cli("online-endpoint", "create", "-f", workspace / "endpoint.yml", "-o", "json")
    assert created["namespace"] == ep and created["context"] == "standin"  # compute: azureml:standin is the context
    uri = created["scoring_uri"]
    assert uri.startswith("http://127.") and uri.endswith("/score")
    applied = [r for r in standin.requests if r.method == "PATCH"]
    assert applied and all(
        r.content_type == "application/apply-patch+yaml" and r.query.get("fieldManager") == "aml-deploy" for r in applied
    )

    blue = cli("online-deployment", "create", "-f", workspace / "blue.yml", "--all-traffic", "-o", "json")
    assert blue["provisioning_state"] == "Succeeded", blue
    image = blue["image"]
    assert image.startswith(f"{kube_registry.host}/aml-deploy/{ep}@sha256:")
    running = standin.get("Deployment", ep, f"{ep}-blue")["spec"]["template"]["spec"]["containers"][0]
    assert running["image"] == image
    stages = blue["publish"]["stages"]
    assert {"build", "push", "apply", "rollout", "front", "first-score"} <= set(stages)

    keys = cli("online-endpoint", "get-credentials", "-n", ep, "-o", "json")
    answer = score(uri, keys["primaryKey"])
    assert answer.status_code == 200 and answer.json() == [9.0, 19.0]
    assert answer.headers["azureml-model-deployment"] == "blue"
    assert score(uri, keys["secondaryKey"]).status_code == 200
    assert score(uri, None).status_code == 401
    assert score(uri, "not-" + keys["primaryKey"]).status_code == 401

    green = cli("online-deployment", "create", "-f", workspace / "green.yml", "-o", "json")
    # an inline model is named after its deployment (green-model): only the model layer is new
    assert green["provisioning_state"] == "Succeeded" and green["image"] != image
    pushed = green["publish"]["push"]
    assert pushed["layer_kinds"] == ["model"], pushed
    assert pushed["bytes_pushed"] < 100_000 < pushed["bytes_skipped"]
    green_image = green["image"]
    assert {score(uri, keys["primaryKey"]).headers["azureml-model-deployment"] for _ in range(20)} == {"blue"}

    shown = cli("online-endpoint", "update", "-n", ep, "--traffic", "blue=80 green=20", "-o", "json")
    assert shown["traffic"] == {"blue": 80, "green": 20}
    served = Counter(score(uri, keys["primaryKey"]).headers["azureml-model-deployment"] for _ in range(500))
    assert set(served) == {"blue", "green"} and 0.15 <= served["green"] / 500 <= 0.25, served

    write_yaml(workspace / "blue.yml", deployment(ep, "blue", instance_count=2))
    scaled = cli("online-deployment", "update", "-f", workspace / "blue.yml", "-o", "json")
    assert scaled["provisioning_state"] == "Succeeded" and scaled["publish"]["push"] is None  # the same image
    workload = standin.get("Deployment", ep, f"{ep}-blue")
    assert workload["spec"]["replicas"] == 2 and workload["status"]["readyReplicas"] == 2
    limits = {d["name"]: d["limits"] for d in front_description(standin, ep, ep)["deployments"]}
    assert limits["blue"]["instance_count"] == 2 and limits["green"]["instance_count"] == 1

    (workspace / "model" / "NOTES.txt").write_text("trained again on more data\n" * 40)
    updated = cli("online-deployment", "update", "-f", workspace / "green.yml", "-o", "json")
    pushed = updated["publish"]["push"]
    assert updated["provisioning_state"] == "Succeeded" and updated["image"] != green_image
    assert pushed["layer_kinds"] == ["model"], pushed
    assert 0 < pushed["bytes_pushed"] < 100_000 and pushed["bytes_skipped"] > 100_000_000, pushed
    assert standin.get("Deployment", ep, f"{ep}-green")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert score(uri, keys["primaryKey"], "green").status_code == 200

    back = cli("online-deployment", "rollback", "-e", ep, "-n", "green", "-o", "json")
    assert back["provisioning_state"] == "Succeeded" and back["image"] == green_image
    assert back["publish"]["rolled_back_to"] == 1
    assert score(uri, keys["primaryKey"], "green").status_code == 200

    listed = cli("online-deployment", "list", "-e", ep, "-o", "json")
    assert sorted(d["name"] for d in listed) == ["blue", "green"]
    deleted = cli("online-endpoint", "delete", "-n", ep, "-y", "-o", "json")
    assert sorted(deleted["deleted_deployments"]) == ["blue", "green"] and "kept_namespace" not in deleted
    standin.wait_for(lambda: not ours(standin, ep) and not standin.objects("Pod", ep), 60, "the namespace to empty")
    assert f"No endpoint {ep} is published to a cluster" in cli("online-endpoint", "show", "-n", ep, expect=1)
    with pytest.raises(requests.ConnectionError):
        score(uri, keys["primaryKey"], timeout=5)
