"""Ctrl+C during a publish, through the command line a person types: whatever stage it lands in, what is
left in Azure and in the local records is what the command says is left (a first publish interrupted
while its group is being created removes that group)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.docker


def _deploy_interrupted_at(marker: str, args: list[str], grace: float) -> subprocess.CompletedProcess:
    process = subprocess.Popen(
        [sys.executable, "-m", "aml_deploy", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    seen = []
    for line in process.stderr:
        seen.append(line)
        if marker in line:
            time.sleep(grace)
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(args, process.returncode, out, "".join(seen) + err)


@pytest.mark.parametrize("marker", ["provision: creating", "ready: waiting"])
def test_a_first_publish_interrupted_in_azure_leaves_no_group_and_says_so(
    azure_env, arm, session_registry, home, workspace, service_name, monkeypatch, marker
):
    folder = workspace / "v1-aci"
    user = next(iter(session_registry.users))
    monkeypatch.setenv("AML_DEPLOY_REGISTRY_PASSWORD", session_registry.users[user])
    subprocess.run(
        [sys.executable, "-m", "aml_deploy", "model", "create", "-n", "sample-linear", "-p", str(workspace / "sample" / "model")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = _deploy_interrupted_at(
        marker,
        [
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
            "--skip-local-check",
        ],
        grace=0.3,
    )

    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr
    assert "deleted the container group" in result.stderr, result.stderr
    assert arm.group(service_name) is None
    assert not (home / "published" / "endpoints" / f"{service_name}.json").exists()
    assert not (home / "published" / "keys" / service_name / "credentials.json").exists()
