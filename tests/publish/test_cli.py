"""The command line a person types, against the stand-ins: model deploy to ACI, then the service verbs with
--format json, as `az ml model deploy` / `az ml service` would be used."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.standins.registry import free_port

pytestmark = pytest.mark.docker


def aml(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "aml_deploy", *args], capture_output=True, text=True, timeout=900, env=os.environ.copy())
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_model_deploy_then_every_service_verb(azure_env, arm, session_registry, home, workspace, service_name, monkeypatch, standin_docker):
    folder = workspace / "v1-aci"
    user = next(iter(session_registry.users))
    monkeypatch.setenv("AML_DEPLOY_REGISTRY_PASSWORD", session_registry.users[user])
    aml("model", "create", "-n", "sample-linear", "-p", str(workspace / "sample" / "model"))

    published = json.loads(
        aml(
            "model",
            "deploy",
            "-n",
            service_name,
            "-m",
            "sample-linear:1",
            "--ic",
            str(folder / "inferenceconfig.json"),
            "--dc",
            str(folder / "deploymentconfig.json"),
            "--registry-login-server",
            session_registry.host,
            "--registry-username",
            user,
            "--workspace-folder",
            str(workspace),
            "--format",
            "json",
        ).stdout
    )
    assert published["provisioning_state"] == "Succeeded" and published["target"] == "aci"
    assert set(published["publish"]["stages"]) == {"build", "local-check", "push", "provision", "ready"}

    [listed] = json.loads(aml("service", "list", "--format", "json").stdout)
    assert (listed["name"], listed["state"], listed["scoring_uri"]) == (service_name, "Succeeded", published["scoring_uri"])
    shown = json.loads(aml("service", "show", "-n", service_name, "--format", "json").stdout)
    assert shown["provisioning_state"] == "Succeeded" and shown["auth_mode"] == "key"
    keys = json.loads(aml("service", "get-keys", "-n", service_name, "--format", "json").stdout)
    assert len(keys["primaryKey"]) == 32

    answer = json.loads(aml("service", "run", "-n", service_name, "-d", '{"data": [[1, 2]]}', "--format", "json").stdout)
    assert answer == {"deployment": "default", "status": 200, "body": [9.0]}
    bad = aml("service", "run", "-n", service_name, "-d", "{not json", check=False)
    assert bad.returncode == 1 and "not valid JSON" in bad.stderr and "Traceback" not in bad.stderr

    logs = json.loads(aml("service", "get-logs", "-n", service_name, "--init", "--format", "json").stdout)
    assert any("Booting worker" in line for line in logs["lines"]) and "ready for serving traffic" in logs["lines"][-1]
    regenerated = json.loads(aml("service", "regen-key", "-n", service_name, "--key", "Primary", "--format", "json").stdout)
    assert regenerated["secondaryKey"] == keys["secondaryKey"] and regenerated["primaryKey"] != keys["primaryKey"]

    taken = aml(
        "model",
        "deploy",
        "-n",
        service_name,
        "-m",
        "sample-linear:1",
        "--ic",
        str(folder / "inferenceconfig.json"),
        "--dc",
        str(folder / "deploymentconfig.json"),
        "--registry-login-server",
        session_registry.host,
        check=False,
    )
    assert taken.returncode == 1 and "--overwrite" in taken.stderr

    deleted = json.loads(aml("service", "delete", "-n", service_name, "--yes", "--delete-image", "--format", "json").stdout)
    assert deleted["group_deleted"] is True and arm.group(service_name) is None
    assert deleted["image_deleted"] is True and deleted["image"] == shown["image"]
    with pytest.raises(Exception, match="manifest unknown|not found"):
        standin_docker.api.inspect_distribution(shown["image"], auth_config=session_registry.auth_config())
    assert json.loads(aml("service", "list", "--format", "json").stdout) == []
    gone = aml("service", "show", "-n", service_name, check=False)
    assert gone.returncode == 1 and "No published service" in gone.stderr


def test_model_deploy_with_compute_type_local_deploys_on_this_machine(home, workspace, service_name):
    folder = workspace / "v1-local"
    try:
        state = json.loads(
            aml(
                "model",
                "deploy",
                "-n",
                service_name,
                "-m",
                str(workspace / "sample" / "model"),
                "--ic",
                str(folder / "inferenceconfig.json"),
                "--dc",
                str(folder / "deploymentconfig.json"),
                "--port",
                str(free_port()),
                "--workspace-folder",
                str(workspace),
                "--format",
                "json",
                check=False,
            ).stdout
            or "{}"
        )
    finally:
        aml("online-endpoint", "delete", "--local", "-n", service_name, "--yes", check=False)  # its front too
    assert (state.get("provisioning_state"), state.get("target"), state.get("name")) == ("Succeeded", "local", "default"), state
