"""apply(): server-side apply with the official client against the stand-in; prune removes only ours."""

from __future__ import annotations

import copy

import pytest
import yaml
from kubernetes import client as k8s

from aml_deploy.kube import ApplyError, ManifestError, apply, connect, remove
from tests.kube.manifests import EXAMPLES, labelled
from tests.support import require


@pytest.fixture
def objects() -> list[dict]:
    path = EXAMPLES / "k8s-manifests.fixture.yaml"
    require(path.is_file(), f"{path} is missing (../shared not present)")
    return [labelled(o) for o in yaml.safe_load_all(path.read_text())]


@pytest.fixture
def cluster(kube_api):
    with connect() as cluster:
        yield cluster


def _versions(kube_api) -> dict:
    kinds = ("Namespace", "Secret", "Service", "HorizontalPodAutoscaler", "Deployment")
    return {
        (k, o["metadata"]["name"]): (o["metadata"]["resourceVersion"], o["metadata"].get("generation"))
        for k in kinds
        for o in kube_api.objects(k)
    }


def test_apply_creates_every_object_with_server_side_apply(kube_api, cluster, objects):
    result = apply(cluster, objects, instance="demo")
    assert [a.ref.kind for a in result.applied] == ["Namespace", "Secret", "Service", "Deployment", "HorizontalPodAutoscaler"]
    assert result.generation_of("Deployment", "scorer") == 1 and result.pruned == []
    deployment = kube_api.get("Deployment", "scoring-prod", "scorer")
    assert deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "aml-deploy"
    assert deployment["metadata"]["managedFields"][0]["manager"] == "aml-deploy"
    patches = [r for r in kube_api.requests if r.method == "PATCH"]
    assert len(patches) == 5 and all(r.content_type == "application/apply-patch+yaml" for r in patches)
    assert all(r.query == {"fieldManager": "aml-deploy", "force": "true"} for r in patches)
    assert patches[0].path == "/api/v1/namespaces/scoring-prod"


def test_applying_the_same_set_again_changes_nothing(kube_api, cluster, objects):
    apply(cluster, objects, instance="demo")
    kube_api.wait_for(lambda: kube_api.get("Deployment", "scoring-prod", "scorer").get("status"), 10, "a status")
    before = _versions(kube_api)
    result = apply(cluster, objects, instance="demo")
    after = _versions(kube_api)
    for key in before:
        if key[0] == "Deployment":  # its status moves on its own; its spec does not
            assert after[key][1] == before[key][1] == 1
        else:
            assert after[key] == before[key], key
    assert result.pruned == []


def test_prune_removes_only_our_objects_that_the_new_set_dropped(kube_api, cluster, objects):
    apply(cluster, objects, instance="demo")
    foreign = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "theirs", "namespace": "scoring-prod"}, "stringData": {"a": "b"}}
    other_instance = labelled(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "other", "namespace": "scoring-prod"}}, instance="other"
    )
    apply(cluster, [other_instance], instance="other", prune=False)
    k8s.CoreV1Api(cluster.api).create_namespaced_secret("scoring-prod", foreign)  # someone else's, no labels
    assert kube_api.get("Secret", "scoring-prod", "theirs") is not None
    kube_api.clear_requests()

    smaller = [o for o in objects if o["kind"] not in ("HorizontalPodAutoscaler", "Secret")]
    result = apply(cluster, smaller, instance="demo")
    assert sorted(str(r) for r in result.pruned) == ["HorizontalPodAutoscaler scoring-prod/scorer", "Secret scoring-prod/scorer-keys"]
    assert kube_api.get("HorizontalPodAutoscaler", "scoring-prod", "scorer") is None
    assert kube_api.get("Secret", "scoring-prod", "scorer-keys") is None
    assert kube_api.get("Secret", "scoring-prod", "theirs") is not None
    assert kube_api.get("Secret", "scoring-prod", "other") is not None
    assert kube_api.get("Deployment", "scoring-prod", "scorer") is not None
    deletes = [r.path for r in kube_api.requests if r.method == "DELETE"]
    assert deletes == [
        "/apis/autoscaling/v2/namespaces/scoring-prod/horizontalpodautoscalers/scorer",
        "/api/v1/namespaces/scoring-prod/secrets/scorer-keys",
    ]
    lists = [r for r in kube_api.requests if r.method == "GET" and r.query.get("labelSelector")]
    assert lists and all(
        r.query["labelSelector"] == "app.kubernetes.io/managed-by=aml-deploy,app.kubernetes.io/instance=demo" for r in lists
    )

    removed = remove(cluster, "scoring-prod", instance="demo", delete_namespace=True)
    assert {r.kind for r in removed} == {"Service", "Deployment", "Namespace"}
    kube_api.wait_for(lambda: kube_api.get("Namespace", None, "scoring-prod") is None, 10, "the namespace gone")
    assert kube_api.get("Secret", "scoring-prod", "theirs") is None  # the namespace took it along, as asked


def test_remove_keeps_a_namespace_that_is_not_ours(kube_api, cluster, objects):
    objects[0]["metadata"]["labels"]["app.kubernetes.io/instance"] = "shared"
    objects = objects[1:]  # the namespace exists already, created by someone else
    apply(
        cluster,
        [labelled({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "scoring-prod"}}, instance="someone")],
        instance="someone",
    )
    apply(cluster, objects, instance="demo")
    removed = remove(cluster, "scoring-prod", instance="demo", delete_namespace=True)
    assert "Namespace" not in {r.kind for r in removed}
    assert kube_api.get("Namespace", None, "scoring-prod") is not None


def test_bad_manifests_are_refused_before_anything_is_sent(kube_api, cluster, objects):
    broken = copy.deepcopy(objects)
    broken[2]["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["successThreshold"] = 3
    with pytest.raises(ManifestError) as caught:
        apply(cluster, broken, instance="demo")
    assert caught.value.findings[0].rule == "probe" and "nothing was sent" in str(caught.value)
    unlabelled = copy.deepcopy(objects)
    del unlabelled[3]["metadata"]["labels"]["app.kubernetes.io/instance"]
    with pytest.raises(ManifestError) as caught:
        apply(cluster, unlabelled, instance="demo")
    assert "Service scoring-prod/scorer lacks label(s) app.kubernetes.io/instance" in str(caught.value)
    assert [r for r in kube_api.requests if r.method != "GET"] == []


def test_transient_server_errors_are_retried(kube_api, cluster, objects):
    kube_api.fail_next(2, status=500, method="PATCH")
    kube_api.fail_next(1, status=503, method="GET")
    apply(cluster, objects, instance="demo")
    assert kube_api.get("HorizontalPodAutoscaler", "scoring-prod", "scorer") is not None
    assert [r.status for r in kube_api.requests if r.method == "PATCH"][:3] == [500, 500, 201]


def test_a_refusal_is_reported_in_the_api_servers_words(kube_api, cluster, objects):
    with pytest.raises(ApplyError) as caught:
        apply(cluster, objects[1:2], instance="demo")  # its namespace does not exist
    assert 'namespaces "scoring-prod" not found' in str(caught.value)
    assert caught.value.status["code"] == 404 and "Traceback" not in str(caught.value)


def test_an_unreachable_server_is_a_cluster_error(kube_api, objects):
    from aml_deploy.kube import ClusterError

    kube_api.stop()
    with connect() as cluster, pytest.raises(ClusterError) as caught:
        apply(cluster, objects, instance="demo")
    assert f"cannot reach the Kubernetes API server {kube_api.url}" in str(caught.value)


def test_a_dry_run_is_checked_by_the_server_and_stores_nothing(kube_api, cluster, objects):
    result = apply(cluster, objects[:1], instance="demo", dry_run=True)
    assert [a.ref.name for a in result.applied] == ["scoring-prod"]
    assert kube_api.get("Namespace", None, "scoring-prod") is None
    assert [r.query.get("dryRun") for r in kube_api.requests if r.method == "PATCH"] == ["All"]


def test_an_object_without_a_namespace_goes_to_the_contexts_namespace(kube_api, cluster):
    apply(cluster, [labelled({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})], instance="demo", prune=False)
    config = labelled({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1"}})
    result = apply(cluster, [config], instance="demo")
    assert str(result.applied[0].ref) == "ConfigMap default/settings"
    assert kube_api.get("ConfigMap", "default", "settings")["data"] == {"a": "1"}
