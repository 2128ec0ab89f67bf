"""Deploy the sample to a real local endpoint and score it; update, fail, delete."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aml_deploy.deploy.errors import DeployError, EngineUnavailable
from aml_deploy.deploy.local import containers
from aml_deploy.deploy.spec import from_config

REQUEST = b'{"data": [[1, 2], [0, 0], [3, 1]]}'


def deploy(local, workspace, debug=False, **options):
    spec = from_config(workspace / "sample" / "blue-deployment.yml", workspace=workspace, registry=local.registry, **options)
    return local.deploy(spec, debug=debug, timeout=300)


def test_deploy_and_score(local, workspace, docker_client, endpoint_name):
    state = deploy(local, workspace)
    assert state.state == "Succeeded", state.log_excerpt
    answer = local.invoke(endpoint_name, None, REQUEST)
    status, body = answer.status, answer.body
    assert status == 200 and json.loads(body) == [9.0, 1.0, 10.0]  # y = 2*x0 + 3*x1 + 1
    container = docker_client.containers.get(state.container)
    bindings = container.attrs["NetworkSettings"]["Ports"]
    assert set(bindings) == {"5001/tcp", "5678/tcp"}
    assert all(b["HostIp"] == "127.0.0.1" for values in bindings.values() for b in values)
    environment = dict(v.split("=", 1) for v in container.attrs["Config"]["Env"])
    assert environment["AZUREML_MODEL_DIR"] == "/var/azureml-app/azureml-models/blue-model/1"
    assert environment["AML_APP_ROOT"] == "/var/azureml-app/src" and environment["AZUREML_ENTRY_SCRIPT"] == "score.py"
    mounts = {m["Destination"]: m for m in container.attrs["Mounts"]}
    assert mounts["/var/azureml-app/src"]["Source"] == str(workspace / "sample" / "src")  # bind-mounted, not copied
    assert mounts["/var/azureml-app/src"]["RW"] is False
    assert mounts["/var/azureml-app/azureml-models/blue-model/1/model"]["Source"] == str(workspace / "sample" / "model")
    assert container.labels["aml-deploy.endpoint"] == endpoint_name


def test_update_after_editing_score_py_restarts_in_place(local, workspace, docker_client, endpoint_name):
    first = deploy(local, workspace)
    assert first.state == "Succeeded", first.log_excerpt
    before = docker_client.containers.get(first.container)
    script = workspace / "sample" / "src" / "score.py"
    script.write_text(
        script.read_text()
        .replace(".round(6).tolist()", ".round(6) * 10).tolist()")
        .replace("return model.predict(data)", "return (model.predict(data)")
    )
    second = deploy(local, workspace)
    assert second.state == "Succeeded", second.log_excerpt
    assert second.restarted_in_place and not second.rebuilt
    after = docker_client.containers.get(second.container)
    assert (after.id, after.image.id) == (before.id, before.image.id)
    assert second.port == first.port
    body = local.invoke(endpoint_name, "blue", REQUEST).body
    assert json.loads(body) == [90.0, 10.0, 100.0]


def test_configuration_change_recreates_with_the_same_port(local, workspace, docker_client):
    first = deploy(local, workspace)
    deployment = workspace / "sample" / "blue-deployment.yml"
    deployment.write_text(deployment.read_text() + "environment_variables:\n  GREETING: hello\n")
    second = deploy(local, workspace)
    assert second.state == "Succeeded", second.log_excerpt
    assert not second.restarted_in_place and not second.rebuilt
    assert second.port == first.port  # the scoring URI stays the same
    container = docker_client.containers.get(second.container)
    assert "GREETING=hello" in container.attrs["Config"]["Env"]


def test_init_that_raises_fails_on_its_line_and_leaves_nothing(local, workspace, docker_client, endpoint_name):
    script = workspace / "sample" / "src" / "score.py"
    lines = script.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "joblib.load" in line)
    script.write_text(script.read_text().replace('"model.pkl"', '"no-such-model.pkl"'))
    state = deploy(local, workspace)
    assert state.state == "Failed"
    assert state.failure.path == script and state.failure.line == number and state.failure.function == "init"
    assert state.failure.message.startswith("FileNotFoundError")
    assert "User's init function failed" in state.log_excerpt
    assert containers.find(docker_client, endpoint_name) == []


def test_failure_points_at_the_line_however_long_the_log_after_it(local, workspace):
    # An exception with a long message puts the user's frame far from the end of the log, beyond the
    # excerpt that is shown: the line must still be found.
    script = workspace / "sample" / "src" / "score.py"
    text = script.read_text().replace(
        "    model = joblib.load(model_path)\n", "    raise ValueError('\\n'.join(f'detail {i}' for i in range(80)))\n"
    )
    script.write_text(text)
    number = next(i for i, line in enumerate(text.splitlines(), 1) if "raise ValueError" in line)
    state = deploy(local, workspace)
    assert state.state == "Failed"
    assert (state.failure.path, state.failure.line, state.failure.function) == (script, number, "init")
    assert "ValueError" not in state.log_excerpt  # the shown excerpt no longer reaches the exception's first line


def test_delete_removes_the_container(local, workspace, docker_client, endpoint_name):
    deploy(local, workspace)
    local.delete_deployment(endpoint_name, "blue")
    assert containers.find(docker_client, endpoint_name) == []
    local.delete_endpoint(endpoint_name)
    assert not (local.home / "endpoints" / f"{endpoint_name}.json").exists()


def test_invalid_configuration_is_refused_before_anything_is_built(local, workspace, docker_client):
    deployment = workspace / "sample" / "blue-deployment.yml"
    deployment.write_text(deployment.read_text().replace("instance_count: 1", "instance_count: 1\ninstance_typo: x"))
    images_before = {image.id for image in docker_client.images.list()}
    with pytest.raises(DeployError) as refused:
        deploy(local, workspace)
    assert "AMLD101" in str(refused.value) and refused.value.findings
    assert {image.id for image in docker_client.images.list()} == images_before


def test_registered_model_is_held_while_deployed(local, workspace, endpoint_name):
    local.registry.register(workspace / "sample" / "model", "sample-linear")
    deployment = workspace / "sample" / "blue-deployment.yml"
    deployment.write_text(deployment.read_text().replace("model:\n  path: ./model/\n", "model: azureml:sample-linear:1\n"))
    state = deploy(local, workspace)
    assert state.state == "Succeeded", state.log_excerpt
    assert local.registry.holders("sample-linear", "1") == [state.container]
    with pytest.raises(Exception, match="used by the local deployment"):
        local.registry.delete("sample-linear", "1", is_alive=lambda holder: True)
    local.delete_deployment(endpoint_name, "blue")
    assert local.registry.holders("sample-linear", "1") == []


def test_v1_inference_config_with_a_fixed_port(local, workspace, docker_client, endpoint_name):
    folder = workspace / "v1-local"
    spec = from_config(
        folder / "inferenceconfig.json",
        endpoint=endpoint_name,
        deployment_config=folder / "deploymentconfig.json",
        models=[str(workspace / "sample" / "model")],
        workspace=workspace,
        registry=local.registry,
    )
    state = local.deploy(spec, timeout=300)
    assert state.state == "Succeeded", state.log_excerpt
    assert state.port == 32123 and state.deployment == "default"
    body = local.invoke(endpoint_name, None, REQUEST).body
    assert json.loads(body) == [9.0, 1.0, 10.0]


def test_paths_outside_the_workspace_are_refused(local, workspace, tmp_path):
    with pytest.raises(DeployError, match="outside the workspace"):
        from_config(workspace / "sample" / "blue-deployment.yml", workspace=workspace / "broken", registry=local.registry)


def test_unreachable_engine_says_what_was_tried(monkeypatch):
    from aml_deploy.deploy.local.engine import connect

    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    with pytest.raises(EngineUnavailable, match="DOCKER_HOST=tcp://127.0.0.1:9"):
        connect()


def test_cli_create_invoke_logs_delete(workspace, home, endpoint_name, docker_client):
    def run(*args, check=True):
        result = subprocess.run(
            [sys.executable, "-m", "aml_deploy", *args], capture_output=True, text=True, cwd=workspace, stdin=subprocess.DEVNULL
        )
        if check:
            assert result.returncode == 0, result.stderr + result.stdout
        return result

    created = json.loads(run("online-deployment", "create", "--local", "-f", "sample/blue-deployment.yml", "--format", "json").stdout)
    assert created["provisioning_state"] == "Succeeded" and created["scoring_uri"].startswith("http://127.0.0.1:")
    scored = run("online-endpoint", "invoke", "--local", "-n", endpoint_name, "--request-file", "sample/sample-request.json")
    assert json.loads(scored.stdout) == [9.0, 1.0, 10.0]
    shown = json.loads(run("online-endpoint", "show", "--local", "-n", endpoint_name, "--format", "json").stdout)
    assert [d["name"] for d in shown["deployments"]] == ["blue"]
    logs = run("online-deployment", "get-logs", "--local", "-n", "blue", "-e", endpoint_name, "--lines", "200").stdout
    assert "Worker with pid" in logs and "@@aml-deploy" not in logs
    assert run("online-deployment", "create", "-f", "sample/blue-deployment.yml", check=False).returncode == 2  # no --local
    run("online-endpoint", "delete", "--local", "-n", endpoint_name, "--yes")
    assert containers.find(docker_client, endpoint_name) == []
