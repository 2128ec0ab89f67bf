"""Runs one ACI container group on the local Docker engine, the way ACI runs it: the images are pulled from
their registry with the group's `imageRegistryCredentials`, the containers share one network namespace (a
small "pause" container owns it and publishes the group's public ports on 127.0.0.1), cpu and memory become
Docker limits (too little memory really OOM-kills), probes are polled, `restartPolicy` restarts exited
containers with a back-off, and the instance view reports what ACI reports: events (Pulling, Pulled, Started,
Killing, BackOff, Unhealthy), currentState/previousState with exit codes, restartCount."""

from __future__ import annotations

import base64
import datetime
import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docker
import requests
from docker.utils import parse_repository_tag

log = logging.getLogger("standins.aci")

GIB = 1024**3
SUPERVISE_INTERVAL = 0.5
PAUSE_COMMAND = ["sleep", "2147483647"]


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def registry_host(image: str) -> str:
    """The registry an image reference names, as `docker pull` reads it."""
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def credentials_for(image: str, credentials: list[dict]) -> dict | None:
    """The docker-py auth_config for `image` from ACI's imageRegistryCredentials (None: pull anonymously)."""
    host = registry_host(image)
    for entry in credentials:
        if entry.get("server", "").lower() == host.lower() and "username" in entry:
            return {"username": entry["username"], "password": entry.get("password", "")}
    return None


class ProvisioningError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.error = {"code": code, "message": message}


@dataclass
class EventLog:
    """Events as ACI aggregates them: the same name and message again raise the count."""

    events: list[dict] = field(default_factory=list)

    def add(self, name: str, message: str, kind: str = "Normal") -> None:
        stamp = now_iso()
        for event in self.events:
            if event["name"] == name and event["message"] == message:
                event["count"] += 1
                event["lastTimestamp"] = stamp
                return
        self.events.append({"count": 1, "firstTimestamp": stamp, "lastTimestamp": stamp, "name": name, "message": message, "type": kind})

    def render(self) -> list[dict]:
        return [dict(event) for event in self.events]


@dataclass
class Probe:
    kind: str  # "Liveness" or "Readiness"
    spec: dict
    next_at: float = 0.0
    failures: int = 0

    def arm(self) -> None:
        self.failures = 0
        self.next_at = time.monotonic() + self.spec.get("initialDelaySeconds", 0)


class ContainerRun:
    """One container of the group and what ACI reports about it."""

    def __init__(self, spec: dict) -> None:
        self.name: str = spec["name"]
        self.props: dict = spec.get("properties", {})
        self.container = None  # docker Container, once created
        self.events = EventLog()
        self.restart_count = 0
        self.current: dict | None = {"state": "Waiting", "detailStatus": "Pulling"}
        self.previous: dict | None = None
        self.restart_at: float | None = None
        self.backoff = 0.0
        self.probes = [
            Probe(kind, self.props[key])
            for kind, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"))
            if key in self.props
        ]

    def instance_view(self) -> dict:
        view: dict = {"restartCount": self.restart_count, "events": self.events.render()}
        if self.current:
            view["currentState"] = dict(self.current)
        if self.previous:
            view["previousState"] = dict(self.previous)
        return view

    def started(self) -> None:
        self.current = {"state": "Running", "startTime": now_iso(), "detailStatus": ""}
        self.events.add("Started", "Started container")
        for probe in self.probes:
            probe.arm()


class GroupRunner:
    """Provisions the group in a thread, reports the outcome through `on_provisioned(error or None)`, then
    supervises it (restarts, probes) until `close()`."""

    def __init__(
        self,
        body: dict,
        *,
        docker_name: str,
        labels: dict[str, str],
        pause_image: str,
        workdir: Path,
        on_provisioned: Callable[[dict | None], None],
        backoff: tuple[float, float] = (1.0, 8.0),
    ) -> None:
        self.properties = body.get("properties", {})
        self.docker_name = docker_name
        self.labels = labels
        self.pause_image = pause_image
        self.workdir = workdir
        self.on_provisioned = on_provisioned
        self.backoff = backoff
        self.restart_policy = self.properties.get("restartPolicy", "Always")
        self.runs = [ContainerRun(spec) for spec in self.properties.get("containers", [])]
        self.events = EventLog()
        self.host_ports: dict[int, int] = {}
        self.pause = None
        self.pause_ip: str | None = None
        self.stopped = False
        self.provisioned = False
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._docker = docker.from_env(timeout=300)
        self._probe_http = requests.Session()
        self._probe_http.trust_env = False  # probes go straight to the group, never through a test proxy
        self._thread = threading.Thread(target=self._run, name=f"aci-{docker_name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    # --- provisioning -----------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._provision()
        except ProvisioningError as failure:
            self._remove_containers()
            self.on_provisioned(failure.error)
            return
        except Exception as failure:  # the engine failed in a way the stand-in did not expect
            log.exception("provisioning %s", self.docker_name)
            self._remove_containers()
            self.on_provisioned({"code": "InternalServerError", "message": f"stand-in could not run the group: {failure}"})
            return
        self.provisioned = True
        self.on_provisioned(None)
        while not self._closing.wait(SUPERVISE_INTERVAL):
            try:
                self._supervise()
            except docker.errors.NotFound:
                continue  # removed under us: close() is on its way
            except Exception:
                log.exception("supervising %s", self.docker_name)

    def _provision(self) -> None:
        credentials = self.properties.get("imageRegistryCredentials", [])
        for run in self.runs:
            self._pull(run, credentials)
        binds = self._volumes()
        self._start_pause()
        for run in self.runs:
            if self._closing.is_set():
                return
            run.container = self._docker.containers.create(**self._container_args(run, binds))
            with self._lock:
                run.container.start()
                run.started()

    def _pull(self, run: ContainerRun, credentials: list[dict]) -> None:
        image = run.props.get("image", "")
        run.events.add("Pulling", f'pulling image "{image}"')
        repository, tag = parse_repository_tag(image)
        try:
            stream = self._docker.api.pull(
                repository, tag=tag or "latest", stream=True, decode=True, auth_config=credentials_for(image, credentials)
            )
            errors = [line["error"] for line in stream if "error" in line]
        except docker.errors.APIError as failure:
            errors = [failure.explanation or str(failure)]
        if errors:
            run.events.add("Failed", f'Failed to pull image "{image}": {errors[-1]}', "Warning")
            run.current = {"state": "Waiting", "detailStatus": "ErrImagePull"}
            raise ProvisioningError(
                "InaccessibleImage",
                f"The image '{image}' in container group '{self.docker_name}' is not accessible. Please check the image and registry credential.",
            )
        run.events.add("Pulled", f'Successfully pulled image "{image}"')

    def _volumes(self) -> dict[str, str]:
        """Host folders for the group's volumes (secret files written out, emptyDir shared), by name."""
        folders = {}
        for volume in self.properties.get("volumes", []):
            folder = self.workdir / "volumes" / volume["name"]
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o777)
            for file_name, content in (volume.get("secret") or {}).items():
                (folder / file_name).write_bytes(base64.b64decode(content))
                (folder / file_name).chmod(0o644)
            folders[volume["name"]] = str(folder)
        return folders

    def _start_pause(self) -> None:
        ports = {}
        for port in self.properties.get("ipAddress", {}).get("ports", []):
            ports[f"{port['port']}/{port.get('protocol', 'TCP').lower()}"] = ("127.0.0.1", None)
        self.pause = self._docker.containers.run(
            self.pause_image, PAUSE_COMMAND, name=f"{self.docker_name}-pause", detach=True, ports=ports, labels=self.labels
        )
        self.pause.reload()
        network = self.pause.attrs["NetworkSettings"]
        self.pause_ip = network.get("IPAddress") or next(iter(network.get("Networks", {}).values()), {}).get("IPAddress")
        for key, bindings in (network.get("Ports") or {}).items():
            if bindings:
                self.host_ports[int(key.split("/")[0])] = int(bindings[0]["HostPort"])

    def _container_args(self, run: ContainerRun, binds: dict[str, str]) -> dict:
        resources = run.props.get("resources", {})
        limits = {**resources.get("requests", {}), **resources.get("limits", {})}
        memory = int(float(limits.get("memoryInGB", 1.5)) * GIB)
        environment = {}
        for variable in run.props.get("environmentVariables", []):
            environment[variable["name"]] = variable.get("secureValue", variable.get("value", ""))
        volumes = {}
        for mount in run.props.get("volumeMounts", []):
            volumes[binds[mount["name"]]] = {"bind": mount["mountPath"], "mode": "ro" if mount.get("readOnly") else "rw"}
        return dict(
            image=run.props.get("image"),
            name=f"{self.docker_name}-{run.name}",
            # ACI's `command` replaces the image's entrypoint (and so its CMD), as in Kubernetes
            entrypoint=run.props.get("command") or None,
            environment=environment,
            network_mode=f"container:{self.pause.id}",
            nano_cpus=int(float(limits.get("cpu", 1)) * 1e9),
            mem_limit=memory,
            memswap_limit=memory,
            volumes=volumes,
            labels=self.labels,
        )

    # --- supervision ------------------------------------------------------------------------------
    def _supervise(self) -> None:
        for run in self.runs:
            if run.container is None:
                continue
            with self._lock:
                if self.stopped:
                    return
                run.container.reload()
                status = run.container.status
                if status in ("exited", "dead") and run.current and run.current["state"] == "Running":
                    self._exited(run)
                if run.restart_at is not None and time.monotonic() >= run.restart_at:
                    self._restart(run)
            if status == "running" and run.current and run.current["state"] == "Running":
                self._check_probes(run)

    def _exited(self, run: ContainerRun) -> None:
        state = run.container.attrs["State"]
        code = state.get("ExitCode", 0)
        detail = "OOMKilled" if state.get("OOMKilled") else ("Completed" if code == 0 else "Error")
        terminated = {
            "state": "Terminated",
            "startTime": run.current.get("startTime"),
            "exitCode": code,
            "finishTime": state.get("FinishedAt") or now_iso(),
            "detailStatus": detail,
        }
        if self.restart_policy == "Always" or (self.restart_policy == "OnFailure" and code != 0):
            run.previous = terminated
            run.backoff = min(self.backoff[1], run.backoff * 2) if run.backoff else self.backoff[0]
            run.restart_at = time.monotonic() + run.backoff
            run.current = {"state": "Waiting", "detailStatus": "CrashLoopBackOff: Back-off restarting failed container"}
            run.events.add("BackOff", "Back-off restarting failed container", "Warning")
        else:
            run.current = terminated

    def _restart(self, run: ContainerRun) -> None:
        run.restart_at = None
        run.container.start()
        run.restart_count += 1
        run.started()

    def _check_probes(self, run: ContainerRun) -> None:
        for probe in run.probes:
            if time.monotonic() < probe.next_at:
                continue
            probe.next_at = time.monotonic() + probe.spec.get("periodSeconds", 10)
            failure = self._probe(run, probe.spec)
            if failure is None:
                probe.failures = 0
                continue
            probe.failures += 1
            run.events.add("Unhealthy", f"{probe.kind} probe failed: {failure}", "Warning")
            if probe.kind == "Liveness" and probe.failures >= probe.spec.get("failureThreshold", 3):
                run.events.add("Killing", f"Container {run.name} failed liveness probe, will be restarted")
                probe.failures = 0
                run.container.kill()

    def _probe(self, run: ContainerRun, spec: dict) -> str | None:
        timeout = spec.get("timeoutSeconds", 1)
        if "httpGet" in spec:
            get = spec["httpGet"]
            url = f"{get.get('scheme', 'http').lower()}://{self.pause_ip}:{get['port']}{get.get('path', '/')}"
            headers = {header["name"]: header.get("value", "") for header in get.get("httpHeaders", [])}
            try:
                response = self._probe_http.get(url, headers=headers, timeout=timeout, verify=False)
            except requests.RequestException as failure:
                return f'Get "{url}": {failure.__class__.__name__}'
            return None if 200 <= response.status_code < 400 else f"HTTP probe failed with statuscode: {response.status_code}"
        if "exec" in spec:
            result = run.container.exec_run(spec["exec"].get("command", []))
            return None if result.exit_code == 0 else f"command exited with {result.exit_code}"
        return None

    # --- what ARM asks of a running group -----------------------------------------------------------
    def state(self) -> str:
        with self._lock:
            if self.stopped:
                return "Stopped"
            if not self.provisioned:
                return "Pending"
            states = [run.current["state"] for run in self.runs if run.current]
            if any(state in ("Running", "Waiting") for state in states):
                return "Running"
            codes = [run.current.get("exitCode", 0) for run in self.runs if run.current]
            return "Succeeded" if all(code == 0 for code in codes) else "Failed"

    def instance_view(self, container: str) -> dict | None:
        with self._lock:
            run = self._find(container)
            return run.instance_view() if run else None

    def _find(self, container: str) -> ContainerRun | None:
        return next((run for run in self.runs if run.name == container), None)

    def logs(self, container: str, tail: int | None, timestamps: bool) -> str | None:
        run = self._find(container)
        if run is None:
            return None
        if run.container is None:
            return ""
        return run.container.logs(tail=tail if tail is not None else "all", timestamps=timestamps).decode("utf-8", "replace")

    def restart_all(self) -> None:
        with self._lock:
            self.stopped = False
            for run in self.runs:
                if run.container is not None:
                    run.events.add("Killing", f"Killing container {run.name} to restart it")
                    run.container.restart(timeout=2)
                    run.restart_count += 1
                    run.restart_at = None
                    run.started()

    def stop_all(self) -> None:
        with self._lock:
            self.stopped = True
            for run in self.runs:
                if run.container is not None and run.current and run.current["state"] != "Terminated":
                    run.events.add("Killing", f"Killing container {run.name}: the container group was stopped")
                    run.container.stop(timeout=2)
                    run.container.reload()
                    run.restart_at = None
                    run.current = {
                        "state": "Terminated",
                        "startTime": run.current.get("startTime"),
                        "exitCode": run.container.attrs["State"].get("ExitCode", 0),
                        "finishTime": now_iso(),
                        "detailStatus": "Stopped",
                    }

    def start_all(self) -> None:
        with self._lock:
            self.stopped = False
            for run in self.runs:
                if run.container is not None and run.current and run.current["state"] == "Terminated":
                    run.previous = run.current
                    run.container.start()
                    run.started()

    def close(self) -> None:
        """Stops supervising and removes every container of the group, and its volume folders."""
        self._closing.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=60)
        self._remove_containers()
        shutil.rmtree(self.workdir, ignore_errors=True)
        self._docker.close()

    def _remove_containers(self) -> None:
        for run in self.runs:
            if run.container is not None:
                _remove(run.container)
        if self.pause is not None:
            _remove(self.pause)


def _remove(container) -> None:
    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        pass
