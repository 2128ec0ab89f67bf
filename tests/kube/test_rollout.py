"""wait_for_rollout(): success with progress, and a report that says why a rollout failed."""

from __future__ import annotations

import pytest

from aml_deploy.deploy.failures import explain
from aml_deploy.kube import apply, connect, wait_for_rollout
from tests.kube.manifests import HTTP_SERVER, deployment, labelled, namespace

BASE = "aml-deploy-test/base:bookworm"  # no registry named: the node uses the local image
SCORE = """import json


def init():
    global model
    model = json.load(open("/nonexistent/model.json"))


def run(raw):
    return raw
"""
INIT_LINE = 6  # the line of SCORE that raises


def publish(objects: list[dict], instance: str = "t") -> None:
    with connect() as cluster:
        apply(cluster, [labelled(o, instance) for o in objects], instance=instance)


@pytest.mark.docker
def test_a_rollout_that_succeeds_reports_progress_until_every_replica_is_ready(kube_cluster):
    publish([namespace("ok"), deployment("web", "ok", BASE, replicas=2, command=HTTP_SERVER)])
    seen = []
    with connect() as cluster:
        report = wait_for_rollout(cluster, "ok", ["web"], timeout=90, poll=0.5, progress=seen.append)
    assert report.ok, report.summary()
    final = report.deployments[0]
    assert (final.desired, final.updated, final.ready, final.available, final.observed) == (2, 2, 2, 2, True)
    assert seen and seen[-1] == report.deployments  # called at each poll, the last one with the final state
    assert [state[0].ready for state in seen] == sorted(state[0].ready for state in seen)
    assert report.summary() == "web: 2/2 ready"


@pytest.mark.docker
def test_a_crash_looping_init_is_reported_with_its_log_and_its_line_in_score_py(kube_cluster, tmp_path):
    code = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "code", "namespace": "bad"}, "data": {"score.py": SCORE}}
    scorer = deployment(
        "scorer",
        "bad",
        BASE,
        command=["python3", "-c", "import sys; sys.path.insert(0, '/var/azureml-app'); import score; score.init()"],
        volumeMounts=[{"name": "code", "mountPath": "/var/azureml-app"}],
    )
    scorer["spec"]["template"]["spec"]["volumes"] = [{"name": "code", "configMap": {"name": "code"}}]
    publish([namespace("bad"), code, scorer])
    with connect() as cluster:
        report = wait_for_rollout(cluster, "bad", ["scorer"], timeout=60, poll=0.5)
    assert not report.ok and not report.timed_out
    problem = report.problems[0]
    assert (problem.reason, problem.container, problem.last_exit_code) == ("CrashLoopBackOff", "scorer", 1)
    assert "FileNotFoundError" in problem.previous_log and "Traceback" in problem.previous_log
    assert any(e.reason == "BackOff" and e.type == "Warning" for e in report.events)
    summary = report.summary()
    assert summary.startswith("the rollout failed (CrashLoopBackOff): scorer: 0 of 1 ready")
    assert "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/model.json'" in summary

    (tmp_path / "code").mkdir()
    failure = explain(report.previous_traceback(), "/var/azureml-app", tmp_path / "code")
    assert (failure.path, failure.line, failure.function) == (tmp_path / "code" / "score.py", INIT_LINE, "init")
    assert failure.message.startswith("FileNotFoundError")


@pytest.mark.docker
def test_an_oom_killed_container_is_named_so(kube_cluster):
    hog = deployment(
        "hog",
        "oom",
        BASE,
        readiness=False,
        resources={"limits": {"memory": "48Mi"}},
        command=["python3", "-c", "x = bytearray(256 * 1024 * 1024)"],
    )
    publish([namespace("oom"), hog])
    with connect() as cluster:
        report = wait_for_rollout(cluster, "oom", ["hog"], timeout=60, poll=0.5)
    assert not report.ok
    assert report.problems[0].last_exit_reason == "OOMKilled" and report.problems[0].last_exit_code == 137
    assert report.reason.startswith("the rollout failed (OOMKilled)")


def test_an_unschedulable_pod_is_reported_with_the_schedulers_reason(kube_api):
    kube_api.set_capacity(cpu="1")
    big = deployment("big", "big", "img:1", resources={"requests": {"cpu": "3", "memory": "64Mi"}})
    publish([namespace("big"), big])
    with connect() as cluster:
        report = wait_for_rollout(cluster, "big", ["big"], timeout=30, poll=0.3)
    assert not report.ok and not report.timed_out
    [problem] = report.problems
    assert problem.reason == "Unschedulable" and problem.container is None
    assert problem.message.startswith("0/1 nodes are available: 1 Insufficient cpu.")
    assert [e.reason for e in report.events] == ["FailedScheduling"]
    assert "Unschedulable: 0/1 nodes are available: 1 Insufficient cpu." in report.summary()


@pytest.mark.docker
def test_a_pod_that_never_gets_ready_times_out_with_its_probe_failures(kube_cluster):
    never = deployment("never", "slow", BASE, command=HTTP_SERVER)
    never["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"] = "/missing"
    publish([namespace("slow"), never])
    with connect() as cluster:
        report = wait_for_rollout(cluster, "slow", ["never"], timeout=8, poll=0.5)
    assert report.timed_out and not report.ok and report.problems == []
    assert report.reason.startswith("the rollout did not finish in 8 s: never: 0 of 1 ready")
    unhealthy = [e for e in report.events if e.reason == "Unhealthy"]
    # the first probe may come before the server listens ("connection refused"); then come the 404s
    assert "Readiness probe failed: HTTP probe failed with statuscode: 404" in [e.message for e in unhealthy]


def test_waiting_for_a_deployment_that_does_not_exist(kube_api):
    from aml_deploy.kube import ApplyError

    publish([namespace("none")])
    with connect() as cluster, pytest.raises(ApplyError) as caught:
        wait_for_rollout(cluster, "none", ["ghost"], timeout=5)
    assert 'deployments.apps "ghost" not found' in str(caught.value)


@pytest.mark.docker
def test_rollback_returns_to_the_previous_pod_template(kube_cluster):
    from aml_deploy.kube import revisions, rollback

    first = deployment("web", "back", BASE, command=HTTP_SERVER, env=[{"name": "MODEL", "value": "1"}])
    publish([namespace("back"), first])
    second = deployment("web", "back", BASE, command=HTTP_SERVER, env=[{"name": "MODEL", "value": "2"}, {"name": "EXTRA", "value": "x"}])
    with connect() as cluster:
        assert wait_for_rollout(cluster, "back", ["web"], timeout=60, poll=0.5).ok
        publish([namespace("back"), second])
        assert wait_for_rollout(cluster, "back", ["web"], timeout=60, poll=0.5).ok
        assert [r.number for r in revisions(cluster, "back", "web")] == [1, 2]
        target = rollback(cluster, "back", "web")
        assert target.number == 1
        assert wait_for_rollout(cluster, "back", ["web"], timeout=60, poll=0.5).ok
        history = revisions(cluster, "back", "web")
    assert [r.number for r in history] == [2, 3]  # revision 1's ReplicaSet is re-used as revision 3
    env = kube_cluster.get("Deployment", "back", "web")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "MODEL", "value": "1"}]
    pods = kube_cluster.objects("Pod", "back")
    assert all(p["spec"]["containers"][0]["env"] == env for p in pods if not p["metadata"].get("deletionTimestamp"))
