"""The ARM stand-in, spoken to with plain HTTP (not the product's client): it checks tokens, paths, versions and
bodies as ARM does, answers in ARM's shapes, and really runs container groups on Docker from the registry."""

from __future__ import annotations

import time

import pytest
import requests

from tests.standins import bodies

API = "api-version=2025-09-01"


class Arm:
    """Raw HTTP to the stand-in, with a token from the AAD stand-in."""

    def __init__(self, arm, aad, principal, ca) -> None:
        self.arm, self.verify = arm, str(ca.bundle)
        token = requests.post(
            f"{aad.url}/{principal.tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": principal.client_id,
                "client_secret": principal.client_secret,
                "scope": f"{arm.url}/.default",
            },
            verify=self.verify,
        ).json()["access_token"]
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Bearer {token}"

    def group_url(self, name: str, suffix: str = "") -> str:
        return f"{self.arm.url}/subscriptions/{self.arm.subscription_id}/resourceGroups/rg-aml-test/providers/Microsoft.ContainerInstance/containerGroups/{name}{suffix}?{API}"

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        return self.session.request(method, url, verify=self.verify, **kwargs)

    def wait(self, response: requests.Response, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.request("GET", response.headers["Azure-AsyncOperation"]).json()
            if status["status"] != "InProgress":
                return status
            time.sleep(0.3)
        raise AssertionError("the operation did not end")

    def wait_for(self, name: str, predicate, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            group = self.request("GET", self.group_url(name)).json()
            if predicate(group):
                return group
            time.sleep(0.5)
        raise AssertionError(f"group {name} never got there: {group}")


@pytest.fixture
def raw(arm_api, aad, service_principal, standin_ca) -> Arm:
    return Arm(arm_api, aad, service_principal, standin_ca)


def fetch(url: str, proxy, timeout: float = 30) -> requests.Response:
    """GET through the fqdn proxy, waiting for the group's server to listen (Succeeded means started)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = requests.get(url, proxies={"http": proxy.url}, timeout=10)
            if answer.status_code == 200 or time.monotonic() > deadline:
                return answer
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def container_view(group: dict, name: str = "web") -> dict:
    return next(c for c in group["properties"]["containers"] if c["name"] == name)["properties"]["instanceView"]


# --- what ARM checks before anything runs (no Docker needed) ---------------------------------------------


def test_a_request_without_a_token_or_with_a_foreign_token_is_401(raw, arm_api, aad, service_principal, standin_ca):
    anonymous = requests.get(raw.group_url("g"), verify=raw.verify)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "AuthenticationFailed"
    other = requests.post(
        f"{aad.url}/{service_principal.tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": service_principal.client_id,
            "client_secret": service_principal.client_secret,
            "scope": "https://vault.azure.net/.default",
        },
        verify=raw.verify,
    ).json()["access_token"]
    wrong_audience = requests.get(raw.group_url("g"), headers={"Authorization": f"Bearer {other}"}, verify=raw.verify)
    assert wrong_audience.status_code == 401
    assert wrong_audience.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
    aad.expire_all()
    assert raw.request("GET", raw.group_url("g")).json()["error"]["code"] == "ExpiredAuthenticationToken"


def test_api_version_is_required_and_must_be_the_spec_s(raw):
    missing = raw.request("GET", raw.group_url("g").split("?")[0])
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "MissingApiVersionParameter")
    old = raw.request("GET", raw.group_url("g").replace("2025-09-01", "2023-05-01"))
    assert (old.status_code, old.json()["error"]["code"]) == (400, "NoRegisteredProviderFound")


@pytest.mark.parametrize(
    "change, target, words",
    [
        (
            lambda b: b["properties"]["containers"][0]["properties"]["resources"]["requests"].pop("memoryInGB"),
            "$.properties.containers[0].properties.resources.requests",
            "'memoryInGB' is a required property",
        ),
        (
            lambda b: b["properties"]["containers"][0]["properties"]["resources"]["requests"].update(cpu="1"),
            "$.properties.containers[0].properties.resources.requests.cpu",
            "'1' is not of type 'number'",
        ),
        (lambda b: b["properties"].update(restartPolicy="Sometimes"), "$.properties.restartPolicy", "'Sometimes' is not one of"),
        (
            lambda b: b["properties"]["ipAddress"].update(type="Internet"),
            "$.properties.ipAddress.type",
            "'Internet' is not one of ['Public', 'Private']",
        ),
    ],
)
def test_bodies_the_spec_rejects_are_400_invalid_request_content(raw, change, target, words):
    body = bodies.example_body()
    change(body)
    answer = raw.request("PUT", raw.group_url("scorer"), json=body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "InvalidRequestContent"
    assert words in error["message"] and target in error["message"]
    assert any(d["target"] == target for d in error["details"])


def test_paths_outside_the_spec_and_bad_parameters_are_refused(raw, arm_api):
    unknown = raw.request(
        "GET", f"{arm_api.url}/subscriptions/{arm_api.subscription_id}/providers/Microsoft.ContainerInstance/widgets?{API}"
    )
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "InvalidResourceType")
    bad_rg = raw.request("GET", raw.group_url("g").replace("rg-aml-test", "bad$rg"))
    assert (bad_rg.status_code, bad_rg.json()["error"]["code"]) == (400, "InvalidParameter")
    missing_rg = raw.request("GET", raw.group_url("g").replace("rg-aml-test", "rg-nowhere"))
    assert (missing_rg.status_code, missing_rg.json()["error"]["code"]) == (404, "ResourceGroupNotFound")


def test_a_missing_group_is_a_404_cloud_error(raw):
    answer = raw.request("GET", raw.group_url("nothing-here"))
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "ResourceNotFound"
    assert "nothing-here" in answer.json()["error"]["message"]
    assert raw.request("DELETE", raw.group_url("nothing-here")).status_code == 204


def test_injected_faults_answer_with_retry_after_then_stop(raw, arm_api):
    arm_api.fail_next(2, 429, retry_after=7)
    arm_api.fail_next(1, 500, retry_after=3, method="GET")
    first, second, third = (raw.request("GET", raw.group_url("g")) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 500]
    assert first.headers["Retry-After"] == "7" and third.headers["Retry-After"] == "3"
    assert first.json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert raw.request("GET", raw.group_url("g")).status_code == 404


# --- running groups for real -------------------------------------------------------------------------------


@pytest.mark.docker
def test_the_example_body_passes_validation_and_fails_only_on_its_unreachable_image(raw, arm):
    answer = raw.request("PUT", raw.group_url("scorer"), json=bodies.example_body())
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "InaccessibleImage"
    assert "myregistry.azurecr.io/scorer:1" in answer.json()["error"]["message"]


@pytest.mark.docker
def test_a_trivial_group_runs_from_the_registry_and_is_deleted(raw, arm, registry, standin_docker, busybox_image, fqdn_proxy):
    image = registry.push(standin_docker, busybox_image, "standin/web")
    body = bodies.web_group(image, registry, text="hello-from-aci")
    body["properties"]["containers"][0]["properties"]["environmentVariables"] = [
        {"name": "TOKEN", "secureValue": "s3cret-value"},
        {"name": "PLAIN", "value": "p"},
    ]
    body["properties"]["containers"][0]["properties"]["command"] = ["sh", "-c", bodies.SERVE_WWW.format(text="$TOKEN-$PLAIN", port=80)]
    created = raw.request("PUT", raw.group_url("web"), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["properties"]["provisioningState"] == "Pending"
    assert int(created.headers["Retry-After"]) >= 1
    assert raw.wait(created)["status"] == "Succeeded"

    group = raw.request("GET", raw.group_url("web")).json()
    properties = group["properties"]
    assert properties["provisioningState"] == "Succeeded" and properties["instanceView"]["state"] == "Running"
    assert [e["name"] for e in container_view(group)["events"]] == ["Pulling", "Pulled", "Started"]
    assert container_view(group)["currentState"]["state"] == "Running"
    assert properties["ipAddress"]["fqdn"] == "web-test.westeurope.azurecontainer.io"
    # secrets never come back, yet the container got them
    assert "secureValue" not in str(group) and "password" not in str(properties["imageRegistryCredentials"])
    assert fetch(f"http://{properties['ipAddress']['fqdn']}/", fqdn_proxy).text.strip() == "s3cret-value-p"
    assert fetch(f"http://{properties['ipAddress']['ip']}/", fqdn_proxy).status_code == 200

    deleted = raw.request("DELETE", raw.group_url("web"))
    assert deleted.status_code == 202 and "Location" in deleted.headers
    assert raw.wait(deleted)["status"] == "Succeeded"
    assert raw.request("GET", raw.group_url("web")).status_code == 404
    assert standin_docker.containers.list(all=True, filters={"label": f"aml-deploy.standin={arm.prefix}"}) == []


@pytest.mark.docker
def test_containers_of_a_group_share_localhost(raw, arm, registry, standin_docker, busybox_image, fqdn_proxy):
    image = registry.push(standin_docker, busybox_image, "standin/pair")
    side = bodies.container("side", image, bodies.SERVE_WWW.format(text="from-the-sidecar", port=8081), ports=[8081])
    copy_then_serve = (
        "mkdir -p /www; until wget -qO /www/index.html http://127.0.0.1:8081/; do sleep 0.2; done; exec httpd -f -p 80 -h /www"
    )
    web = bodies.container("web", image, copy_then_serve, ports=[80])
    body = bodies.group([web, side], registry_server=registry.host, auth=registry.auth_config(), public_ports=[80], label="pair-test")
    assert raw.wait(raw.request("PUT", raw.group_url("pair"), json=body))["status"] == "Succeeded"
    assert fetch("http://pair-test.westeurope.azurecontainer.io/", fqdn_proxy).text.strip() == "from-the-sidecar"


@pytest.mark.docker
def test_an_exiting_container_is_restarted_with_back_off_and_its_exit_code(raw, arm, registry, standin_docker, busybox_image):
    image = registry.push(standin_docker, busybox_image, "standin/crash")
    crash = bodies.container("web", image, "echo starting; exit 3")
    body = bodies.group([crash], registry_server=registry.host, auth=registry.auth_config())
    assert raw.wait(raw.request("PUT", raw.group_url("crash"), json=body))["status"] == "Succeeded"
    group = raw.wait_for("crash", lambda g: container_view(g)["restartCount"] >= 2)
    view = container_view(group)
    assert view["previousState"]["state"] == "Terminated" and view["previousState"]["exitCode"] == 3
    assert view["previousState"]["detailStatus"] == "Error"
    assert {"BackOff", "Started"} <= {e["name"] for e in view["events"]}
    assert next(e for e in view["events"] if e["name"] == "Started")["count"] >= 3
    logs = raw.request("GET", raw.group_url("crash", "/containers/web/logs") + "&tail=1").json()
    assert logs == {"content": "starting\n"}
    missing = raw.request("GET", raw.group_url("crash", "/containers/nope/logs"))
    assert missing.status_code == 404


@pytest.mark.docker
def test_too_little_memory_is_an_oom_kill(raw, arm, registry, standin_docker, busybox_image):
    image = registry.push(standin_docker, busybox_image, "standin/oom")
    hog = bodies.container("web", image, 'a=$(head -c 100000000 /dev/zero | tr "\\0" x)', memory=0.03)
    body = bodies.group([hog], registry_server=registry.host, auth=registry.auth_config(), restartPolicy="Never")
    assert raw.wait(raw.request("PUT", raw.group_url("oom"), json=body))["status"] == "Succeeded"
    group = raw.wait_for("oom", lambda g: container_view(g)["currentState"]["state"] == "Terminated")
    state = container_view(group)["currentState"]
    assert (state["exitCode"], state["detailStatus"]) == (137, "OOMKilled")
    assert group["properties"]["instanceView"]["state"] == "Failed"


@pytest.mark.docker
def test_a_failing_liveness_probe_kills_and_restarts(raw, arm, registry, standin_docker, busybox_image):
    image = registry.push(standin_docker, busybox_image, "standin/probe")
    probed = bodies.container(
        "web", image, "exec sleep 600", livenessProbe={"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1, "failureThreshold": 2}
    )
    body = bodies.group([probed], registry_server=registry.host, auth=registry.auth_config())
    assert raw.wait(raw.request("PUT", raw.group_url("probe"), json=body))["status"] == "Succeeded"
    group = raw.wait_for("probe", lambda g: container_view(g)["restartCount"] >= 1)
    names = {e["name"]: e for e in container_view(group)["events"]}
    assert names["Unhealthy"]["message"].startswith("Liveness probe failed: ")
    assert names["Killing"]["message"] == "Container web failed liveness probe, will be restarted"


@pytest.mark.docker
def test_images_the_credentials_cannot_read_are_inaccessible(raw, arm, registry, standin_docker, busybox_image):
    image = registry.push(standin_docker, busybox_image, "standin/private")
    wrong = bodies.web_group(image, registry)
    wrong["properties"]["imageRegistryCredentials"][0]["password"] = "not-the-password"
    answer = raw.request("PUT", raw.group_url("private"), json=wrong)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "InaccessibleImage")
    absent = bodies.web_group(image.split("@")[0] + ":never-pushed", registry)
    assert raw.request("PUT", raw.group_url("private"), json=absent).json()["error"]["code"] == "InaccessibleImage"
    assert arm.group("private") is None


@pytest.mark.docker
def test_an_injected_provisioning_failure_ends_the_operation_failed(raw, arm, registry, standin_docker, busybox_image):
    image = registry.push(standin_docker, busybox_image, "standin/fail")
    arm.fail_next_provisioning("ServiceUnavailable", "Requested resource is not available in the location 'westeurope' at this moment.")
    status = raw.wait(raw.request("PUT", raw.group_url("fail"), json=bodies.web_group(image, registry, label=None)))
    assert status["status"] == "Failed"
    assert status["error"] == {
        "code": "ServiceUnavailable",
        "message": "Requested resource is not available in the location 'westeurope' at this moment.",
    }
    assert raw.request("GET", raw.group_url("fail")).json()["properties"]["provisioningState"] == "Failed"


@pytest.mark.docker
def test_updates_run_the_new_image_and_refuse_resource_changes(raw, arm, registry, standin_docker, busybox_image, fqdn_proxy):
    image = registry.push(standin_docker, busybox_image, "standin/update")
    first = raw.request("PUT", raw.group_url("update"), json=bodies.web_group(image, registry, text="one", label="update-test"))
    assert raw.wait(first)["status"] == "Succeeded"
    busy = raw.request("PUT", raw.group_url("update"), json=bodies.web_group(image, registry, text="two", label="update-test"))
    assert busy.status_code == 200
    second = raw.request("PUT", raw.group_url("update"), json=bodies.web_group(image, registry, text="three", label="update-test"))
    assert (second.status_code, second.json()["error"]["code"]) == (409, "ContainerGroupTransitioning")
    assert raw.wait(busy)["status"] == "Succeeded"
    assert fetch("http://update-test.westeurope.azurecontainer.io/", fqdn_proxy).text.strip() == "two"
    bigger = bodies.web_group(image, registry, text="two", label="update-test")
    bigger["properties"]["containers"][0]["properties"]["resources"]["requests"]["memoryInGB"] = 1
    refused = raw.request("PUT", raw.group_url("update"), json=bigger)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "InvalidContainerGroupUpdate")
