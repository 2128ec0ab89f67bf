"""The registry stand-ins are real registries: Debian's docker-registry with htpasswd users, restartable with
its storage; and ACR-style token auth where the auth server's tokens are what lets Docker in."""

from __future__ import annotations

import docker
import pytest
import requests

from tests.standins.acr import NULL_GUID
from tests.standins.registry import PushFailed

pytestmark = pytest.mark.docker


def test_push_with_the_htpasswd_user_and_not_with_a_wrong_password(registry, standin_docker, busybox_image):
    reference = registry.push(standin_docker, busybox_image, "selftest/app")
    assert reference.startswith(f"{registry.host}/selftest/app@sha256:")
    assert requests.get(f"{registry.url}/v2/_catalog", auth=("pusher", registry.users["pusher"]), timeout=5).json() == {
        "repositories": ["selftest/app"]
    }
    assert requests.get(f"{registry.url}/v2/_catalog", timeout=5).status_code == 401
    with pytest.raises(PushFailed, match="unauthorized|authentication required"):
        registry.push(standin_docker, busybox_image, "selftest/app", "2", auth_config={"username": "pusher", "password": "wrong"})


def test_a_killed_registry_refuses_pushes_and_comes_back_with_its_storage(registry, standin_docker, busybox_image):
    reference = registry.push(standin_docker, busybox_image, "selftest/kept")
    registry.kill()
    assert not registry.running
    with pytest.raises(PushFailed):
        registry.push(standin_docker, busybox_image, "selftest/kept", "2")
    registry.start()
    distribution = standin_docker.api.inspect_distribution(reference, auth_config=registry.auth_config())
    assert distribution["Descriptor"]["digest"] == reference.split("@")[1]


def test_acr_registry_lets_in_the_admin_and_exchanged_refresh_tokens_only(
    acr_registry, aad, service_principal, arm, standin_docker, busybox_image, standin_ca
):
    reference = acr_registry.push(standin_docker, busybox_image, "selftest/acr")
    challenge = requests.get(f"{acr_registry.registry.url}/v2/", verify=str(standin_ca.bundle), timeout=5)
    assert challenge.status_code == 401
    assert challenge.headers["WWW-Authenticate"].startswith(
        f'Bearer realm="{acr_registry.acr.url}/oauth2/token",service="{acr_registry.host}"'
    )

    aad_token = requests.post(
        f"{aad.url}/{service_principal.tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": service_principal.client_id,
            "client_secret": service_principal.client_secret,
            "scope": f"{arm.url}/.default",
        },
        verify=str(standin_ca.bundle),
    ).json()["access_token"]
    exchange = requests.post(
        f"{acr_registry.acr.url}/oauth2/exchange",
        data={"grant_type": "access_token", "service": acr_registry.host, "access_token": aad_token, "tenant": service_principal.tenant_id},
        verify=str(standin_ca.bundle),
    )
    refresh_token = exchange.json()["refresh_token"]
    standin_docker.api.inspect_distribution(reference, auth_config={"username": NULL_GUID, "password": refresh_token})

    with pytest.raises(docker.errors.APIError):
        standin_docker.api.inspect_distribution(reference, auth_config={"username": NULL_GUID, "password": "acr.forged"})
    acr_registry.acr.expire_refresh_tokens()
    with pytest.raises(docker.errors.APIError):
        standin_docker.api.inspect_distribution(reference, auth_config={"username": NULL_GUID, "password": refresh_token})
    refused = requests.post(
        f"{acr_registry.acr.url}/oauth2/exchange",
        data={"grant_type": "access_token", "service": acr_registry.host, "access_token": "aad.forged"},
        verify=str(standin_ca.bundle),
    )
    assert refused.status_code == 401
