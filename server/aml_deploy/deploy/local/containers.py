"""The deployment's container: created with the layout Azure uses, found again by its labels,
watched until the server is ready or has failed (no fixed sleeps)."""

from __future__ import annotations

import io
import json
import socket
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeployError
from ..layout import APP_ROOT, code_target, container_environment, model_target
from ..spec import DeploymentSpec
from . import http

LABEL = "aml-deploy.managed"
SCORING_PORT = 5001
DEBUG_PORT = 5678
RUNTIME = Path(__file__).resolve().parent / "runtime"
RUNTIME_TARGET = "/opt/aml-deploy-runtime"
MARKER = "@@aml-deploy "
PYTHON = "/opt/aml-deploy/env/bin/python"  # the environment install.sh creates (conda or venv)


def container_name(endpoint: str, deployment: str) -> str:
    return f"{endpoint}.{deployment}"


def find(client, endpoint: str | None = None, deployment: str | None = None) -> list:
    labels = [LABEL]
    if endpoint:
        labels.append(f"aml-deploy.endpoint={endpoint}")
    if deployment:
        labels.append(f"aml-deploy.deployment={deployment}")
    return client.containers.list(all=True, filters={"label": labels}, ignore_removed=True)  # another process may remove one meanwhile


def create(client, spec: DeploymentSpec, image: str, environment_key: str, ports: tuple[int | None, int | None], control: dict):
    """Create and start the container. Ports are published on 127.0.0.1 only. A port left to chance is
    chosen here, not by Docker: Docker re-draws a port it chose whenever the container joins another
    network (the endpoint's front network), and the port this returns would then be stale."""
    for attempt in range(3):
        chosen = tuple(port or free_port() for port in ports)
        try:
            return _create(client, spec, image, environment_key, chosen, control)
        except DeployError as err:  # a chosen port was taken in the meantime: draw again
            if attempt == 2 or any(ports) or "already in use" not in str(err):
                raise
    raise AssertionError("unreachable")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _create(client, spec: DeploymentSpec, image: str, environment_key: str, ports: tuple, control: dict):
    scoring_port, debug_port = ports
    mounts = {
        str(spec.code_dir): {"bind": code_target(spec), "mode": "ro"},
        str(RUNTIME): {"bind": RUNTIME_TARGET, "mode": "ro"},
    }
    for model in spec.models:
        mounts[str(model.path)] = {"bind": model_target(model), "mode": "ro"}
    environment = {"AML_DEPLOY_PRELOAD": ",".join(spec.preload), **container_environment(spec)}
    labels = {
        LABEL: "1",
        "aml-deploy.endpoint": spec.endpoint,
        "aml-deploy.deployment": spec.deployment,
        "aml-deploy.config": str(spec.config),
        "aml-deploy.code-dir": str(spec.code_dir),
        "aml-deploy.code-target": code_target(spec),
        "aml-deploy.fingerprint": spec.fingerprint(),
        "aml-deploy.environment": environment_key,
        "aml-deploy.models": json.dumps([m.reference for m in spec.models if m.reference]),
    }
    name = container_name(spec.endpoint, spec.deployment)
    from docker.errors import APIError

    try:
        container = client.containers.create(
            image,
            command=[PYTHON, "-u", f"{RUNTIME_TARGET}/supervisor.py"],
            name=name,
            volumes=mounts,
            environment=environment,
            labels=labels,
            working_dir=APP_ROOT,
            detach=True,
            ports={f"{SCORING_PORT}/tcp": ("127.0.0.1", scoring_port), f"{DEBUG_PORT}/tcp": ("127.0.0.1", debug_port)},
        )
    except APIError as err:
        raise DeployError(_refused("create the container", name, err, scoring_port)) from None
    try:
        send_control(container, control)  # before start: the supervisor reads it when it boots
        container.start()
        container.reload()
    except Exception as err:
        container.remove(force=True)
        if isinstance(err, APIError):
            raise DeployError(_refused("start the container", name, err, scoring_port)) from None
        raise
    return container


def _refused(what: str, name: str, err, port: int | None) -> str:
    """The engine's refusal, said for people: a port in use, a name taken, or the engine's own words."""
    text = str(getattr(err, "explanation", None) or err)
    if "port is already allocated" in text or "address already in use" in text:
        return (
            f"Port {port} on 127.0.0.1 is already in use, so the scoring port cannot be published there: "
            "choose another with --port, or leave --port out for a free one."
        )
    if getattr(err, "status_code", None) == 409:
        return f"A container named {name} already exists (another operation on this deployment?): {text}"
    return f"Docker could not {what} {name}: {text}"


def port_held(log: str) -> bool:
    """The server could not listen: another process in the container holds its port."""
    return f"Can't connect to ('0.0.0.0', {SCORING_PORT})" in log or "Address already in use" in log


def host_ports(container) -> tuple[int | None, int | None]:
    container.reload()
    ports = container.attrs.get("NetworkSettings", {}).get("Ports") or {}

    def first(key):
        bindings = ports.get(key) or []
        return int(bindings[0]["HostPort"]) if bindings else None

    return first(f"{SCORING_PORT}/tcp"), first(f"{DEBUG_PORT}/tcp")


def send_control(container, control: dict) -> None:
    """Write the supervisor's control file into the container, created or running (no shell involved)."""
    data = json.dumps(control).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo("aml-deploy")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(folder)
        info = tarfile.TarInfo("aml-deploy/control.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    if not container.put_archive("/tmp", buffer.getvalue()):
        raise DeployError("Could not write the control file into the container.")


def restart_server(container, control: dict) -> None:
    """Restart the inference server inside the running container (same container, no rebuild)."""
    send_control(container, control)
    container.kill(signal="SIGHUP")


@dataclass
class Outcome:
    state: str  # "Succeeded", "Failed", "WaitingForDebugger"
    seconds: float
    log_excerpt: str = ""  # the end of the server's output, to show
    events: list = field(default_factory=list)
    log: str = ""  # on failure, all of this start's output: the user's frame may be far from the end
    timed_out: bool = False


def wait(container, generation: int, since: float, timeout: float = 600.0, until_debugger: bool = False, on_line=None) -> Outcome:
    """Watch the container's log for this generation's events and probe the scoring port, until
    the server answers (Succeeded), fails (the server or the container exits), or the debugger is
    awaited. `since`: a Unix time shortly before the (re)start."""
    started = time.monotonic()
    scoring_port, _ = host_ports(container)
    seen_lines = 0
    events: list[dict] = []
    while time.monotonic() - started < timeout:
        container.reload()
        lines = container.logs(since=int(since) - 1).decode("utf-8", errors="replace").splitlines()
        for line in lines[seen_lines:]:
            if on_line:
                on_line(line)
            for found in parse_events(line):
                if found.get("time", 0) >= since and found.get("generation", generation) == generation:
                    events.append(found)
        seen_lines = len(lines)
        names = [e["event"] for e in events]
        if "exited" in names or container.status in ("exited", "dead"):
            return Outcome("Failed", time.monotonic() - started, excerpt(lines), events, "\n".join(server_output(lines)))
        if until_debugger and "waiting-for-debugger" in names:
            return Outcome("WaitingForDebugger", time.monotonic() - started, "", events)
        if "ready" in names and http.answers(scoring_port):
            return Outcome("Succeeded", time.monotonic() - started, "", events)
        time.sleep(0.05)
    why = (
        f"init() finished, but the scoring port (127.0.0.1:{scoring_port}) did not answer within {timeout:.0f} s."
        if "ready" in [e["event"] for e in events]
        else f"The server did not become ready within {timeout:.0f} s."
    )
    return Outcome(
        "Failed",
        time.monotonic() - started,
        why + "\n" + excerpt(lines),
        events,
        "\n".join(server_output(lines)),
        timed_out=True,
    )


_JSON = json.JSONDecoder()


def parse_events(line: str) -> list[dict]:
    """Our events in one log line. An event is normally a line of its own, but output another
    process wrote without a newline can share its line: every marker is read, each JSON object alone."""
    return [event for event, _start, _end in _events_in(line)]


def _events_in(line: str):
    """(event, start, end) of each well-formed event in `line`."""
    start = line.find(MARKER)
    while start >= 0:
        try:
            event, end = _JSON.raw_decode(line, start + len(MARKER))
        except ValueError:
            event, end = None, start + len(MARKER)
        if isinstance(event, dict):
            yield event, start, end
        start = line.find(MARKER, end)


def server_output(lines: list[str]) -> list[str]:
    """The log without our own events (a line that held only events is left out)."""
    output = []
    for line in lines:
        kept, last = [], 0
        for _event, start, end in _events_in(line):
            kept.append(line[last:start])
            last = end
        text = "".join(kept) + line[last:] if last else line
        if text.strip() or not last:
            output.append(text)
    return output


def excerpt(lines: list[str], count: int = 40) -> str:
    """The end of the log, without our own event lines."""
    return "\n".join(server_output(lines)[-count:])
