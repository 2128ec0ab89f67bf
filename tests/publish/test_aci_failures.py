"""What stops a publish, and where: an init() that raises stops it at the local check (nothing pushed,
nothing sent to Azure), with the line; a service that fails only on ACI (too little memory: the stand-in
really limits the container's memory) is reported with the cause and leaves nothing running; --dry-run
builds, then only says what it would push and send."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from tests.publish.conftest import aci_services, v1_spec

pytestmark = pytest.mark.docker


def _catalog(registry) -> list[str]:
    user = next(iter(registry.users))
    answer = requests.get(f"{registry.url}/v2/_catalog", auth=(user, registry.users[user]), timeout=10)
    return answer.json().get("repositories") or []


def test_an_init_that_raises_stops_the_publish_at_the_local_check_with_the_line(
    azure_env, arm_api, session_registry, home, workspace, service_name
):
    script = workspace / "v1-aci" / "source" / "score.py"
    script.write_text(script.read_text().replace('"model.pkl"', '"no-such-model.pkl"'))
    line = next(i for i, text in enumerate(script.read_text().splitlines(), 1) if "joblib.load" in text)
    target = aci_services(home, session_registry, workspace=workspace)

    state = target.deploy(v1_spec(workspace, service_name, target.registry), timeout=300)

    assert state.state == "Failed" and state.target == "local-check"
    assert (state.failure.path, state.failure.line, state.failure.function) == (script, line, "init")
    assert state.failure.message.startswith("FileNotFoundError")
    assert "no-such-model.pkl" in state.log_excerpt
    assert f"aml-deploy/{service_name}" not in _catalog(session_registry)  # nothing pushed
    assert [r for r in arm_api.requests if r.method != "GET"] == []  # nothing sent to Azure
    assert target.services.get(service_name) is None


def test_too_little_memory_fails_only_on_aci_and_the_report_says_so(
    azure_env, arm, session_registry, home, workspace, service_name, standin_docker
):
    config = workspace / "v1-aci" / "deploymentconfig.json"
    config.write_text(json.dumps({"computeType": "aci", "containerResourceRequirements": {"cpu": 0.5, "memoryInGB": 0.05}}))
    target = aci_services(home, session_registry, deployment_config=config, workspace=workspace)

    state = target.deploy(v1_spec(workspace, service_name, target.registry), timeout=300)

    assert target.last_run.check["passed"] is True  # the local check has no memory limit: it passed there
    assert state.state == "Failed"
    assert "ran out of memory" in state.failure.message and "memoryInGB 0.05" in state.failure.message
    assert "scoring: Started" in state.log_excerpt and "Perhaps out of memory" in state.log_excerpt
    assert arm.group(service_name) is None  # a failed first publish leaves no group running
    assert standin_docker.containers.list(all=True, filters={"label": f"aml-deploy.standin={arm.prefix}"}) == []
    record = target.services.get(service_name)
    assert record.state == "Failed" and "ran out of memory" in record.problem


def test_dry_run_prints_the_layers_and_the_arm_requests_with_secrets_masked(
    azure_env, arm_api, session_registry, home, workspace, service_name, monkeypatch
):
    folder = workspace / "v1-aci"
    user = next(iter(session_registry.users))
    monkeypatch.setenv("AML_DEPLOY_REGISTRY_PASSWORD", session_registry.users[user])
    before = _catalog(session_registry)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aml_deploy",
            "model",
            "deploy",
            "-n",
            service_name,
            "--ic",
            str(folder / "inferenceconfig.json"),
            "--dc",
            str(folder / "deploymentconfig.json"),
            "-m",
            str(workspace / "sample" / "model"),
            "--dry-run",
            "--registry-login-server",
            session_registry.host,
            "--registry-username",
            user,
            "--format",
            "json",
            "--workspace-folder",
            str(workspace),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    [put] = plan["requests"]
    assert put["method"] == "PUT"
    assert put["url"] == (
        f"{arm_api.url}/subscriptions/{arm_api.subscription_id}/resourceGroups/rg-aml-test/providers/"
        f"Microsoft.ContainerInstance/containerGroups/{service_name}?api-version=2025-09-01"
    )
    properties = put["body"]["properties"]
    assert properties["imageRegistryCredentials"] == [{"server": session_registry.host, "username": user, "password": "***"}]
    assert set(properties["volumes"][0]["secret"].values()) == {"***"}  # keys travel in the front's secret volume
    assert session_registry.users[user] not in result.stdout
    scoring = properties["containers"][0]["properties"]
    assert scoring["resources"] == {"requests": {"cpu": 0.5, "memoryInGB": 1.0}}
    assert scoring["image"] == plan["image"]["reference"]
    kinds = [layer["kind"] for layer in plan["image"]["layers"]]
    assert kinds[-2:] == ["model", "code"] and set(kinds[:-2]) == {"environment"}
    assert plan["image"]["bytes_to_push"] == sum(layer["size"] for layer in plan["image"]["layers"] if layer["push"])
    assert [r for r in arm_api.requests if r.method != "GET"] == []  # nothing created
    assert _catalog(session_registry) == before  # nothing pushed


def test_a_front_that_cannot_start_on_aci_is_named_before_the_timeout(
    azure_env, arm, session_registry, home, workspace, service_name, standin_ca
):
    label = f"tls-{service_name}"
    fqdn = arm.fqdn_for(label, "westeurope")
    config = workspace / "v1-aci" / "deploymentconfig.json"
    (config.parent / "cert.pem").write_bytes(standin_ca.issue(label, [fqdn]).cert_file.read_bytes())
    (config.parent / "key.pem").write_bytes(standin_ca.issue(f"other-{label}", [fqdn]).key_file.read_bytes())  # not its key
    config.write_text(
        json.dumps(
            {
                "computeType": "aci",
                "containerResourceRequirements": {"cpu": 0.5, "memoryInGB": 1},
                "sslEnabled": True,
                "sslCertificate": "cert.pem",
                "sslKey": "key.pem",
                "cname": fqdn,
                "dnsNameLabel": label,
            }
        )
    )
    target = aci_services(home, session_registry, deployment_config=config, workspace=workspace, check=False)

    state = target.deploy(v1_spec(workspace, service_name, target.registry), timeout=240)

    assert state.state == "Failed"
    assert state.failure.message.startswith("the front container exited"), state.failure.message
    assert "did not answer within" not in state.failure.message and state.seconds < 200
    assert "front:" in state.log_excerpt  # its events are in the report
    assert arm.group(service_name) is None
