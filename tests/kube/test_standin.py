"""The stand-in API server checks what a real one checks and answers as it answers; its node runs
pods for real. These tests use the official client directly (no product code)."""

from __future__ import annotations

import json
import socket
import urllib.request
from types import SimpleNamespace

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient

from tests.kube.manifests import EXAMPLES, HTTP_SERVER, deployment, namespace, service
from tests.standins.kube.fixtures import pull_secret
from tests.support import require


@pytest.fixture
def api(kube_api, tmp_path):
    api = k8s_config.new_client_from_config(str(kube_api.kubeconfig))
    yield api
    api.close()


def dynamic(api, tmp_path) -> DynamicClient:
    return DynamicClient(api, cache_file=str(tmp_path / "discovery.json"))


def ssa(dyn: DynamicClient, obj: dict, manager: str = "test", force: bool = True):
    resource = dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    return resource.server_side_apply(
        body=obj, name=obj["metadata"]["name"], namespace=obj["metadata"].get("namespace"), field_manager=manager, force_conflicts=force
    )


def examples(name: str) -> list[dict]:
    path = EXAMPLES / name
    require(path.is_file(), f"{path} is missing (../shared not present)")
    return list(yaml.safe_load_all(path.read_text()))


def status_of(error: ApiException) -> dict:
    return json.loads(error.body)


def test_accepts_every_object_of_the_validated_example(kube_api, api, tmp_path):
    dyn = dynamic(api, tmp_path)
    for obj in examples("k8s-manifests.fixture.yaml"):
        answer = ssa(dyn, obj)
        assert answer.metadata.name == obj["metadata"]["name"]
    stored = kube_api.get("Deployment", "scoring-prod", "scorer")
    assert stored["metadata"]["generation"] == 1 and stored["spec"]["replicas"] == 2
    secret = kube_api.get("Secret", "scoring-prod", "scorer-keys")
    assert "stringData" not in secret and secret["data"]["primaryKey"] == "YWJj"  # base64("abc"), as stored
    applies = [r for r in kube_api.requests if r.method == "PATCH"]
    assert len(applies) == 5
    assert {r.content_type for r in applies} == {"application/apply-patch+yaml"}
    assert all(r.query["fieldManager"] == "test" and r.query["force"] == "true" for r in applies)


@pytest.mark.parametrize(
    "change, field, words",
    [
        (lambda d: d["spec"].__setitem__("replicaz", 2), "spec.replicaz", 'unknown field "spec.replicaz"'),
        (lambda d: d["spec"].__setitem__("replicas", "two"), "spec.replicas", "'two'"),
        (
            lambda d: d["spec"]["template"]["spec"]["containers"][0].__setitem__("ports", [{"containerPort": "5001"}]),
            "spec.template.spec.containers[0].ports[0].containerPort",
            "'5001'",
        ),
    ],
)
def test_refuses_unknown_fields_and_wrong_types_with_422(kube_api, api, tmp_path, change, field, words):
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("scoring-prod"))
    bad = examples("k8s-manifests.fixture.yaml")[2]
    change(bad)
    with pytest.raises(ApiException) as caught:
        ssa(dyn, bad)
    status = status_of(caught.value)
    assert caught.value.status == 422 and status["kind"] == "Status" and status["reason"] == "Invalid"
    assert status["message"].startswith('Deployment.apps "scorer" is invalid: ')
    assert any(c["field"] == field and words in c["message"] for c in status["details"]["causes"]), status
    assert kube_api.get("Deployment", "scoring-prod", "scorer") is None


def test_refuses_what_a_real_api_server_refuses_beyond_the_schema(kube_api, api, tmp_path):
    dyn = dynamic(api, tmp_path)
    broken = examples("k8s-semantically-invalid-but-schema-valid.yaml")
    with pytest.raises(ApiException) as caught:
        ssa(dyn, broken[0])  # Namespace Scoring_Prod
    assert caught.value.status == 422 and status_of(caught.value)["details"]["causes"][0]["field"] == "metadata.name"
    with pytest.raises(ApiException) as caught:
        ssa(dyn, broken[1])  # its namespace scoring-prod does not exist
    assert caught.value.status == 404 and 'namespaces "scoring-prod" not found' in status_of(caught.value)["message"]
    ssa(dyn, namespace("scoring-prod"))
    with pytest.raises(ApiException) as caught:
        ssa(dyn, broken[2])
    cause = status_of(caught.value)["details"]["causes"][0]
    assert cause["field"] == "spec.template.spec.containers[0].livenessProbe.successThreshold"
    assert cause["message"] == "Invalid value: 3: must be 1"


def test_server_side_apply_owns_fields_and_is_a_no_op_when_nothing_changed(kube_api, api, tmp_path):
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("own"))
    first = deployment("web", "own", "img:1", env=[{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
    ssa(dyn, first)
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "own"}, "data": {"k": "v"}}
    created = ssa(dyn, config).metadata.resourceVersion
    assert ssa(dyn, config).metadata.resourceVersion == created  # nothing changed: nothing written
    before = kube_api.get("Deployment", "own", "web")
    ssa(dyn, first)
    again = kube_api.get("Deployment", "own", "web")
    assert again["metadata"]["generation"] == before["metadata"]["generation"] == 1
    assert again["metadata"]["managedFields"] == before["metadata"]["managedFields"]
    assert again["metadata"]["managedFields"][0]["manager"] == "test"
    assert "f:replicas" in again["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]

    second = deployment("web", "own", "img:1", env=[{"name": "A", "value": "1"}])  # B no longer applied
    del second["spec"]["replicas"]
    ssa(dyn, second)
    after = kube_api.get("Deployment", "own", "web")
    assert [e["name"] for e in after["spec"]["template"]["spec"]["containers"][0]["env"]] == ["A"]
    assert after["spec"]["replicas"] == 1  # dropped from the configuration: back to the default
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1

    other = deployment("web", "own", "img:2")
    with pytest.raises(ApiException) as caught:
        ssa(dyn, other, manager="someone-else", force=False)
    assert caught.value.status == 409 and "conflict" in status_of(caught.value)["message"].lower()
    ssa(dyn, other, manager="someone-else", force=True)
    assert kube_api.get("Deployment", "own", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "img:2"


def test_bearer_token_is_checked(kube_api, tmp_path):
    config = yaml.safe_load(kube_api.kubeconfig.read_text())
    config["users"][0]["user"]["token"] = "wrong"
    (tmp_path / "wrong").write_text(yaml.safe_dump(config))
    with k8s_config.new_client_from_config(str(tmp_path / "wrong")) as wrong, pytest.raises(ApiException) as caught:
        k8s.CoreV1Api(wrong).list_namespace()
    assert caught.value.status == 401
    assert all("wrong" not in json.dumps(r.query) for r in kube_api.requests)


def test_lists_by_label_and_deleting_a_deployment_removes_its_pods(kube_api, api, tmp_path):
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("gc"))
    for name in ("one", "two"):
        ssa(dyn, deployment(name, "gc", "img:1", replicas=2))
    core, apps = k8s.CoreV1Api(api), k8s.AppsV1Api(api)
    kube_api.wait_for(lambda: len(core.list_namespaced_pod("gc").items) == 4, 10, "4 pods")
    assert len(core.list_namespaced_pod("gc", label_selector="app=one").items) == 2
    assert len(core.list_namespaced_pod("gc", label_selector="app in (one,two),app!=two").items) == 2
    rs = apps.list_namespaced_replica_set("gc", label_selector="app=one").items[0]
    assert rs.metadata.annotations["deployment.kubernetes.io/revision"] == "1"
    apps.delete_namespaced_deployment("one", "gc", propagation_policy="Background")
    kube_api.wait_for(lambda: not core.list_namespaced_pod("gc", label_selector="app=one").items, 10, "pods gone")
    assert not apps.list_namespaced_replica_set("gc", label_selector="app=one").items
    assert len(core.list_namespaced_pod("gc", label_selector="app=two").items) == 2

    core.delete_namespace("gc")
    kube_api.wait_for(lambda: kube_api.get("Namespace", None, "gc") is None, 10, "namespace gone")
    assert not [o for k in ("Deployment", "ReplicaSet", "Pod", "Event") for o in kube_api.objects(k, "gc")]


def test_injected_faults_are_answered_and_recorded(kube_api, api):
    core = k8s.CoreV1Api(api)
    kube_api.fail_next(1, status=500, path="/namespaces")
    with pytest.raises(ApiException) as caught:
        core.list_namespace()
    assert caught.value.status == 500 and json.loads(caught.value.body)["reason"] == "InternalError"
    kube_api.fail_next(1, status=429, path="/namespaces")
    assert core.list_namespace().items == []  # urllib3 retries a 429 that has Retry-After, as it would for real
    assert [r.status for r in kube_api.requests if r.path == "/api/v1/namespaces"] == [500, 429, 200]


def test_requests_above_node_capacity_leave_the_pod_unschedulable(kube_api, api, tmp_path):
    kube_api.set_capacity(cpu="1")
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("big"))
    ssa(dyn, deployment("big", "big", "img:1", resources={"requests": {"cpu": "2", "memory": "64Mi"}}))
    pod = kube_api.wait_for(lambda: next(iter(kube_api.objects("Pod", "big")), None), 10, "a pod")
    kube_api.wait_for(lambda: kube_api.events_for("big", "FailedScheduling"), 10, "FailedScheduling")
    pod = kube_api.get("Pod", "big", pod["metadata"]["name"])
    condition = pod["status"]["conditions"][0]
    assert pod["status"]["phase"] == "Pending" and "nodeName" not in pod["spec"]
    assert condition["reason"] == "Unschedulable"
    assert condition["message"].startswith("0/1 nodes are available: 1 Insufficient cpu.")


def test_an_autoscaler_keeps_its_target_within_its_bounds(kube_api, api, tmp_path):
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("hpa"))
    ssa(dyn, deployment("web", "hpa", "img:1", replicas=1))
    ssa(
        dyn,
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": "hpa"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 3, "maxReplicas": 5},
        },
    )
    kube_api.wait_for(lambda: len(kube_api.objects("Pod", "hpa")) == 3, 10, "3 pods")
    assert kube_api.get("Deployment", "hpa", "web")["spec"]["replicas"] == 3
    assert kube_api.events_for("hpa", "SuccessfulRescale")[0]["message"].startswith("New size: 3")


# --- pods running on Docker ---------------------------------------------------------------------------

pytest_docker = pytest.mark.docker


def _http_get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.status


@pytest_docker
def test_runs_a_deployment_and_serves_it_through_its_load_balancer(kube_cluster, kube_image, kube_registry, kube_docker, tmp_path):
    api = k8s_config.new_client_from_config(str(kube_cluster.kubeconfig))
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("web"))
    ssa(dyn, pull_secret("pull", "web", kube_registry))
    ssa(dyn, deployment("web", "web", kube_image, replicas=2, command=HTTP_SERVER, pull_secret="pull"))
    ssa(dyn, service("web", "web", kind="LoadBalancer"))
    apps = k8s.AppsV1Api(api)
    kube_cluster.wait_for(lambda: apps.read_namespaced_deployment("web", "web").status.ready_replicas == 2, 90, "2 ready replicas")
    status = apps.read_namespaced_deployment("web", "web").status
    assert status.updated_replicas == status.available_replicas == 2 and status.observed_generation == 1
    reasons = [e["reason"] for e in kube_cluster.events_for("web")]
    assert {"Scheduled", "Pulling", "Pulled", "Created", "Started"} <= set(reasons)

    svc = kube_cluster.wait_for(
        lambda: k8s.CoreV1Api(api).read_namespaced_service("web", "web").status.load_balancer.ingress, 20, "an ingress address"
    )
    assert _http_get(f"http://{svc[0].ip}:80/") == 200
    node_port = k8s.CoreV1Api(api).read_namespaced_service("web", "web").spec.ports[0].node_port
    assert _http_get(f"http://127.0.0.1:{node_port}/") == 200

    # another pod reaches it by the Service's DNS names (and port 80, forwarded to 8080)
    pod = kube_cluster.objects("Pod", "web")[0]["metadata"]["name"]
    container = kube_docker.containers.list(filters={"label": [f"pod={pod}", "container=web"]})[0]
    for host in ("web", "web.web.svc.cluster.local"):
        code = container.exec_run(
            ["python3", "-c", f"import urllib.request;print(urllib.request.urlopen('http://{host}:80/', timeout=5).status)"]
        )
        assert code.output.decode().strip() == "200", code.output

    # the node pulled from the registry, with the pull secret's credentials
    pulls = [e for e in kube_cluster.events_for("web", "Pulled") if "Successfully pulled" in e["message"]]
    assert pulls and kube_image in pulls[0]["message"]

    # deleting the namespace removes everything in it, containers and network included
    k8s.CoreV1Api(api).delete_namespace("web")
    kube_cluster.wait_for(lambda: not kube_cluster.docker_objects(), 60, "no container or network left")
    assert kube_cluster.get("Namespace", None, "web") is None
    with pytest.raises(OSError):
        _http_get(f"http://{svc[0].ip}:80/")
    api.close()


@pytest_docker
def test_a_failing_container_crash_loops_an_oom_is_reported_and_the_previous_log_is_kept(kube_cluster, kube_docker, tmp_path):
    api = k8s_config.new_client_from_config(str(kube_cluster.kubeconfig))
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("crash"))
    crash = deployment(
        "crash",
        "crash",
        "aml-deploy-test/base:bookworm",
        readiness=False,
        command=["python3", "-c", "print('about to fail', flush=True); raise SystemExit(3)"],
    )
    crash["spec"]["template"]["spec"]["containers"].append(
        {
            "name": "hog",
            "image": "aml-deploy-test/base:bookworm",
            "resources": {"limits": {"memory": "48Mi"}},
            "command": ["python3", "-c", "x = bytearray(256 * 1024 * 1024)"],
        }
    )
    ssa(dyn, crash)
    core = k8s.CoreV1Api(api)

    def statuses():
        pods = core.list_namespaced_pod("crash").items
        return {s.name: s for s in (pods[0].status.container_statuses or [])} if pods else {}

    kube_cluster.wait_for(
        lambda: (
            (s := statuses())
            and all(c.last_state.terminated and c.state.waiting and c.state.waiting.reason == "CrashLoopBackOff" for c in s.values())
            and len(s) == 2
        ),
        60,
        "both containers in CrashLoopBackOff",
    )
    found = statuses()
    assert found["crash"].last_state.terminated.exit_code == 3
    assert found["crash"].last_state.terminated.reason == "Error"
    assert found["hog"].last_state.terminated.reason == "OOMKilled"
    assert found["hog"].last_state.terminated.exit_code == 137
    pod = core.list_namespaced_pod("crash").items[0].metadata.name
    log = core.read_namespaced_pod_log(pod, "crash", container="crash", previous=True, tail_lines=5)
    assert "about to fail" in log
    with pytest.raises(ApiException) as caught:
        core.read_namespaced_pod_log(pod, "crash")  # two containers: the API server wants a name
    assert caught.value.status == 400
    assert kube_cluster.events_for("crash", "BackOff")
    api.close()


@pytest_docker
def test_a_pull_that_fails_shows_err_image_pull_then_image_pull_back_off(kube_cluster, kube_docker, kube_registry, tmp_path):
    # An image of this test's own: once the engine has pulled an image by digest (the session's kube_image, in an
    # earlier test), it serves that digest again without asking the registry, and the wrong password never fails.
    kube_image = _image_of_its_own(kube_docker, kube_registry, "standin/pull")
    api = k8s_config.new_client_from_config(str(kube_cluster.kubeconfig))
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("pull"))
    wrong = pull_secret("wrong", "pull", kube_registry)
    impostor = SimpleNamespace(host=kube_registry.host, auth_config=lambda: {**kube_registry.auth_config(), "password": "not-the-password"})
    wrong["data"][".dockerconfigjson"] = pull_secret("x", "x", impostor)["data"][".dockerconfigjson"]
    ssa(dyn, wrong)
    ssa(dyn, deployment("pull", "pull", kube_image, pull_secret="wrong"))
    kube_cluster.wait_for(
        lambda: any(
            (s.get("state") or {}).get("waiting", {}).get("reason") == "ImagePullBackOff"
            for p in kube_cluster.objects("Pod", "pull")
            for s in (p.get("status") or {}).get("containerStatuses") or []
        ),
        90,
        "ImagePullBackOff",
    )  # a shared 2-core machine can take its time over the first failed pulls
    failed = [e["message"] for e in kube_cluster.events_for("pull", "Failed")]
    assert any("unauthorized" in m or "authentication required" in m for m in failed), failed
    assert "Error: ImagePullBackOff" in failed
    api.close()


@pytest_docker
def test_a_new_pod_template_rolls_out_and_replicas_scale(kube_cluster, kube_docker, tmp_path):
    api = k8s_config.new_client_from_config(str(kube_cluster.kubeconfig))
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("roll"))
    base = "aml-deploy-test/base:bookworm"  # no registry named: the node uses the local image
    ssa(dyn, deployment("roll", "roll", base, replicas=2, command=HTTP_SERVER, env=[{"name": "V", "value": "1"}]))
    apps = k8s.AppsV1Api(api)
    done = lambda n: (
        (s := apps.read_namespaced_deployment("roll", "roll").status).ready_replicas == n and s.updated_replicas == n and s.replicas == n
    )
    kube_cluster.wait_for(lambda: done(2), 60, "first revision ready")
    first = {p["metadata"]["name"] for p in kube_cluster.objects("Pod", "roll")}

    ssa(dyn, deployment("roll", "roll", base, replicas=3, command=HTTP_SERVER, env=[{"name": "V", "value": "2"}]))
    kube_cluster.wait_for(lambda: done(3), 90, "second revision ready")
    pods = kube_cluster.wait_for(lambda: (p := kube_cluster.objects("Pod", "roll")) and len(p) == 3 and p, 30, "the old pods terminated")
    assert not first & {p["metadata"]["name"] for p in pods}
    assert len({p["metadata"]["labels"]["pod-template-hash"] for p in pods}) == 1
    sets = {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs["spec"]["replicas"]
        for rs in kube_cluster.objects("ReplicaSet", "roll")
    }
    assert sets == {"1": 0, "2": 3}
    scaled = [e["message"] for e in kube_cluster.events_for("roll", "ScalingReplicaSet")]
    assert any("Scaled down replica set" in m for m in scaled)
    assert apps.read_namespaced_deployment("roll", "roll").metadata.annotations["deployment.kubernetes.io/revision"] == "2"
    api.close()


@pytest_docker
def test_a_failing_liveness_probe_restarts_the_container(kube_cluster, tmp_path):
    api = k8s_config.new_client_from_config(str(kube_cluster.kubeconfig))
    dyn = dynamic(api, tmp_path)
    ssa(dyn, namespace("live"))
    sick = deployment(
        "live",
        "live",
        "aml-deploy-test/base:bookworm",
        command=HTTP_SERVER,
        readiness=False,
        livenessProbe={"httpGet": {"path": "/", "port": 9999}, "periodSeconds": 1, "failureThreshold": 2},
    )
    ssa(dyn, sick)
    kube_cluster.wait_for(lambda: kube_cluster.events_for("live", "Killing"), 30, "a Killing event")
    unhealthy = kube_cluster.events_for("live", "Unhealthy")[0]["message"]
    assert unhealthy.startswith("Liveness probe failed: ") and "9999" in unhealthy
    kube_cluster.wait_for(
        lambda: any(
            s.get("restartCount", 0) >= 1 for p in kube_cluster.objects("Pod", "live") for s in p["status"].get("containerStatuses") or []
        ),
        30,
        "a restart",
    )
    api.close()


def test_a_free_loopback_port_is_really_free():
    """The LoadBalancer addresses are loopback addresses of their own: binding one works here."""
    with socket.socket() as probe:
        probe.bind(("127.45.0.1", 0))


def _image_of_its_own(docker_client, registry, repository: str) -> str:
    """BASE_IMAGE with a label no other image has, pushed to `registry`."""
    import io
    import uuid

    from tests.standins.kube.fixtures import BASE_IMAGE

    dockerfile = f"FROM {BASE_IMAGE}\nLABEL test.unique={uuid.uuid4().hex}\n".encode()
    image, _ = docker_client.images.build(fileobj=io.BytesIO(dockerfile), rm=True)
    return registry.push(docker_client, image.id, repository, "1")  # which removes the local copy with its only tag
