"""A rollout that fails is reported as one failure on the user's line: a crash-looping init() on a
new deployment leaves nothing behind; on an update the previous revision keeps serving, and a
rollback returns to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from aml_deploy.deploy.failures import Failure, failure_finding
from tests.kubepub.conftest import FAILING_LINE, SCORE_THAT_FAILS, deployment, write_yaml

pytestmark = pytest.mark.docker


def test_a_crash_looping_init_is_reported_on_its_line_and_a_failed_update_rolls_back(publishing, workspace, endpoint_name, cli):
    standin, ep = publishing, endpoint_name
    cli("online-endpoint", "create", "-f", workspace / "endpoint.yml")
    write_yaml(workspace / "bad.yml", deployment(ep, "bad", code="./bad-src/"))
    failed = cli("online-deployment", "create", "-f", workspace / "bad.yml", "--skip-local-check", "-o", "json", expect=1)
    assert failed["provisioning_state"] == "Failed"
    failure = failed["failure"]
    assert Path(failure["path"]) == workspace / "bad-src" / "score.py"
    assert (failure["line"], failure["function"]) == (FAILING_LINE, "init")
    assert failure["message"].startswith("KeyError") or failure["message"].startswith("FileNotFoundError")
    assert "CrashLoopBackOff" in failure["log"] and "Traceback (most recent call last)" in failure["log"]
    assert "BackOff" in failure["log"]  # the events that matter come with it
    assert "objects were removed" in failed["problem"]
    finding = failure_finding(
        Failure(failure["message"], Path(failure["path"]), failure["line"], failure["function"]),
        f"Kubernetes deployment {ep}/bad",
        SCORE_THAT_FAILS,
    )
    assert finding.code == "AMLD401" and finding.span.start_line == FAILING_LINE - 1
    assert standin.get("Deployment", ep, f"{ep}-bad") is None and standin.get("Service", ep, f"{ep}-bad") is None
    standin.wait_for(
        lambda: not standin.objects("Pod", ep, f"app.kubernetes.io/instance={ep}.bad"), 30, "the failed deployment's pods to go"
    )

    blue = cli("online-deployment", "create", "-f", workspace / "blue.yml", "--all-traffic", "-o", "json")
    assert blue["provisioning_state"] == "Succeeded"
    key = cli("online-endpoint", "get-credentials", "-n", ep, "-o", "json")["primaryKey"]
    write_yaml(workspace / "blue.yml", deployment(ep, "blue", code="./bad-src/"))
    broken = cli("online-deployment", "update", "-f", workspace / "blue.yml", "--skip-local-check", "-o", "json", expect=1)
    assert broken["provisioning_state"] == "Failed" and broken["failure"]["line"] == FAILING_LINE, broken
    assert "previous revision keeps serving" in broken["problem"] and "rollback" in broken["problem"]
    answer = requests.post(
        blue["scoring_uri"],
        data=json.dumps({"data": [[1, 2]]}),
        timeout=30,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert answer.status_code == 200 and answer.json() == [9.0]  # the old revision still answers
    shown = cli("online-deployment", "show", "-e", ep, "-n", "blue", "-o", "json")
    assert shown["provisioning_state"] == "Failed" and "CrashLoopBackOff" in shown["problem"]

    back = cli("online-deployment", "rollback", "-e", ep, "-n", "blue", "-o", "json")
    assert back["provisioning_state"] == "Succeeded" and back["image"] == blue["image"]
    workload = standin.get("Deployment", ep, f"{ep}-blue")
    assert workload["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    standin.wait_for(
        lambda: len(standin.objects("Pod", ep, f"app.kubernetes.io/instance={ep}.blue")) == 1, 30, "the broken revision's pod to go"
    )
    cli("online-endpoint", "delete", "-n", ep, "-y")


def test_a_pod_that_fits_no_node_is_reported_with_the_schedulers_reason(publishing, workspace, endpoint_name, cli):
    standin, ep = publishing, endpoint_name
    cli("online-endpoint", "create", "-f", workspace / "endpoint.yml")
    huge = deployment(ep, "huge", resources={"requests": {"cpu": "64", "memory": "256Mi"}})
    write_yaml(workspace / "huge.yml", huge)
    failed = cli(
        "online-deployment", "create", "-f", workspace / "huge.yml", "--skip-local-check", "--timeout", "20", "-o", "json", expect=1
    )
    assert "Unschedulable" in failed["failure"]["log"] and "Insufficient cpu" in failed["failure"]["log"]
    assert standin.get("Deployment", ep, f"{ep}-huge") is None
    cli("online-endpoint", "delete", "-n", ep, "-y")
