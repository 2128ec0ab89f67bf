"""AMLD171: v1 AKS and v2 Kubernetes settings that plain Kubernetes (no Azure ML extension) cannot
honour are warned about on their key, saying what happens instead; the rest stay quiet."""

from __future__ import annotations

import json

import pytest

from aml_deploy.findings import Severity
from tests.unit.helpers import at, check, codes

K8S_DEPLOYMENT = "$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json\n"
K8S_ENDPOINT = "$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json\n"


def warnings(findings) -> list:
    found = [f for f in findings if f.code == "AMLD171"]
    assert all(f.severity is Severity.WARNING for f in found)
    return found


def test_v1_aks_fields_kubernetes_cannot_honour(tmp_path):
    config = {
        "computeType": "aks",
        "autoScaler": {"minReplicas": 1, "maxReplicas": 3, "targetUtilization": 50, "refreshPeriodInSeconds": 2},
        "livenessProbeRequirements": {"successThreshold": 2},
        "appInsightsEnabled": True,
        "dataCollection": {"storageEnabled": True},
    }
    found = warnings(check(tmp_path, "deploymentconfig.json", json.dumps(config, indent=1)))
    messages = " | ".join(f.message for f in found)
    assert len(found) == 5
    assert "HorizontalPodAutoscaler on CPU" in messages and "azureml-fe's concurrency" in messages
    assert "refreshPeriodInSeconds has no Kubernetes counterpart" in messages
    assert "accepts only 1 for a liveness probe" in messages and "ignored" in messages


def test_v1_settings_kubernetes_honours_and_other_compute_types_are_quiet(tmp_path):
    config = {
        "computeType": "aks",
        "numReplicas": 2,
        "containerResourceRequirements": {"cpu": 1, "memoryInGB": 2},
        "gpuCores": 1,
        "scoringTimeoutMs": 1000,
        "maxConcurrentRequestsPerContainer": 2,
        "maxQueueWaitMs": 100,
        "livenessProbeRequirements": {"successThreshold": 1},
        "keys": {"primaryKey": "a" * 20},
    }
    assert warnings(check(tmp_path, "deploymentconfig.json", json.dumps(config))) == []
    aci = {"computeType": "aci", "appInsightsEnabled": True}
    assert warnings(check(tmp_path, "deploymentconfig.json", json.dumps(aci))) == []


def test_v2_kubernetes_deployment_fields(tmp_path):
    text = (
        K8S_DEPLOYMENT
        + """name: blue
endpoint_name: my-endpoint
instance_type: gpu-large
scale_settings:
  type: target_utilization
  min_instances: 0
  max_instances: 3
  target_utilization_percentage: 60
  polling_interval: 5
liveness_probe:
  success_threshold: 3
app_insights_enabled: true
"""
    )
    found = warnings(check(tmp_path, "blue.yml", text))
    by_line = {at(f)[0]: f.message for f in found}
    assert "custom resource of the Azure ML extension" in by_line[3] and "give resources" in by_line[3]
    assert "published as 1" in by_line[6] and "HorizontalPodAutoscaler" in by_line[8]
    assert "polling_interval has no Kubernetes counterpart" in by_line[9]
    assert "accepts only 1 for a liveness probe" in by_line[11] and "Application Insights" in by_line[12]


@pytest.mark.parametrize(
    "instance_type, resources, expected",
    [
        ("defaultinstancetype", "", 0),
        ("gpu-large", "resources:\n  requests:\n    cpu: '1'\n", 1),  # ignored when resources are given
    ],
)
def test_instance_type_is_quiet_when_it_can_be_mapped(tmp_path, instance_type, resources, expected):
    text = K8S_DEPLOYMENT + f"name: blue\nendpoint_name: my-endpoint\ninstance_type: {instance_type}\n{resources}"
    found = warnings(check(tmp_path, "blue.yml", text))
    assert len(found) == expected
    assert all("ignored" in f.message for f in found)


def test_v2_kubernetes_endpoint_fields(tmp_path):
    text = K8S_ENDPOINT + "name: my-endpoint\ncompute: azureml:k8s\nauth_mode: aad_token\n"
    found = warnings(check(tmp_path, "endpoint.yml", text))
    assert len(found) == 1 and "any bearer token" in found[0].message and at(found[0])[0] == 3
    quiet = K8S_ENDPOINT + "name: my-endpoint\ncompute: azureml:k8s\nauth_mode: key\n"
    assert "AMLD171" not in codes(check(tmp_path, "endpoint.yml", quiet))
