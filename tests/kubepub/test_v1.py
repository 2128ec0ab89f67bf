"""An Azure ML v1 AKS service (deploymentconfig.json, computeType aks) published to a cluster through
`aml-deploy model deploy` and managed with the `service` verbs; and `--dry-run`, which prints the
manifests (strictly valid, the same bytes each time, no secret) and sends nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support import FIXTURES

pytestmark = pytest.mark.docker
KEY = "k1" * 16


def v1_workspace(root: Path, **config) -> Path:
    shutil.copytree(FIXTURES / "v1-local", root)
    shutil.copytree(FIXTURES / "sample" / "model", root / "model")
    settings = {
        "computeType": "aks",
        "computeTargetName": "standin",
        "namespace": "v1-scoring",
        "numReplicas": 1,
        "containerResourceRequirements": {"cpu": 0.2, "memoryInGB": 0.5, "memoryInGBLimit": 1},
        "scoringTimeoutMs": 5000,
        "maxConcurrentRequestsPerContainer": 2,
        "maxQueueWaitMs": 300,
        "livenessProbeRequirements": {"initialDelaySeconds": 30, "periodSeconds": 5, "successThreshold": 2},
        **config,
    }
    (root / "deploymentconfig.json").write_text(json.dumps({k: v for k, v in settings.items() if v is not None}, indent=1))
    return root


def deploy_args(root: Path, name: str, registry) -> list:
    login = registry.auth_config()
    return [
        "model",
        "deploy",
        "-n",
        name,
        "--ic",
        root / "inferenceconfig.json",
        "--dc",
        root / "deploymentconfig.json",
        "-m",
        root / "model",
        "--registry-login-server",
        registry.host,
        "--registry-username",
        login["username"],
        "--workspace-folder",
        root,
    ]


def test_a_v1_aks_service_with_token_auth_from_model_deploy_to_delete(publishing, kube_registry, tmp_path, cli):
    standin = publishing
    root = v1_workspace(tmp_path / "v1", tokenAuthEnabled=True)
    deployed = cli(*deploy_args(root, "svc1", kube_registry), "-o", "json")
    assert deployed["provisioning_state"] == "Succeeded", deployed
    assert deployed["publish"]["namespace"] == "v1-scoring" and deployed["publish"]["context"] == "standin"
    assert any("successThreshold 2" in w for w in deployed["warnings"])
    scorer = standin.get("Deployment", "v1-scoring", "svc1-default")
    container = scorer["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "200m", "memory": "512Mi"}, "limits": {"memory": "1024Mi"}}
    assert container["livenessProbe"]["successThreshold"] == 1 and container["livenessProbe"]["periodSeconds"] == 5
    assert {"name": "WORKER_COUNT", "value": "2"} in container["env"]
    config = standin.get("Secret", "v1-scoring", "svc1-front")["data"]["haproxy.cfg"]
    import base64

    config = base64.b64decode(config).decode()
    assert "maxconn 2" in config and "timeout queue 300ms" in config and "tokens.map" in config

    token = cli("service", "get-keys", "-n", "svc1", "-o", "json")
    assert token["tokenType"] == "Bearer" and token["accessToken"]
    uri = deployed["scoring_uri"]
    ok = requests.post(
        uri,
        data='{"data": [[1, 2]]}',
        timeout=30,
        headers={"Authorization": f"Bearer {token['accessToken']}", "Content-Type": "application/json"},
    )
    assert ok.status_code == 200 and ok.json() == [9.0]
    assert requests.post(uri, data="{}", timeout=30).status_code == 401
    assert cli("service", "get-keys", "-n", "svc1", "-o", "json")["accessToken"] == token["accessToken"]  # still fresh
    assert cli("service", "run", "-n", "svc1", "-d", '{"data": [[3, 4]]}').strip() == "[19.0]"
    listed = cli("service", "list", "--compute-type", "aks", "-o", "json")
    assert [(s["name"], s["target"], s["namespace"]) for s in listed] == [("svc1", "kubernetes", "v1-scoring")]
    assert cli("service", "get-logs", "-n", "svc1", "-o", "json")["lines"]

    (root / "source" / "score.py").write_text((root / "source" / "score.py").read_text() + "\n# tuned\n")
    updated = cli("service", "update", "-n", "svc1", "-o", "json")
    assert updated["provisioning_state"] == "Succeeded" and updated["publish"]["push"]["layer_kinds"] == ["code"]

    deleted = cli("service", "delete", "-n", "svc1", "-y", "--delete-image", "-o", "json")
    assert deleted["images_deleted"] == [updated["image"]]  # the one it ran; the front's image stays
    standin.wait_for(lambda: standin.get("Namespace", None, "v1-scoring") is None, 60, "the namespace to go")


def test_dry_run_prints_strictly_valid_manifests_the_same_each_time_with_no_secret(publishing, kube_registry, tmp_path, capsys):
    from aml_deploy.cli import main

    standin = publishing
    root = v1_workspace(
        tmp_path / "v1",
        authEnabled=True,
        keys={"primaryKey": KEY, "secondaryKey": KEY[::-1]},
        numReplicas=None,
        autoScaler={"minReplicas": 1, "maxReplicas": 3, "targetUtilization": 60},
    )
    printed = []
    for _ in range(2):
        capsys.readouterr()
        assert main([*map(str, deploy_args(root, "dry1", kube_registry)), "--dry-run"]) == 0
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]
    text = printed[0]
    assert KEY not in text and KEY[::-1] not in text and kube_registry.auth_config()["password"] not in text
    decoded = "".join(base64_values(text))
    assert KEY not in decoded and "redacted-primary-key" in decoded
    assert "kind: HorizontalPodAutoscaler" in text and "averageUtilization: 60" in text
    assert standin.requests == []  # nothing was sent
    path = tmp_path / "manifests.yaml"
    path.write_text(text)
    command = Path(sys.executable).parent / "kubernetes-validate"
    for version in ("1.30.0", "1.37.0"):
        result = subprocess.run([str(command), "-k", version, "--strict", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.count(" passed for resource ") == text.count("\n---\n") + 1


def base64_values(text: str):
    import base64

    from aml_deploy.kube import load_manifests

    for obj in load_manifests(text):
        for value in (obj.get("data") or {}).values():
            yield base64.b64decode(value).decode(errors="replace")
