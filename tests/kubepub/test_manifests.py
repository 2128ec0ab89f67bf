"""The manifests an endpoint is published as, without a cluster: every v1 AKS field and v2 Kubernetes
field mapped, the recommended labels everywhere, strictly valid for Kubernetes 1.30 and later (our
checks and the kubernetes-validate command), the same bytes for the same input; and the semantic
rules refuse what a schema lets through."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aml_deploy import front
from aml_deploy.deploy.kubernetes import manifests, names, settings
from aml_deploy.deploy.kubernetes.live import new_front
from aml_deploy.documents.kinds import Kind
from aml_deploy.kube import dump_manifests, load_manifests, validate_manifests
from aml_deploy.kube.labels import INSTANCE, MANAGED_BY, NAME

DATA = Path(__file__).parent / "data"
DIGEST = "@sha256:" + "ab" * 32
V1_AKS = {
    "computeType": "aks",
    "computeTargetName": "prod-aks",
    "namespace": "scoring",
    "autoScaler": {"autoscaleEnabled": True, "minReplicas": 2, "maxReplicas": 6, "refreshPeriodInSeconds": 5, "targetUtilization": 60},
    "containerResourceRequirements": {"cpu": 0.5, "memoryInGB": 1.5, "cpuLimit": 2, "memoryInGBLimit": 3},
    "gpuCores": 1,
    "authEnabled": True,
    "keys": {"primaryKey": "p" * 32, "secondaryKey": "s" * 32},
    "scoringTimeoutMs": 30000,
    "maxConcurrentRequestsPerContainer": 4,
    "maxQueueWaitMs": 700,
    "livenessProbeRequirements": {
        "periodSeconds": 7,
        "initialDelaySeconds": 40,
        "timeoutSeconds": 3,
        "successThreshold": 2,
        "failureThreshold": 5,
    },
    "appInsightsEnabled": True,
    "dataCollection": {"storageEnabled": True},
}
V2_K8S = {
    "name": "blue",
    "endpoint_name": "ep",
    "type": "kubernetes",
    "instance_count": 3,
    "request_settings": {"request_timeout_ms": 9000, "max_concurrent_requests_per_instance": 2},
    "liveness_probe": {"initial_delay": 5, "period": 4, "timeout": 3, "success_threshold": 1, "failure_threshold": 6},
    "readiness_probe": {"initial_delay": 1, "period": 2, "timeout": 1, "success_threshold": 2, "failure_threshold": 3},
    "resources": {"requests": {"cpu": "250m", "memory": "1Gi", "gpu": "1"}, "limits": {"cpu": "1", "memory": "2Gi"}},
}


def publish_set(
    pod: settings.PodSettings,
    endpoint: str = "ep",
    deployment: str = "blue",
    namespace: str = "ep",
    auth: str = "key",
    own: bool = True,
    pull: bytes | None = b"{}",
) -> list[dict]:
    credentials = front.Credentials("p" * 32, "s" * 32)
    served = new_front(endpoint, auth, credentials, pod.api)
    served.deployments = [
        front.Deployment(deployment, manifests.service_address(endpoint, deployment, namespace), 100, limits=pod.front_limits())
    ]
    plan = manifests.EndpointPlan(endpoint, namespace, served, "reg.example/aml-deploy/aml_front" + DIGEST, own, pull)
    scorer = manifests.ScorerPlan(
        endpoint,
        deployment,
        namespace,
        "reg.example/aml-deploy/ep" + DIGEST,
        pod,
        version="model-3",
        pull_secret=names.pull_secret(endpoint) if pull else None,
    )
    return manifests.endpoint_objects(plan) + manifests.scorer_objects(scorer)


def find(objects: list[dict], kind: str, name: str | None = None) -> dict:
    matches = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(matches) == 1, f"{len(matches)} {kind} {name or ''}"
    return matches[0]


def container(objects: list[dict], name: str) -> dict:
    return find(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def secret_file(objects: list[dict], name: str, key: str) -> str:
    return base64.b64decode(find(objects, "Secret", name)["data"][key]).decode()


def test_every_v1_aks_field_is_mapped():
    pod = settings.from_v1(V1_AKS)
    objects = publish_set(pod, "svc", "default", "scoring", own=False)
    scorer = container(objects, "svc-default")
    assert scorer["resources"] == {
        "requests": {"cpu": "500m", "memory": "1536Mi"},
        "limits": {"cpu": "2", "memory": "3072Mi", "nvidia.com/gpu": "1"},
    }
    assert scorer["livenessProbe"] == {
        "httpGet": {"path": "/", "port": "http"},
        "initialDelaySeconds": 40,
        "periodSeconds": 7,
        "timeoutSeconds": 3,
        "successThreshold": 1,
        "failureThreshold": 5,
    }
    assert scorer["readinessProbe"]["initialDelaySeconds"] == 0 and scorer["readinessProbe"]["successThreshold"] == 1
    assert {e["name"]: e["value"] for e in scorer["env"]} == {"WORKER_COUNT": "4", "SCORING_TIMEOUT_MS": "30000"}
    hpa = find(objects, "HorizontalPodAutoscaler", "svc-default")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 6)
    assert hpa["spec"]["metrics"][0]["resource"] == {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}
    assert "replicas" not in find(objects, "Deployment", "svc-default")["spec"]  # the autoscaler's to set
    assert [o for o in objects if o["kind"] == "Namespace"] == []  # a namespace that is not the endpoint's own
    assert {o["metadata"].get("namespace") for o in objects} == {"scoring"}
    # v1 request limits (azureml-fe): in flight per replica, queued up to maxQueueWaitMs, then 503; timeout 504
    config = secret_file(objects, "svc-front", "haproxy.cfg")
    assert "maxconn 8" in config and "timeout queue 700ms" in config and "timeout server 30000ms" in config
    assert "error 504" in config.replace("http-error status 504", "error 504") and "set-status 408" not in config
    assert json.loads(secret_file(objects, "svc-keys", "credentials.json"))["primaryKey"] == "p" * 32
    assert any("refreshPeriodInSeconds" in n for n in pod.notes) and any("successThreshold 2" in n for n in pod.notes)
    assert any("Application Insights" in n for n in pod.notes) and any("data collection" in n for n in pod.notes)


def test_v1_defaults_are_azureml_cores():
    pod = settings.from_v1({"computeType": "aks"})
    assert pod.autoscale == settings.Autoscale(1, 10, 70) and pod.replicas == 1  # autoscale on unless numReplicas
    assert (pod.requests, pod.limits) == ({"cpu": "100m", "memory": "512Mi"}, {})
    assert (pod.liveness.initial_delay, pod.liveness.period, pod.liveness.timeout, pod.liveness.failure) == (310, 10, 2, 3)
    assert (pod.timeout_ms, pod.max_concurrent, pod.max_queue_wait_ms) == (60000, 1, 500)
    fixed = settings.from_v1({"computeType": "aks", "numReplicas": 3})
    assert fixed.autoscale is None and fixed.replicas == 3
    objects = publish_set(fixed)
    assert find(objects, "Deployment", "ep-blue")["spec"]["replicas"] == 3
    assert not [o for o in objects if o["kind"] == "HorizontalPodAutoscaler"]


def test_every_v2_kubernetes_field_is_mapped():
    pod = settings.from_v2(V2_K8S)
    objects = publish_set(pod)
    scorer = container(objects, "ep-blue")
    assert scorer["resources"] == {
        "requests": {"cpu": "250m", "memory": "1Gi", "nvidia.com/gpu": "1"},
        "limits": {"cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "1"},
    }
    assert scorer["livenessProbe"]["periodSeconds"] == 4 and scorer["livenessProbe"]["failureThreshold"] == 6
    assert scorer["readinessProbe"] == {
        "httpGet": {"path": "/", "port": "http"},
        "initialDelaySeconds": 1,
        "periodSeconds": 2,
        "timeoutSeconds": 1,
        "successThreshold": 2,
        "failureThreshold": 3,
    }
    assert {e["name"]: e["value"] for e in scorer["env"]} == {"WORKER_COUNT": "2", "SCORING_TIMEOUT_MS": "9000"}
    assert find(objects, "Deployment", "ep-blue")["spec"]["replicas"] == 3
    config = secret_file(objects, "ep-front", "haproxy.cfg")
    assert "be_conn gt 12" in config  # v2: 429 past 2 x 2 x 3 in flight
    assert "timeout server 9000ms" in config and "set-status 408" in config


def test_v2_scale_settings_instance_type_and_defaults():
    pod = settings.from_v2(
        {
            "scale_settings": {
                "type": "target_utilization",
                "min_instances": 0,
                "max_instances": 4,
                "target_utilization_percentage": 55,
                "polling_interval": 3,
            },
            "liveness_probe": {"success_threshold": 4},
            "instance_type": "gpu-large",
        }
    )
    assert pod.autoscale == settings.Autoscale(1, 4, 55) and pod.liveness.success == 1
    assert (pod.requests, pod.limits) == ({"cpu": "100m", "memory": "2Gi"}, {"cpu": "2", "memory": "2Gi"})
    assert any("gpu-large" in n for n in pod.notes) and any("min_instances 0" in n for n in pod.notes)
    assert any("success_threshold 4" in n for n in pod.notes) and any("polling_interval" in n for n in pod.notes)
    defaults = settings.from_v2({})
    assert (defaults.replicas, defaults.timeout_ms, defaults.max_concurrent) == (1, 5000, 1)
    assert (defaults.liveness.initial_delay, defaults.liveness.period, defaults.liveness.failure) == (10, 10, 30)
    managed = settings.from_v2({"instance_type": "Standard_DS3_v2"}, Kind.MANAGED_ONLINE_DEPLOYMENT)
    assert any("Azure VM size" in n for n in managed.notes)


@pytest.mark.parametrize(
    "pod",
    [
        settings.from_v1(V1_AKS),
        settings.from_v1({"computeType": "aks", "numReplicas": 2}),
        settings.from_v2(V2_K8S),
        settings.from_v2({"scale_settings": {"type": "target_utilization"}}),
    ],
    ids=["v1-autoscale", "v1-fixed", "v2", "v2-autoscale"],
)
def test_the_set_passes_every_check_for_1_30_and_the_newest(pod):
    objects = publish_set(pod, namespace="ep")
    for version in ("1.30", "1.37"):
        assert validate_manifests(objects, version) == []
    for obj in objects:
        labels = obj["metadata"]["labels"]
        assert labels[MANAGED_BY] == "aml-deploy" and labels[NAME] and labels[INSTANCE]
        assert labels["app.kubernetes.io/part-of"] == "ep" and labels["app.kubernetes.io/component"]
        template = (obj.get("spec") or {}).get("template")
        if template:
            assert labels.items() <= template["metadata"]["labels"].items()


def test_the_endpoint_and_each_deployment_are_separate_instances():
    objects = publish_set(settings.from_v2(V2_K8S))
    instances = {(o["kind"], o["metadata"]["name"]): o["metadata"]["labels"][INSTANCE] for o in objects}
    assert instances[("Deployment", "ep")] == instances[("Secret", "ep-keys")] == "ep"
    assert instances[("Deployment", "ep-blue")] == instances[("Service", "ep-blue")] == "ep.blue"


def test_the_front_runs_as_its_own_user_from_a_secret_and_rolls_when_its_configuration_changes():
    pod = settings.from_v2(V2_K8S)
    objects = publish_set(pod)
    workload = find(objects, "Deployment", "ep")
    template = workload["spec"]["template"]
    spec = template["spec"]
    assert spec["securityContext"]["runAsUser"] == 99 and spec["automountServiceAccountToken"] is False
    assert spec["volumes"] == [{"name": "config", "secret": {"secretName": "ep-front", "defaultMode": 0o440}}]
    assert spec["containers"][0]["command"] == front.ENTRYPOINT and spec["containers"][0]["args"] == front.COMMAND
    assert workload["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    service = find(objects, "Service", "ep")
    assert service["spec"]["type"] == "LoadBalancer" and service["spec"]["ports"][0]["port"] == 80
    before = template["metadata"]["annotations"][names.CONFIG_HASH]
    # a new key, new traffic: a new configuration hash, so a rolling update of the front
    credentials = front.Credentials("q" * 32, "s" * 32)
    served = new_front("ep", "key", credentials)
    served.deployments = [front.Deployment("blue", manifests.service_address("ep", "blue", "ep"), 100, limits=pod.front_limits())]
    again = manifests.endpoint_objects(manifests.EndpointPlan("ep", "ep", served, "x" + DIGEST, True, None))
    after = find(again, "Deployment", "ep")["spec"]["template"]["metadata"]["annotations"][names.CONFIG_HASH]
    assert after != before
    assert "imagePullSecrets" not in find(again, "Deployment", "ep")["spec"]["template"]["spec"]
    assert not [o for o in again if o["kind"] == "Secret" and o.get("type") == "kubernetes.io/dockerconfigjson"]


def test_dump_is_the_same_bytes_for_the_same_input_and_loads_back():
    first = dump_manifests(publish_set(settings.from_v1(V1_AKS)))
    shuffled = [json.loads(json.dumps(o, sort_keys=True)) for o in publish_set(settings.from_v1(V1_AKS))]
    assert dump_manifests(shuffled) == first
    assert first.startswith("---\napiVersion: v1\nkind: Namespace\n")
    assert [o["kind"] for o in load_manifests(first)][:2] == ["Namespace", "Secret"]


@pytest.mark.skipif(
    shutil.which("kubernetes-validate") is None and not (Path(sys.executable).parent / "kubernetes-validate").exists(),
    reason="the kubernetes-validate command is not installed",
)
@pytest.mark.parametrize("version", ["1.30.0", "1.37.0"])
def test_the_dump_passes_the_kubernetes_validate_command_in_strict_mode(tmp_path, version):
    path = tmp_path / "manifests.yaml"
    path.write_text(
        dump_manifests(publish_set(settings.from_v1(V1_AKS))) + dump_manifests(publish_set(settings.from_v2(V2_K8S), "ep2", "green"))
    )
    command = shutil.which("kubernetes-validate") or str(Path(sys.executable).parent / "kubernetes-validate")
    result = subprocess.run([command, "-k", version, "--strict", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" passed for resource ") == len(load_manifests(path.read_text()))


def test_the_semantic_rules_refuse_each_object_of_the_broken_example():
    objects = load_manifests((DATA / "k8s-semantically-invalid-but-schema-valid.yaml").read_text())
    errors = [f for f in validate_manifests(objects, "1.30") if f.severity == "error"]
    refused = {(f.kind, f.name) for f in errors}
    assert refused == {(o["kind"], o["metadata"]["name"]) for o in objects}
    by_rule = {(f.kind, f.rule) for f in errors}
    assert ("Namespace", "name") in by_rule and ("Deployment", "probe") in by_rule


def test_long_names_fit_kubernetes_and_stay_distinct():
    endpoint, deployment = "e" * 32, "d" * 31
    assert len(names.scorer_name(endpoint, deployment)) <= 63
    long = names.fit("x" * 80)
    assert len(long) == 63 and long != names.fit("x" * 81)
    assert names.deployment_instance("a", "b-c") != names.deployment_instance("a-b", "c")
