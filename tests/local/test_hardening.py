"""Races, refusals and engine errors on local endpoints, run for real: two creates of one
deployment, a busy port, a changed --port, a daemon that keeps the server's socket, a code folder
that is the whole filesystem."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from aml_deploy.deploy.errors import DeployError
from aml_deploy.deploy.spec import from_config

pytestmark = pytest.mark.slow


def _env(home) -> dict:
    return {**os.environ, "AML_DEPLOY_HOME": str(home / "home"), "AML_DEPLOY_REGISTRY": str(home / "registry")}


def _create(workspace, home, *extra, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aml_deploy",
            "online-deployment",
            "create",
            "--local",
            "-f",
            str(workspace / "sample" / "blue-deployment.yml"),
            *extra,
        ],
        cwd=workspace,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**_env(home), **(env or {})},
    )


def test_two_creates_of_one_deployment_take_turns(workspace, docker_client, endpoint_name, home, local):
    _slow_init(workspace, 5)  # the second surely starts while the first holds the deployment
    first = _create(workspace, home)
    second = _create(workspace, home)
    outputs = [process.communicate(timeout=600) for process in (first, second)]
    for process, (out, err) in zip((first, second), outputs):
        assert process.returncode == 0, err
        assert f"{endpoint_name}/blue: Succeeded" in out
    assert any("Waiting for another operation" in err for _, err in outputs)  # one waited for the other
    found = docker_client.containers.list(all=True, filters={"label": [f"aml-deploy.endpoint={endpoint_name}", "aml-deploy.managed"]})
    assert len(found) == 1 and found[0].status == "running"
    assert [d.state for d in local.list_deployments(endpoint_name)] == ["Succeeded"]


def test_a_busy_port_is_said_plainly(workspace, local):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        spec = from_config(workspace / "sample" / "blue-deployment.yml", port=port, workspace=workspace, registry=local.registry)
        with pytest.raises(DeployError, match=f"Port {port} on 127.0.0.1 is already in use"):
            local.deploy(spec, timeout=300)


@pytest.mark.parametrize("port", ["0", "80", "65536", "-1", "http"])
def test_ports_that_cannot_be_published_are_refused(workspace, home, port):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aml_deploy",
            "online-deployment",
            "create",
            "--local",
            "-f",
            str(workspace / "sample" / "blue-deployment.yml"),
            "--port",
            port,
        ],
        capture_output=True,
        text=True,
        env=_env(home),
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr and "--port" in done.stderr


def test_a_new_port_on_update_is_honoured(workspace, local):
    deployment = workspace / "sample" / "blue-deployment.yml"
    first = local.deploy(from_config(deployment, workspace=workspace, registry=local.registry), timeout=300)
    assert first.state == "Succeeded", first.log_excerpt
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        wanted = probe.getsockname()[1]
    second = local.deploy(from_config(deployment, port=wanted, workspace=workspace, registry=local.registry), timeout=300)
    assert second.state == "Succeeded" and second.port == wanted and not second.restarted_in_place


def test_a_daemon_holding_the_servers_socket_gets_a_new_container(workspace, local):
    script = workspace / "sample" / "src" / "score.py"
    script.write_text(
        script.read_text().replace(
            "    global model\n",
            "    global model\n    import os, time\n    if os.fork() == 0:  # a daemon that inherits every open socket\n"
            "        time.sleep(3600)\n        os._exit(0)\n",
        )
    )
    deployment = workspace / "sample" / "blue-deployment.yml"
    first = local.deploy(from_config(deployment, workspace=workspace, registry=local.registry), timeout=300)
    assert first.state == "Succeeded", first.log_excerpt
    script.write_text(script.read_text() + "\n# edited\n")
    second = local.deploy(from_config(deployment, workspace=workspace, registry=local.registry), timeout=300)
    assert second.state == "Succeeded", second.log_excerpt
    assert not second.restarted_in_place
    assert any("kept port 5001 open" in warning for warning in second.warnings)


def test_the_whole_filesystem_is_never_a_code_folder(workspace, local, tmp_path):
    deployment = workspace / "sample" / "blue-deployment.yml"
    deployment.write_text(
        deployment.read_text()
        .replace("code: ./src/", "code: /")
        .replace("scoring_script: score.py", f"scoring_script: {(workspace / 'sample' / 'src' / 'score.py').relative_to('/')}")
    )
    with pytest.raises(DeployError, match="whole filesystem"):
        from_config(deployment, workspace=None, registry=local.registry)


def test_from_the_root_folder_the_workspace_is_never_root(workspace, home):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aml_deploy",
            "online-deployment",
            "create",
            "--local",
            "-f",
            str(workspace / "sample" / "blue-deployment.yml").lstrip("/"),
            "--timeout",
            "1",
        ],
        cwd="/",
        capture_output=True,
        text=True,
        env=_env(home),
        timeout=600,
    )
    # The file's own folder is the workspace, not /: the sample's paths all lie inside it.
    assert "outside the workspace /" not in done.stderr and "Traceback" not in done.stderr


def _slow_init(workspace, seconds: int) -> None:
    script = workspace / "sample" / "src" / "score.py"
    script.write_text(script.read_text().replace("    global model\n", f"    global model\n    import time\n    time.sleep({seconds})\n"))


def _wait_for_line(process: subprocess.Popen, text: str) -> str:
    seen = ""
    while text not in seen:
        line = process.stderr.readline()
        assert line or process.poll() is None, f"ended before {text!r}: {seen}"
        seen += line
    return seen


def test_a_delete_during_a_create_waits_its_turn(workspace, docker_client, endpoint_name, home):
    _slow_init(workspace, 15)  # the delete (a new interpreter) surely starts while init() still runs
    create = _create(workspace, home)
    _wait_for_line(create, "Waiting for init()")
    delete = subprocess.run(
        [sys.executable, "-m", "aml_deploy", "online-deployment", "delete", "--local", "-e", endpoint_name, "-n", "blue", "--yes"],
        capture_output=True,
        text=True,
        env=_env(home),
        timeout=600,
    )
    out, err = create.communicate(timeout=600)
    assert create.returncode == 0 and f"{endpoint_name}/blue: Succeeded" in out, err
    assert delete.returncode == 0 and "Traceback" not in delete.stderr, delete.stderr
    assert "Waiting for another operation" in delete.stderr
    assert docker_client.containers.list(all=True, filters={"label": [f"aml-deploy.endpoint={endpoint_name}", "aml-deploy.managed"]}) == []


def test_an_init_that_never_ends_says_it_timed_out(workspace, local):
    _slow_init(workspace, 3600)
    spec = from_config(workspace / "sample" / "blue-deployment.yml", workspace=workspace, registry=local.registry)
    state = local.deploy(spec, timeout=5)
    assert state.state == "Failed" and state.failure.timed_out
    assert state.failure.message == "did not become ready within 5 s: init() was still running"
    assert state.container is None


def test_a_lost_engine_connection_is_said_and_the_next_command_reports_it(workspace, docker_client, endpoint_name, home, tmp_path):
    """The CLI talks to the engine through a socket relay that the test cuts while init() runs."""
    relay_socket = tmp_path / "docker.sock"
    relay = subprocess.Popen([sys.executable, "-c", RELAY, str(relay_socket), "/var/run/docker.sock"])
    try:
        while not relay_socket.exists():
            assert relay.poll() is None
        _slow_init(workspace, 30)
        create = _create(workspace, home, env={"DOCKER_HOST": f"unix://{relay_socket}"})
        _wait_for_line(create, "Waiting for init()")
        relay.kill()
        _out, err = create.communicate(timeout=120)
        assert create.returncode == 1 and "Lost the connection to the Docker engine" in err and "Traceback" not in err
        listed = subprocess.run(
            [sys.executable, "-m", "aml_deploy", "online-deployment", "list", "--local", "-e", endpoint_name, "--format", "json"],
            capture_output=True,
            text=True,
            env=_env(home),
            timeout=60,
        )
        import json

        [found] = json.loads(listed.stdout)
        assert found["provisioning_state"] in ("Creating", "Succeeded", "Failed")
        assert found["provisioning_state"] == "Succeeded" or "interrupted" in (found.get("problem") or "") or found.get("failure")
    finally:
        relay.kill()
        from tests.local.conftest import remove_containers

        remove_containers(docker_client, endpoint_name)


RELAY = """
import os, socket, sys, threading
listen_path, target = sys.argv[1], sys.argv[2]
server = socket.socket(socket.AF_UNIX); server.bind(listen_path); server.listen()
def pump(a, b):
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try: s.shutdown(socket.SHUT_RDWR)
            except OSError: pass
while True:
    client, _ = server.accept()
    upstream = socket.socket(socket.AF_UNIX); upstream.connect(target)
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
"""


@pytest.mark.parametrize(
    "what, edit",
    [
        ("conda file", lambda text: text.replace("conda_file: ./environment/conda.yaml", "conda_file: ../../outside/conda.yaml")),
        ("build context", lambda text: text.replace("  image: python:3.11-slim\n", "  build:\n    path: ../../outside/ctx\n")),
    ],
)
def test_files_outside_the_workspace_are_refused_before_anything_is_built(workspace, tmp_path, what, edit):
    outside = workspace.parent / "outside"  # ws/sample/../../outside
    (outside / "ctx").mkdir(parents=True, exist_ok=True)
    (outside / "ctx" / "Dockerfile").write_text("FROM python:3.11-slim\nCOPY secret.txt /\n")
    (outside / "ctx" / "secret.txt").write_text("do not copy me")
    (outside / "conda.yaml").write_text("name: x\ndependencies:\n  - pip:\n    - azureml-inference-server-http\n")
    deployment = workspace / "sample" / "blue-deployment.yml"
    deployment.write_text(edit(deployment.read_text()))
    from aml_deploy.registry import Registry

    with pytest.raises(DeployError, match="outside the workspace"):
        from_config(deployment, workspace=workspace, registry=Registry(tmp_path / "registry"))
