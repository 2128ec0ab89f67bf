"""What a daily user needs beyond deploying: a deployment whose container was removed behind the
tool's back is shown as missing (with the fix), a failed create stays visible as failed, an
interrupted create leaves nothing running, and unused environment images can be listed and removed."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import uuid

import pytest

from aml_deploy.deploy.local.prune import remove_images, unused_environment_images
from aml_deploy.deploy.spec import from_config
from tests.local.conftest import remove_containers

pytestmark = pytest.mark.slow


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aml_deploy", *args], capture_output=True, text=True, env=env, timeout=600)


def _env(home) -> dict:
    return {**os.environ, "AML_DEPLOY_HOME": str(home / "home"), "AML_DEPLOY_REGISTRY": str(home / "registry")}


def test_a_removed_container_shows_as_missing_with_the_fix(local, workspace, docker_client, endpoint_name, home):
    spec = from_config(workspace / "sample" / "blue-deployment.yml", workspace=workspace, registry=local.registry)
    state = local.deploy(spec, timeout=300)
    assert state.state == "Succeeded", state.log_excerpt
    docker_client.containers.get(state.container).remove(force=True)  # behind the tool's back
    shown = _cli("online-deployment", "list", "--local", "-e", endpoint_name, "--format", "json", env=_env(home))
    assert shown.returncode == 0, shown.stderr
    [missing] = json.loads(shown.stdout)
    assert missing["provisioning_state"] == "Missing" and missing["scoring_uri"] is None
    assert "online-deployment create --local -f" in missing["problem"] and str(spec.config) in missing["problem"]
    endpoint = _cli("online-endpoint", "show", "--local", "-n", endpoint_name, "--format", "json", env=_env(home))
    assert json.loads(endpoint.stdout)["provisioning_state"] != "Succeeded"
    deleted = _cli("online-deployment", "delete", "--local", "-e", endpoint_name, "-n", "blue", "--yes", env=_env(home))
    assert deleted.returncode == 0, deleted.stderr
    assert local.list_deployments(endpoint_name) == []


def test_a_failed_create_stays_visible_as_failed(local, workspace, endpoint_name):
    script = workspace / "sample" / "src" / "score.py"
    script.write_text(script.read_text().replace("    model = joblib.load(model_path)", "    raise ValueError('no model today')"))
    spec = from_config(workspace / "sample" / "blue-deployment.yml", workspace=workspace, registry=local.registry)
    assert local.deploy(spec, timeout=300).state == "Failed"
    [failed] = local.list_deployments(endpoint_name)
    assert failed.state == "Failed" and failed.container is None
    assert "no model today" in failed.failure.message and failed.failure.line is not None


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_create_leaves_nothing_running(workspace, docker_client, endpoint_name, home, stop):
    script = workspace / "sample" / "src" / "score.py"
    script.write_text(script.read_text().replace("    global model\n", "    global model\n    import time\n    time.sleep(120)\n"))
    create = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aml_deploy",
            "online-deployment",
            "create",
            "--local",
            "-f",
            str(workspace / "sample" / "blue-deployment.yml"),
        ],
        cwd=workspace,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(home),
    )
    try:
        seen = ""
        while "Waiting for init()" not in seen:
            line = create.stderr.readline()
            assert line or create.poll() is None, f"create ended early: {seen}"
            seen += line
        time.sleep(1)
        create.send_signal(stop)
        rest = create.communicate(timeout=60)[1]
        assert create.returncode == 130, rest
        assert "interrupted" in rest and "Traceback" not in rest
        found = docker_client.containers.list(all=True, filters={"label": [f"aml-deploy.endpoint={endpoint_name}", "aml-deploy.managed"]})
        assert found == []
    finally:
        if create.poll() is None:
            create.kill()
        remove_containers(docker_client, endpoint_name)


def _labelled_image(docker_client, tag: str, base: str = "python:3.11-slim", label: str = "aml-deploy.environment"):
    """A small image labelled as an environment image (what the prune looks for), built in seconds."""
    dockerfile = f"FROM {base}\nLABEL {label}={uuid.uuid4().hex}\nRUN echo {tag} > /marker\n".encode()
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    context.seek(0)
    image, _ = docker_client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True)
    return image


def test_prune_lists_and_removes_only_unused_environment_images(docker_client, home):
    suffix = uuid.uuid4().hex[:8]
    unused = _labelled_image(docker_client, f"aml-deploy-env:prune-unused-{suffix}")
    used = _labelled_image(docker_client, f"aml-deploy-env:prune-used-{suffix}")
    holder = docker_client.containers.create(used.id, command=["true"], name=f"prune-holder-{suffix}")
    try:
        listed = _cli("environment", "prune", "--local", "--dry-run", "--format", "json", env=_env(home))
        assert listed.returncode == 0, listed.stderr
        tags = {image["tag"]: image for image in json.loads(listed.stdout)["images"]}
        assert f"aml-deploy-env:prune-unused-{suffix}" in tags and f"aml-deploy-env:prune-used-{suffix}" not in tags
        assert tags[f"aml-deploy-env:prune-unused-{suffix}"]["size"] > 0
        [mine] = [i for i in unused_environment_images(docker_client) if i.id == unused.id]
        remove_images(docker_client, [mine])
        assert unused.id not in {image.id for image in docker_client.images.list()}
        assert used.id in {image.id for image in docker_client.images.list()}
    finally:
        holder.remove(force=True)
        for image in (unused, used):
            try:
                docker_client.images.remove(image.id, force=True)
            except Exception:  # noqa: BLE001 - already removed by the test
                pass


def test_prune_leaves_publish_images_and_their_environments_and_goes_on_past_a_refusal(docker_client, home):
    suffix = uuid.uuid4().hex[:8]
    parent = _labelled_image(docker_client, f"aml-deploy-env:prune-parent-{suffix}")
    child = _labelled_image(docker_client, f"aml-deploy-publish:prune-{suffix}", base=parent.id, label="aml-deploy.publish")
    twice = _labelled_image(docker_client, f"aml-deploy-env:prune-twice-{suffix}")
    twice.tag(f"127.0.0.1:9/aml-deploy/prune-{suffix}", "1")  # as a push tags it
    alone = _labelled_image(docker_client, f"aml-deploy-env:prune-alone-{suffix}")
    try:
        listed = _cli("environment", "prune", "--local", "--dry-run", "--format", "json", env=_env(home))
        assert listed.returncode == 0, listed.stderr
        ids = {image["id"] for image in json.loads(listed.stdout)["images"]}
        assert child.id not in ids  # a publish image is not an environment image
        assert parent.id not in ids  # another image is built on it
        assert {twice.id, alone.id} <= ids
        mine = [i for i in unused_environment_images(docker_client) if i.id in (twice.id, alone.id)]
        removed = remove_images(docker_client, mine + [_unused(parent)])  # the parent as a race would hand it over
        present = {image.id for image in docker_client.images.list(all=True)}
        assert twice.id not in present and alone.id not in present and parent.id in present and child.id in present
        assert [kept.id for kept in removed.kept] == [parent.id] and "child" in removed.kept[0].reason
    finally:
        for image in (child, parent, twice, alone):
            try:
                docker_client.images.remove(image.id, force=True)
            except Exception:  # noqa: BLE001 - already removed by the test
                pass


def _unused(image):
    from aml_deploy.deploy.local.prune import UnusedImage

    return UnusedImage(image.tags[0], image.id, 0, "")
