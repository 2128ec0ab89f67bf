"""Publishing to ACI end to end against the stand-ins: the real Docker engine builds and runs the image, a
real registry (Debian's docker-registry) stores it, the ARM stand-in validates every request against the
official spec and runs the container group on Docker, and the scoring URI is reached through the proxy
that plays DNS for container-group fqdns."""

from __future__ import annotations

import json

import pytest
import requests

from tests.publish.conftest import aci_services, v1_spec

pytestmark = pytest.mark.docker
REQUEST = {"data": [[1, 2], [0, 0], [3, 1]]}


def _score(uri: str, key: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.post(uri, json=REQUEST, headers=headers, timeout=30)


def test_publish_score_update_regenerate_logs_delete(azure_env, arm, session_registry, home, workspace, service_name, standin_docker):
    target = aci_services(home, session_registry, deployment_config=workspace / "v1-aci" / "deploymentconfig.json", workspace=workspace)
    target.registry.register(workspace / "sample" / "model", "sample-linear")
    spec = v1_spec(workspace, service_name, target.registry, models=["azureml:sample-linear:1"])

    state = target.deploy(spec, timeout=300)

    assert state.state == "Succeeded", (state.failure, state.log_excerpt)
    assert state.scoring_uri.startswith(f"http://{service_name}.") and state.scoring_uri.endswith(".westeurope.azurecontainer.io/score")
    keys = target.get_credentials(service_name)
    answer = _score(state.scoring_uri, keys["primaryKey"])
    assert answer.status_code == 200 and answer.json() == [9.0, 1.0, 10.0]
    assert _score(state.scoring_uri).status_code == 401
    assert _score(state.scoring_uri, "not-the-key-" + "x" * 20).status_code == 401
    puts = arm.requests_to("PUT", f"/containerGroups/{service_name}")
    assert [r.status for r in puts] == [201]
    group = arm.group(service_name)
    images = [c["properties"]["image"] for c in group.body["properties"]["containers"]]
    assert all("@sha256:" in image for image in images)  # exactly the bytes that were checked
    assert group.body["properties"]["imageRegistryCredentials"][0]["username"] == "pusher"
    log = "\n".join(target.logs(service_name, lines=200))
    assert "model loaded" in log or "Booting worker" in log

    first_push = target.last_run.push
    target.registry.register(workspace / "sample" / "model", "sample-linear")  # version 2: a new model layer
    updated = target.update(service_name, models=["sample-linear:2"], timeout=300)

    assert updated.state == "Succeeded", (updated.failure, updated.log_excerpt)
    pushed = target.last_run.push
    assert pushed["layers_pushed"] <= 2 and pushed["bytes_pushed"] < 0.01 * target.last_run.image["size"]
    assert pushed["reference"] != first_push["reference"]
    assert target.get_credentials(service_name) == keys  # keys kept
    assert _score(updated.scoring_uri, keys["primaryKey"]).json() == [9.0, 1.0, 10.0]

    new = target.regenerate_keys(service_name, "secondary")
    assert new["primaryKey"] == keys["primaryKey"] and new["secondaryKey"] != keys["secondaryKey"]
    assert _score(updated.scoring_uri, keys["secondaryKey"]).status_code == 401
    assert _score(updated.scoring_uri, new["secondaryKey"]).status_code == 200

    deleted = target.delete_endpoint(service_name)
    assert deleted["group_deleted"] is True and deleted["image_deleted"] is False
    standin_docker.api.inspect_distribution(deleted["image"], auth_config=session_registry.auth_config())  # the image stays
    assert arm.group(service_name) is None
    assert standin_docker.containers.list(all=True, filters={"label": f"aml-deploy.standin={arm.prefix}"}) == []
    assert target.services.get(service_name) is None
    assert json.dumps(target.services.list()) == "[]"


def test_ssl_enabled_terminates_tls_at_the_front_on_443(azure_env, arm, session_registry, home, workspace, service_name, standin_ca):
    label = f"tls-{service_name}"
    fqdn = arm.fqdn_for(label, "westeurope")
    certificate = standin_ca.issue(label, [fqdn])
    config = workspace / "v1-aci" / "deploymentconfig.json"
    (config.parent / "cert.pem").write_bytes(certificate.cert_file.read_bytes())  # inside the workspace, as it must be
    (config.parent / "key.pem").write_bytes(certificate.key_file.read_bytes())
    config.write_text(
        json.dumps(
            {
                "computeType": "aci",
                "containerResourceRequirements": {"cpu": 0.5, "memoryInGB": 1},
                "authEnabled": True,
                "sslEnabled": True,
                "sslCertificate": "cert.pem",
                "sslKey": "key.pem",
                "cname": fqdn,
                "dnsNameLabel": label,
            }
        )
    )
    target = aci_services(home, session_registry, deployment_config=config, workspace=workspace)

    state = target.deploy(v1_spec(workspace, service_name, target.registry), timeout=300)

    assert state.state == "Succeeded", (state.failure, state.log_excerpt)
    assert state.scoring_uri == f"https://{fqdn}/score"
    assert arm.group(service_name).body["properties"]["ipAddress"]["ports"] == [{"port": 443, "protocol": "TCP"}]
    key = target.get_credentials(service_name)["primaryKey"]
    answer = _score(state.scoring_uri, key)  # verified against the test CA, through the proxy's CONNECT
    assert answer.status_code == 200 and answer.json() == [9.0, 1.0, 10.0]
    assert _score(state.scoring_uri).status_code == 401
    target.delete_endpoint(service_name)
