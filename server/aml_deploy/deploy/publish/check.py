"""The local check: before anything is pushed, the publish image itself runs on this machine behind
the endpoint front with a key, and answers the sample request through it. A failure stops the
publish with the same report as a failed local deployment (the user's line, the log)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ... import front
from .. import requests as sample_requests
from ..failures import explain, timed_out_in
from ..layout import code_target
from ..local import http
from ..local.containers import excerpt
from ..spec import DeploymentSpec
from ..state import DeploymentState
from .image import SCORING_PORT

LABEL = "aml-deploy.publish-check"


@dataclass
class CheckResult:
    state: DeploymentState  # Succeeded, or Failed with the failure and the log's end, as a local deployment reports
    status: int | None = None  # what the sample request got through the front
    body: str = ""
    request: str = ""  # where the request came from: input_sample | <file> | given | none
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.state.state == "Succeeded"

    def to_dict(self) -> dict:
        return {
            "passed": self.passed,
            "status": self.status,
            "request": self.request,
            "seconds": round(self.seconds, 3),
            "response": self.body[:2000],
            **({"deployment": self.state.to_dict()} if not self.passed else {}),
        }


def limits_of(spec: DeploymentSpec) -> tuple[str, front.Limits]:
    """The front's API flavour and request limits for the spec: v1 services as azureml-fe serves them."""
    if spec.is_v1:
        return front.V1, front.Limits.from_v1(spec.target_settings)
    return front.V2, front.Limits.from_v2(spec.request_settings)


def local_check(
    client,
    spec: DeploymentSpec,
    image: str,
    *,
    request: bytes | None = None,
    request_file: Path | None = None,
    front_image: str | None = front.DEFAULT_IMAGE,
    ca: Path | None = None,
    timeout: float = 600.0,
    progress=None,
) -> CheckResult:
    """Run `image` behind a front with a fresh key, wait for init(), send the sample request with the key.
    Everything it starts is removed afterwards."""
    say = progress or (lambda message: None)
    started = time.monotonic()
    endpoint = f"amlcheck-{uuid.uuid4().hex[:10]}"
    deployment = spec.deployment
    say("Starting the front")
    front_tag = front.ensure_image(client, front_image, ca=ca, on_line=None).tag
    network = front.ensure_network(client, endpoint)
    container = None
    try:
        say(f"Starting {image} as the service will run it")
        container = client.containers.run(
            image,
            name=f"{endpoint}.{deployment}",
            detach=True,
            network=network.name,
            ports={f"{SCORING_PORT}/tcp": ("127.0.0.1", None)},
            labels={LABEL: "1", "aml-deploy.endpoint": endpoint},
        )
        address = front.connect_deployment(client, endpoint, container, deployment)
        api, limits = limits_of(spec)
        credentials = front.Credentials(front.new_key(), front.new_key())
        served = front.start(
            client,
            front.Front(
                endpoint, [front.Deployment(deployment, address, 100, limits=limits)], auth_mode="key", credentials=credentials, api=api
            ),
            front_tag,
        )
        say("Waiting for init() to finish")
        port = _host_port(container)
        failed = _wait(container, port, timeout)
        state = DeploymentState(spec.endpoint, deployment, "Succeeded", "local-check", image=image, config=str(spec.config))
        if failed is not None:
            return CheckResult(_failed(state, spec, container, failed), seconds=time.monotonic() - started)
        body, source = _request(request, request_file, spec, port)
        key, scoring_uri = credentials.primary_key or "", served.scoring_uri or ""
        if body is not None:
            say(f"Sending the sample request ({source}) through the front with a key")
            status, text, _headers = http.post(
                scoring_uri,
                body,
                {"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
                timeout=limits.timeout_ms / 1000 + 5,
            )
        else:
            say("No sample request: checking the liveness route through the front with a key")
            status, text = _get(scoring_uri.replace("/score", "/"), key)
        if status != 200:
            state.state = "Failed"
            state.failure = explain(_log(container), code_target(spec), spec.code_dir)
            state.failure.message = (
                f"the sample request ({source}) got {status} through the front: {text[:300]}"
                if body is not None
                else f"the server's liveness route answered {status}"
            )
            state.log_excerpt = excerpt(_log(container).splitlines())
        return CheckResult(state, status, text, source, time.monotonic() - started)
    finally:
        if container is not None:
            container.remove(force=True)
        front.remove(client, endpoint)


def _host_port(container) -> int | None:
    container.reload()
    bindings = (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).get(f"{SCORING_PORT}/tcp") or []
    return int(bindings[0]["HostPort"]) if bindings else None


def _wait(container, port: int | None, timeout: float) -> str | None:
    """None once the server answers its liveness route; else why not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.reload()
        if container.status in ("exited", "dead"):
            return f"the server exited with code {container.attrs['State'].get('ExitCode')}"
        if http.answers(port, timeout=1):
            return None
        time.sleep(0.1)
    return f"did not become ready within {timeout:.0f} s"


def _failed(state: DeploymentState, spec: DeploymentSpec, container, why: str) -> DeploymentState:
    log = _log(container)
    state.state = "Failed"
    state.failure = explain(log, code_target(spec), spec.code_dir)
    state.failure.timed_out = why.startswith("did not become ready")
    if state.failure.path is None:
        state.failure.message = f"{why}: {timed_out_in(log) if state.failure.timed_out else state.failure.message}"
    state.log_excerpt = excerpt(log.splitlines())
    return state


def _log(container) -> str:
    try:
        container.wait(timeout=5) if container.status in ("exited", "dead") else None
    except Exception:  # noqa: BLE001 - the log is read either way
        pass
    return container.logs().decode("utf-8", errors="replace")


def _request(given: bytes | None, request_file: Path | None, spec: DeploymentSpec, port: int | None) -> tuple[bytes | None, str]:
    """The request to check with: given, a --request-file, the script's input_sample, a *request*.json
    beside the configuration; (None, "none") when there is none."""
    if given is not None:
        return given, "given"
    if request_file is not None:
        return sample_requests.read_request(request_file), str(request_file)
    example = sample_requests.swagger_example(http.get_json(f"http://127.0.0.1:{port}/swagger.json")) if port else None
    if example is not None:
        return example, "input_sample"
    beside = sample_requests.request_file_beside(spec.config)
    if beside is not None:
        return sample_requests.read_request(beside), beside.name
    return None, "none"


def _get(url: str, key: str) -> tuple[int, str]:
    import requests

    try:
        answer = requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    except requests.RequestException as err:
        return 0, str(err)
    return answer.status_code, answer.text
