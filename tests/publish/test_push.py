"""Pushing to a real registry (Debian's docker-registry with htpasswd users): a code-only change sends one
small layer; a wrong password is named as such; a registry that dies mid-push is a clear error, and the
retry sends only what had not arrived."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from aml_deploy.deploy.publish import RegistryAuthFailed, RegistryCredentials, RegistryUnreachable, build_image, push_image
from aml_deploy.deploy.publish.contexts import Context
from aml_deploy.deploy.publish.image import DOCKERFILE, layer_sizes, run_build
from aml_deploy.deploy.spec import from_config
from aml_deploy.registry import Registry

pytestmark = pytest.mark.docker

# `workspace` (a copy of test-fixtures) comes from tests/publish/conftest.py


def _credentials(registry, password: str | None = None) -> RegistryCredentials:
    user = next(iter(registry.users))
    return RegistryCredentials(registry.host, user, password or registry.users[user], source="given")


def test_a_code_only_change_pushes_one_small_layer(session_registry, standin_docker, workspace, tmp_path):
    spec = from_config(workspace / "sample" / "blue-deployment.yml", workspace=workspace, registry=Registry(tmp_path / "models"))
    first = build_image(standin_docker, spec)
    repository = f"{session_registry.host}/pushtest/{uuid.uuid4().hex[:8]}"
    credentials = _credentials(session_registry)
    sizes = {layer.diff_id: layer.size for layer in first.layers}
    pushed = push_image(standin_docker, first.tag, repository, first.key[:20], credentials, sizes)
    assert pushed.reference.startswith(f"{repository}@sha256:")
    assert {layer.state for layer in pushed.layers} <= {"pushed", "exists", "mounted"} and len(pushed.layers) == len(first.layers)

    script = workspace / "sample" / "src" / "score.py"
    script.write_text(script.read_text() + f"\n# a code-only change {uuid.uuid4().hex}\n")
    second = build_image(standin_docker, spec)
    assert second.built == ["code"]
    assert [layer.diff_id for layer in second.layers[:-1]] == [layer.diff_id for layer in first.layers[:-1]]
    seen = []
    again = push_image(
        standin_docker,
        second.tag,
        repository,
        second.key[:20],
        credentials,
        {layer.diff_id: layer.size for layer in second.layers},
        seen.append,
    )

    [sent] = again.pushed_layers
    assert second.layers[-1].diff_id.split(":")[1].startswith(sent.id) and second.layers[-1].kind == "code"
    assert 0 < again.bytes_pushed < 10_000
    assert again.bytes_skipped == sum(layer.size for layer in second.layers[:-1])
    assert again.bytes_pushed < 0.01 * second.size
    assert seen and seen[-1].sent == again.bytes_pushed
    assert again.digest != pushed.digest


def test_a_wrong_password_is_named(registry, standin_docker, busybox_image):
    with pytest.raises(RegistryAuthFailed) as refused:
        push_image(standin_docker, busybox_image, f"{registry.host}/pushtest/denied", "1", _credentials(registry, "wrong-password"))
    message = str(refused.value)
    assert message.startswith(f"The registry {registry.host} refused the push: ") and "authentication required" in message
    assert "wrong-password" not in message
    assert standin_docker.images.list(name=f"{registry.host}/pushtest/denied") == []  # the push tag is not left behind


def test_a_registry_that_was_never_there_is_not_said_to_have_stopped(standin_docker, busybox_image):
    from tests.standins.registry import free_port

    server = f"127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(RegistryUnreachable) as unreachable:
        push_image(standin_docker, busybox_image, f"{server}/pushtest/nowhere", "1", RegistryCredentials(server, "u", "p"))
    message = str(unreachable.value)
    assert message.startswith(f"Cannot reach the registry {server}") and "nothing was pushed" in message
    assert "stopped answering" not in message


@pytest.fixture
def layered_image(standin_docker, busybox_image):
    """busybox + a small layer + a 48 MB layer of random bytes (nothing to compress: the push takes a while)."""
    tag = f"aml-deploy-test/pushdeath:{uuid.uuid4().hex[:8]}"
    context = Context()
    context.add_bytes("small.bin", os.urandom(64_000))
    context.add_bytes("big.bin", os.urandom(48_000_000))
    context.add_bytes(DOCKERFILE, f"FROM {busybox_image}\nCOPY small.bin /small.bin\nCOPY big.bin /big.bin\n".encode())
    run_build(standin_docker, context, tag, "a test image", None, {})
    yield tag
    standin_docker.images.remove(tag, force=True)


def test_a_registry_that_dies_mid_push_is_a_clear_error_and_the_retry_sends_only_what_is_missing(registry, standin_docker, layered_image):
    repository = f"{registry.host}/pushtest/dies"
    image = standin_docker.images.get(layered_image)
    diff_ids = image.attrs["RootFS"]["Layers"]
    sizes = layer_sizes(standin_docker, image.id, diff_ids)
    big = diff_ids[-1].split(":")[1][:12]
    killed = threading.Event()

    def kill_when_the_big_layer_is_on_its_way(progress) -> None:
        if not killed.is_set() and progress.message == f"Pushing {big}" and progress.layers_done >= 2:
            registry.kill()
            killed.set()

    with pytest.raises(RegistryUnreachable) as died:
        push_image(standin_docker, layered_image, repository, "1", _credentials(registry), sizes, kill_when_the_big_layer_is_on_its_way)
    assert killed.is_set()
    message = str(died.value)
    assert message.startswith(f"The registry {registry.host} stopped answering during the push")
    assert "only the missing layers are sent" in message

    registry.start()
    retried = push_image(standin_docker, layered_image, repository, "1", _credentials(registry), sizes)
    states = {layer.id: layer.state for layer in retried.layers}
    assert states.pop(big) == "pushed"
    assert set(states.values()) == {"exists"}  # what had arrived is not sent again
    assert retried.bytes_pushed >= 48_000_000 and retried.bytes_skipped == sum(sizes.values()) - sizes[diff_ids[-1]]


def test_an_image_is_deleted_from_a_registry_only_when_asked(registry, acr_registry, azure_env, standin_docker, busybox_image):
    from aml_deploy.deploy.publish.registry_api import RegistryApiError, delete_image

    pushed = push_image(standin_docker, busybox_image, f"{registry.host}/pushtest/gone", "1", _credentials(registry))
    with pytest.raises(RegistryApiError, match="asks for credentials"):
        delete_image(pushed.reference, None)
    assert delete_image(pushed.reference, _credentials(registry)) is True  # Basic auth (htpasswd)
    with pytest.raises(Exception, match="manifest unknown|not found"):
        standin_docker.api.inspect_distribution(pushed.reference, auth_config=registry.auth_config())
    assert delete_image(pushed.reference, _credentials(registry)) is False  # already gone

    admin = RegistryCredentials(acr_registry.host, acr_registry.acr.admin_username, acr_registry.acr.admin_password, source="acr-admin")
    in_acr = push_image(standin_docker, busybox_image, f"{acr_registry.host}/pushtest/acr", "1", admin)
    assert delete_image(in_acr.reference, admin) is True  # a Bearer token from the registry's token service
    assert any(scope.endswith(":delete") for _user, scope in acr_registry.acr.token_requests)
