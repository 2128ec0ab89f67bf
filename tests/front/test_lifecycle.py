"""The front's container: on 127.0.0.1 only, secrets kept out of everything Docker shows, changed
by a graceful reload without dropping a request, TLS when asked, and nothing left after remove."""

import json
import socket
import subprocess
import threading

import pytest
import requests

from aml_deploy import front
from aml_deploy.front import KeyStore
from tests.support import require, wait_until

pytestmark = pytest.mark.docker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_port_is_bound_to_loopback_and_no_secret_shows_in_docker(endpoint, tmp_path):
    endpoint.standin("blue")
    keys = KeyStore(tmp_path / "credentials.json").ensure("key")
    port = free_port()
    spec = front.Front(endpoint.name, [endpoint.deployment("blue", 100)], credentials=keys, access_log=True)
    state = endpoint.start(spec, port=port)
    assert state.port == port and state.scoring_uri == f"http://127.0.0.1:{port}/score"
    container = endpoint.client.containers.get(state.container)
    assert [b["HostIp"] for b in container.attrs["HostConfig"]["PortBindings"]["8080/tcp"]] == ["127.0.0.1"]
    assert {b["HostIp"] for b in container.attrs["NetworkSettings"]["Ports"]["8080/tcp"]} == {"127.0.0.1"}
    for key in (keys.primary_key, "wrong" * 7):
        requests.post(state.scoring_uri, json={}, headers={"Authorization": f"Bearer {key}"})
    shown = json.dumps(container.attrs) + container.logs().decode() + json.dumps(state.to_dict())
    assert "/score" in container.logs().decode()  # the access log is on, and says what it served
    assert keys.primary_key not in shown and keys.secondary_key not in shown and "wrong" * 7 not in shown
    mode = container.exec_run(["stat", "-c", "%a %u", "/etc/aml-front/keys.map", "/etc/aml-front"]).output.decode()
    assert mode.split() == ["600", "99", "700", "99"]


def test_remove_leaves_nothing(endpoint):
    endpoint.standin("blue")
    endpoint.start(front.Front(endpoint.name, [endpoint.deployment("blue", 100)], auth_mode="none"))
    client = endpoint.client
    assert front.remove(client, endpoint.name) is True
    assert front.status(client, endpoint.name).status == "missing"
    assert not client.containers.list(all=True, filters={"name": front.container_name(endpoint.name)})
    assert not client.networks.list(names=[front.network_name(endpoint.name)])
    assert endpoint.standins["blue"].container.status  # the deployment's container is the caller's to remove
    assert front.remove(client, endpoint.name) is False


def test_a_structural_change_reloads_without_dropping_a_request(endpoint):
    for name in ("blue", "green"):
        endpoint.standin(name)
    roomy = front.Limits(max_concurrent=8)
    blue, green = endpoint.deployment("blue", 100, limits=roomy), endpoint.deployment("green", 0, limits=roomy)
    spec = front.Front(endpoint.name, [blue], auth_mode="none")
    url = endpoint.start(spec).scoring_uri
    statuses, failures, stop = [], [], threading.Event()

    def call():
        session = requests.Session()
        while not stop.is_set():
            try:
                statuses.append(session.post(url, json={}, headers={"x-standin-sleep": "0.02"}, timeout=10).status_code)
            except requests.RequestException as err:
                failures.append(repr(err))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    results = []

    def ten_more() -> None:  # requests in flight across every reload, counted rather than timed
        served = len(statuses)
        wait_until(lambda: len(statuses) >= served + 10)

    for deployments in ([blue, green], [blue], [blue, green]):  # add, remove, add a deployment: each a reload
        ten_more()
        results.append(front.update(endpoint.client, front.Front(endpoint.name, deployments, auth_mode="none")))
    ten_more()
    stop.set()
    for thread in threads:
        thread.join()
    assert [r.reloaded for r in results] == [True, True, True]
    assert failures == [] and set(statuses) == {200} and len(statuses) > 30
    named = requests.post(url, json={}, headers={"azureml-model-deployment": "green"})
    assert named.headers["azureml-model-deployment"] == "green"  # the new deployment is served


def test_status_reports_each_deployment_and_an_unreachable_one_gets_503(endpoint):
    endpoint.standin("blue")
    missing = front.Deployment("ghost", "ghost:5001", 0)
    spec = front.Front(endpoint.name, [endpoint.deployment("blue", 100), missing], auth_mode="none")
    first = endpoint.start(spec)
    state = front.status(endpoint.client, endpoint.name)
    assert {s["deployment"]: s["status"] for s in state.servers}["blue"] != "MAINT"
    assert {s["deployment"]: s["status"] for s in state.servers}["ghost"].startswith("MAINT")  # no address
    refused = requests.post(first.scoring_uri, json={}, headers={"azureml-model-deployment": "ghost"})
    assert refused.status_code == 503 and "ghost:5001" in refused.json()["message"]
    again = endpoint.start(spec)  # starting a running front again changes it in place
    assert again.container == first.container and again.port == first.port
    assert (
        endpoint.client.containers.get(first.container).attrs["State"]["StartedAt"]
        == endpoint.client.containers.get(again.container).attrs["State"]["StartedAt"]
    )


def test_tls_termination_with_the_given_certificate(endpoint, tmp_path):
    require(subprocess.run(["openssl", "version"], capture_output=True).returncode == 0, "openssl is not installed")
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    endpoint.standin("blue")
    tls = front.Tls(certificate.read_bytes(), key.read_bytes())
    state = endpoint.start(front.Front(endpoint.name, [endpoint.deployment("blue", 100)], auth_mode="none", tls=tls))
    assert state.scoring_uri.startswith("https://127.0.0.1:")
    assert requests.post(state.scoring_uri, json={}, verify=str(certificate)).json()["name"] == "blue"
    with pytest.raises(requests.ConnectionError):
        requests.post(state.scoring_uri.replace("https://", "http://"), json={}, timeout=5)
    plain = front.Front(endpoint.name, [endpoint.deployment("blue", 100)], auth_mode="none")
    with pytest.raises(front.FrontError, match="start it again"):
        front.update(endpoint.client, plain)
    again = endpoint.start(plain)  # replaces the container: plain HTTP
    assert again.scoring_uri.startswith("http://") and requests.post(again.scoring_uri, json={}).status_code == 200


def test_an_image_without_haproxy_is_refused_clearly_and_leaves_no_container(endpoint):
    spec = front.Front(endpoint.name, [front.Deployment("blue", "blue:5001", 100)], auth_mode="none")
    with pytest.raises(front.FrontError, match="cannot run the front"):
        front.start(endpoint.client, spec, "python:3.11-slim")
    assert front.status(endpoint.client, endpoint.name).status == "missing"


def test_without_the_runtime_api_changes_fall_back_to_a_graceful_reload(endpoint, tmp_path):
    """The runtime API is reached with bash; an image without it (like the Alpine haproxy images)
    still gets every change, by a reload."""
    import io

    dockerfile = f"FROM {endpoint.image}\nUSER root\nRUN rm /bin/bash /usr/bin/bash 2>/dev/null; true\n".encode()
    tag = f"aml-deploy-front-test:{endpoint.name}"
    endpoint.client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True)
    try:
        endpoint.standin("blue")
        store = KeyStore(tmp_path / "credentials.json")
        spec = front.Front(endpoint.name, [endpoint.deployment("blue", 100)], credentials=store.ensure("key"))
        state = front.start(endpoint.client, spec, tag)
        old = store.load().primary_key
        result = front.update(endpoint.client, front.Front(endpoint.name, spec.deployments, credentials=store.regenerate("primary")))
        assert result.reloaded is True
        assert requests.post(state.scoring_uri, json={}, headers={"Authorization": f"Bearer {old}"}).status_code == 401
        new = store.load().primary_key
        assert requests.post(state.scoring_uri, json={}, headers={"Authorization": f"Bearer {new}"}).status_code == 200
        assert front.status(endpoint.client, endpoint.name).servers == []  # no runtime view without bash
    finally:
        front.remove(endpoint.client, endpoint.name)
        endpoint.client.images.remove(tag, force=True)
