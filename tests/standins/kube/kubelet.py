"""The node: runs each scheduled Pod as Docker containers (one "pause" container holding the pod's
network, one container per pod container joined to it), pulls images, polls probes, restarts with
back-off, and writes the pod's status and the kubelet's Events."""

from __future__ import annotations

import base64
import datetime
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import docker
import docker.errors
from kubernetes.utils.quantity import parse_quantity

from . import images
from .errors import ApiError
from .events import Recorder
from .probes import Probe
from .resources import BY_KIND
from .store import Store, now

POD, SECRET, CONFIGMAP = BY_KIND["Pod"], BY_KIND["Secret"], BY_KIND["ConfigMap"]
MAX_GRACE = 30.0  # seconds a deleted pod may take to end (preStop hooks, then SIGTERM)


@dataclass
class Node:
    """What every pod worker shares."""

    store: Store
    events: Recorder
    docker: docker.DockerClient
    prefix: str  # of every Docker object name
    labels: dict  # on every Docker object, so that stop() finds them all
    workdir: Path
    network: callable  # namespace -> Docker network name (created on first use)
    infra_image: str
    name: str = "standin-node"
    backoff: tuple[float, float] = (10.0, 300.0)  # first and longest restart back-off, seconds
    pulled: set = field(default_factory=set)  # images this node pulled (IfNotPresent skips them)


class ConfigError(Exception):
    """CreateContainerConfigError: a referenced Secret/ConfigMap or key is missing."""


class Kubelet:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.workers: dict[str, PodWorker] = {}
        self.lock = threading.Lock()

    def sync(self) -> None:
        pods = self.node.store.list(POD)
        with self.lock:
            for pod in pods:
                uid = pod["metadata"]["uid"]
                if pod["spec"].get("nodeName") == self.node.name and uid not in self.workers:
                    self.workers[uid] = PodWorker(self.node, pod)
            for uid in [u for u, w in self.workers.items() if not w.thread.is_alive()]:
                del self.workers[uid]

    def stop(self) -> None:
        with self.lock:
            workers = list(self.workers.values())
        for worker in workers:
            worker.stopping.set()
        for worker in workers:
            worker.thread.join(timeout=30)

    def logs(self, namespace: str, pod: str, container: str | None, previous: bool, tail: int | None) -> str:
        found = self.node.store.get(POD, namespace, pod)
        if found is None:
            raise ApiError(404, "NotFound", f'pods "{pod}" not found')
        with self.lock:
            worker = self.workers.get(found["metadata"]["uid"])
        names = [c["name"] for c in found["spec"]["containers"]]
        name = container or names[0]
        if container is None and len(names) > 1:
            raise ApiError(400, "BadRequest", f"a container name must be specified for pod {pod}, choose one of: [{' '.join(names)}]")
        if name not in names:
            raise ApiError(400, "BadRequest", f"container {name} is not valid for pod {pod}")
        runner = worker.runners.get(name) if worker else None
        docker_id = runner and (runner.previous_id if previous else runner.container_id)
        if not docker_id:
            if previous:
                raise ApiError(400, "BadRequest", f'previous terminated container "{name}" in pod "{pod}" not found')
            waiting = runner.waiting[0] if runner and runner.waiting else "ContainerCreating"
            raise ApiError(400, "BadRequest", f'container "{name}" in pod "{pod}" is waiting to start: {waiting}')
        try:
            output = self.node.docker.api.logs(docker_id, stdout=True, stderr=True, tail=tail if tail else "all")
        except docker.errors.NotFound:
            raise ApiError(400, "BadRequest", f'container "{name}" in pod "{pod}" has no log') from None
        return output.decode(errors="replace")


def _stamp(when: float | None = None) -> str:
    moment = datetime.datetime.fromtimestamp(when or time.time(), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class ContainerRunner:
    """One container of a pod through its states: waiting (pull, back-off), running, terminated."""

    def __init__(self, worker: PodWorker, spec: dict) -> None:
        self.worker, self.spec, self.name = worker, spec, spec["name"]
        self.image = spec["image"]
        self.restarts = 0
        self.container_id: str | None = None
        self.previous_id: str | None = None
        self.waiting: tuple[str, str] | None = ("ContainerCreating", "")
        self.running_since: float | None = None
        self.last_terminated: dict | None = None
        self.ready = False
        self.started = False
        self.retry_at = 0.0
        self.pulled_ok = False
        self.pull_failures = 0
        self.probes: dict[str, Probe] = {}
        self.ports = {p["name"]: p["containerPort"] for p in spec.get("ports") or [] if p.get("name")}

    @property
    def field_path(self) -> str:
        return f"spec.containers{{{self.name}}}"

    def event(self, type_: str, reason: str, message: str) -> None:
        self.worker.event(type_, reason, message, self.field_path)

    def step(self) -> None:
        moment = time.monotonic()
        if self.container_id is None:
            if moment >= self.retry_at:
                self._start()
            return
        container = self.worker.docker_container(self.container_id)
        state = container.attrs["State"] if container else {"Status": "exited", "ExitCode": 137}
        if state["Status"] in ("exited", "dead"):
            self._terminated(state)
            return
        self._probe(container, moment)

    def _start(self) -> None:
        if not self.pulled_ok and not self._pull():
            return
        try:
            env = self.worker.environment(self.spec)
        except ConfigError as error:
            self.waiting = ("CreateContainerConfigError", str(error))
            self.event("Warning", "Failed", f"Error: {error}")
            self.retry_at = time.monotonic() + 2
            return
        if self.restarts:
            self.event("Normal", "Pulled", f'Container image "{self.image}" already present on machine')
        self.container_id = self.worker.create_container(self, env)
        self.event("Normal", "Created", f"Created container {self.name}")
        self.worker.node.docker.api.start(self.container_id)
        self.event("Normal", "Started", f"Started container {self.name}")
        self.waiting, self.running_since, self.ready = None, time.time(), False
        self.started = "startupProbe" not in self.spec
        base = time.monotonic()
        self.probes = {
            kind: Probe(self.spec[kind], base) for kind in ("startupProbe", "livenessProbe", "readinessProbe") if kind in self.spec
        }

    def _pull(self) -> bool:
        node, image = self.worker.node, self.image
        registry = images.registry_of(image)
        policy = self.spec.get("imagePullPolicy", "IfNotPresent")
        if registry is None or (policy != "Always" and image in node.pulled):
            if registry is None and not images.present(node.docker, image):
                return self._pull_failed(
                    "no registry is named and the image is not on this node "
                    f"(the stand-in pulls only from a registry named in the image, e.g. "
                    f"127.0.0.1:5000/{image})"
                )
            self.pulled_ok = True
            self.event("Normal", "Pulled", f'Container image "{image}" already present on machine')
            return True
        self.event("Normal", "Pulling", f'Pulling image "{image}"')
        began = time.monotonic()
        try:
            images.pull(node.docker, image, images.credentials(self.worker.pull_secrets(), registry))
        except images.PullError as error:
            return self._pull_failed(str(error))
        node.pulled.add(image)
        self.pulled_ok = True
        self.event("Normal", "Pulled", f'Successfully pulled image "{image}" in {time.monotonic() - began:.3f}s')
        return True

    def _pull_failed(self, why: str) -> bool:
        self.pull_failures += 1
        self.event("Warning", "Failed", f'Failed to pull image "{self.image}": {why}')
        self.event("Warning", "Failed", "Error: ErrImagePull")
        self.waiting = ("ErrImagePull", f'failed to pull image "{self.image}": {why}')
        delay = self.worker.backoff(self.pull_failures)
        self.retry_at = time.monotonic() + delay
        self.worker.publish()
        self.event("Normal", "BackOff", f'Back-off pulling image "{self.image}"')
        self.event("Warning", "Failed", "Error: ImagePullBackOff")
        self.waiting = ("ImagePullBackOff", f'Back-off pulling image "{self.image}"')
        self.worker.publish()  # the state it waits in until the retry (published now, not whenever something else changes)
        return False

    def _terminated(self, state: dict) -> None:
        oom = state.get("OOMKilled", False)
        code = state.get("ExitCode", 0)
        self.last_terminated = {
            "exitCode": code,
            "reason": "OOMKilled" if oom else ("Completed" if code == 0 else "Error"),
            "startedAt": _stamp(self.running_since),
            "finishedAt": now(),
            "containerID": f"docker://{self.container_id}",
        }
        if self.previous_id:
            self.worker.remove_container(self.previous_id)
        self.previous_id, self.container_id = self.container_id, None
        self.restarts += 1
        self.ready = self.started = False
        delay = self.worker.backoff(self.restarts)
        self.retry_at = time.monotonic() + delay
        pod = self.worker.pod["metadata"]
        self.waiting = (
            "CrashLoopBackOff",
            f"back-off {int(delay)}s restarting failed container={self.name} pod={pod['name']}_{pod['namespace']}({pod['uid']})",
        )
        self.event(
            "Warning", "BackOff", f"Back-off restarting failed container {self.name} in pod {pod['name']}_{pod['namespace']}({pod['uid']})"
        )

    def _probe(self, container, moment: float) -> None:
        ip = self.worker.pod_ip
        startup = self.probes.get("startupProbe")
        if startup and not self.started and startup.due(moment):
            passed, detail = startup.run(ip, self.ports, container)
            if passed:
                self.started = True
            else:
                self.event("Warning", "Unhealthy", f"Startup probe failed: {detail}")
                if startup.failed:
                    return self._kill(container, "failed startup probe")
        if not self.started:
            return
        liveness = self.probes.get("livenessProbe")
        if liveness and liveness.due(moment):
            passed, detail = liveness.run(ip, self.ports, container)
            if not passed:
                self.event("Warning", "Unhealthy", f"Liveness probe failed: {detail}")
                if liveness.failed:
                    return self._kill(container, "failed liveness probe")
        readiness = self.probes.get("readinessProbe")
        if readiness is None:
            self.ready = True
        elif readiness.due(moment):
            passed, detail = readiness.run(ip, self.ports, container)
            if not passed:
                self.event("Warning", "Unhealthy", f"Readiness probe failed: {detail}")
            if readiness.passed:
                self.ready = True
            elif readiness.failed:
                self.ready = False

    def stop(self, deadline: float) -> None:
        """preStop (exec or sleep), then SIGTERM with what is left of the grace period."""
        hook = (self.spec.get("lifecycle") or {}).get("preStop") or {}
        container = self.worker.docker_container(self.container_id)
        if container is None:
            return
        if "exec" in hook:
            done = threading.Thread(target=self._exec_hook, args=(container, hook["exec"].get("command") or []), daemon=True)
            done.start()
            done.join(timeout=max(0.0, deadline - time.monotonic()))
        elif "sleep" in hook:
            time.sleep(max(0.0, min(float(hook["sleep"].get("seconds", 0)), deadline - time.monotonic())))
        left = deadline - time.monotonic()
        term = int(max(0, left if hook else min(left, 2)))
        try:
            self.worker.node.docker.api.stop(self.container_id, timeout=term)
        except docker.errors.NotFound:
            pass

    def _exec_hook(self, container, command: list) -> None:
        try:
            result = container.exec_run(command)
        except docker.errors.APIError as error:
            if "is not running" not in str(error):  # a container that stopped meanwhile needs no hook
                self.event("Warning", "FailedPreStopHook", f"PreStopHook failed: {str(error)[:300]}")
            return
        if result.exit_code not in (0, None):
            self.event("Warning", "FailedPreStopHook", f"PreStopHook failed: {result.output.decode(errors='replace')[-300:]}")

    def _kill(self, container, why: str) -> None:
        self.event("Normal", "Killing", f"Container {self.name} {why}, will be restarted")
        self.worker.stop_container(container.id)

    def status(self) -> dict:
        if self.waiting:
            state = {"waiting": {"reason": self.waiting[0], **({"message": self.waiting[1]} if self.waiting[1] else {})}}
        else:
            state = {"running": {"startedAt": _stamp(self.running_since)}}
        out = {
            "name": self.name,
            "image": self.image,
            "imageID": "",
            "ready": self.ready,
            "started": self.started,
            "restartCount": self.restarts,
            "state": state,
            "lastState": {"terminated": self.last_terminated} if self.last_terminated else {},
        }
        if self.container_id:
            out["containerID"] = f"docker://{self.container_id}"
        return out


class PodWorker:
    def __init__(self, node: Node, pod: dict) -> None:
        self.node, self.pod = node, pod
        meta = pod["metadata"]
        self.namespace, self.name, self.uid = meta["namespace"], meta["name"], meta["uid"]
        self.stopping = threading.Event()
        self.runners = {c["name"]: ContainerRunner(self, c) for c in pod["spec"]["containers"]}
        self.pause_id: str | None = None
        self.pod_ip = ""
        self.volumes = node.workdir / "pods" / self.uid
        self.started_at = now()
        self.thread = threading.Thread(target=self._run, name=f"pod-{self.name}", daemon=True)
        self.thread.start()

    # the loop --------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self.stopping.is_set():
                current = self.node.store.get(POD, self.namespace, self.name)
                if current is None or current["metadata"]["uid"] != self.uid or current["metadata"].get("deletionTimestamp"):
                    break
                self.pod = current
                try:
                    self._sync()
                except Exception as error:  # noqa: BLE001 - reported on the pod, tried again, as a kubelet does
                    self.event("Warning", "FailedSync", f"stand-in kubelet error: {error!r}")
                    self.stopping.wait(1)
                self.stopping.wait(0.2)
        finally:
            self._terminate()

    def _sync(self) -> None:
        if not self.pod_ip:
            self._start_pause()
        self._write_volumes()
        for runner in self.runners.values():
            runner.step()
        self.publish()

    def _terminate(self) -> None:
        for runner in self.runners.values():
            if runner.container_id:
                runner.event("Normal", "Killing", f"Stopping container {runner.name}")
        if not self.stopping.is_set():  # the pod was deleted (not the node stopped): end it gracefully
            self._stop_gracefully()
        for runner in self.runners.values():
            for docker_id in (runner.container_id, runner.previous_id):
                if docker_id:
                    self.remove_container(docker_id)
        if self.pause_id:
            self.remove_container(self.pause_id)
        current = self.node.store.get(POD, self.namespace, self.name)
        if current is not None and current["metadata"]["uid"] == self.uid:
            self.node.store.remove(POD, self.namespace, self.name)

    def _stop_gracefully(self) -> None:
        """As a kubelet ends a deleted pod (already out of every Service's endpoints): each container's
        preStop hook, then SIGTERM, within terminationGracePeriodSeconds (at most MAX_GRACE here); a
        container with no hook gets at most 2 s after SIGTERM, as before, so tests do not wait."""
        grace = min(float(self.pod["spec"].get("terminationGracePeriodSeconds", 30)), MAX_GRACE)
        deadline = time.monotonic() + grace
        threads = [
            threading.Thread(target=runner.stop, args=(deadline,), daemon=True) for runner in self.runners.values() if runner.container_id
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=grace + 5)

    def backoff(self, failures: int) -> float:
        first, longest = self.node.backoff
        return min(longest, first * 2 ** (failures - 1))

    def event(self, type_: str, reason: str, message: str, field_path: str | None = None) -> None:
        self.node.events.record(self.pod, type_, reason, message, "kubelet", field_path)

    # Docker ------------------------------------------------------------------------------
    def _docker_name(self, suffix: str) -> str:
        return f"{self.node.prefix}-{self.namespace}-{self.name}-{suffix}"[:200]

    def _start_pause(self) -> None:
        if self.pause_id:  # a start that failed half-way: begin again
            self.remove_container(self.pause_id)
        network = self.node.network(self.namespace)
        container = self.node.docker.containers.create(
            self.node.infra_image,
            ["sleep", "infinity"],
            name=self._docker_name("pause"),
            network=network,
            hostname=self.name[:63],
            labels={**self.node.labels, "pod": self.name},
            mem_limit="32m",
        )
        self.pause_id = container.id
        container.start()
        container.reload()
        self.pod_ip = container.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]

    def docker_container(self, docker_id: str):
        try:
            return self.node.docker.containers.get(docker_id)
        except docker.errors.NotFound:
            return None

    def create_container(self, runner: ContainerRunner, env: dict) -> str:
        spec = runner.spec
        limits = (spec.get("resources") or {}).get("limits") or {}
        options = {}
        if "memory" in limits:
            options["mem_limit"] = options["memswap_limit"] = int(parse_quantity(limits["memory"]))
        if "cpu" in limits:
            options["nano_cpus"] = int(parse_quantity(limits["cpu"]) * Decimal(10**9))
        if spec.get("command"):
            options["entrypoint"] = spec["command"]
        if spec.get("args") is not None:
            options["command"] = spec["args"]
        container = self.node.docker.containers.create(
            runner.image,
            name=self._docker_name(f"{runner.name}-{runner.restarts}"),
            environment=env,
            working_dir=spec.get("workingDir"),
            network_mode=f"container:{self.pause_id}",
            labels={**self.node.labels, "pod": self.name, "container": runner.name},
            volumes=self._binds(spec),
            **options,
        )
        return container.id

    def stop_container(self, docker_id: str) -> None:
        grace = min(self.pod["spec"].get("terminationGracePeriodSeconds", 30), 2)  # shortened: tests wait for it
        try:
            self.node.docker.api.stop(docker_id, timeout=grace)
        except docker.errors.NotFound:
            pass

    def remove_container(self, docker_id: str) -> None:
        try:
            self.node.docker.api.remove_container(docker_id, force=True)
        except docker.errors.NotFound:
            pass

    # what the containers get -----------------------------------------------------------------
    def pull_secrets(self) -> list[dict]:
        found = []
        for ref in self.pod["spec"].get("imagePullSecrets") or []:
            secret = self.node.store.get(SECRET, self.namespace, ref.get("name", ""))
            if secret:
                found.append(secret)
        return found

    def _lookup(self, kind, ref: dict, key: str | None):
        obj = self.node.store.get(kind, self.namespace, ref.get("name", ""))
        what = kind.kind.lower()
        if obj is None:
            if ref.get("optional"):
                return None
            raise ConfigError(f'{what} "{ref.get("name")}" not found')
        if key is None:
            return obj
        data = obj.get("data") or {}
        if key not in data:
            if ref.get("optional"):
                return None
            raise ConfigError(f"couldn't find key {key} in {kind.kind} {self.namespace}/{ref.get('name')}")
        return base64.b64decode(data[key]).decode() if kind is SECRET else data[key]

    def environment(self, spec: dict) -> dict:
        env: dict[str, str] = {}
        for source in spec.get("envFrom") or []:
            for key_name, kind in (("secretRef", SECRET), ("configMapRef", CONFIGMAP)):
                if key_name in source:
                    obj = self._lookup(kind, source[key_name], None) or {}
                    for key, value in (obj.get("data") or {}).items():
                        env[source.get("prefix", "") + key] = base64.b64decode(value).decode() if kind is SECRET else value
        for item in spec.get("env") or []:
            source = item.get("valueFrom")
            if source is None:
                env[item["name"]] = item.get("value", "")
            elif "secretKeyRef" in source or "configMapKeyRef" in source:
                kind, ref = (SECRET, source["secretKeyRef"]) if "secretKeyRef" in source else (CONFIGMAP, source["configMapKeyRef"])
                value = self._lookup(kind, ref, ref.get("key"))
                if value is not None:
                    env[item["name"]] = value
            elif "fieldRef" in source:
                env[item["name"]] = self._field(source["fieldRef"].get("fieldPath", ""))
        return env

    def _field(self, path: str) -> str:
        meta = self.pod["metadata"]
        return {
            "metadata.name": meta["name"],
            "metadata.namespace": meta["namespace"],
            "metadata.uid": meta["uid"],
            "status.podIP": self.pod_ip,
            "spec.nodeName": self.node.name,
        }.get(path, "")

    def _binds(self, spec: dict) -> dict:
        binds = {}
        for mount in spec.get("volumeMounts") or []:
            source = self.volumes / mount["name"]
            if mount.get("subPath"):
                source = source / mount["subPath"]
            binds[str(source)] = {"bind": mount["mountPath"], "mode": "ro" if mount.get("readOnly") else "rw"}
        return binds

    def _write_volumes(self) -> None:
        """configMap and secret volumes as files (rewritten when the object changes, as the kubelet
        syncs them), emptyDir as an empty folder."""
        for volume in self.pod["spec"].get("volumes") or []:
            folder = self.volumes / volume["name"]
            folder.mkdir(parents=True, exist_ok=True)
            for key_name, kind in (("configMap", CONFIGMAP), ("secret", SECRET)):
                if key_name not in volume:
                    continue
                ref = dict(volume[key_name])
                ref.setdefault("name", ref.get("secretName", ""))
                obj = self.node.store.get(kind, self.namespace, ref["name"])
                if obj is None:
                    self.event(
                        "Warning",
                        "FailedMount",
                        f'MountVolume.SetUp failed for volume "{volume["name"]}" : {kind.kind.lower()} "{ref["name"]}" not found',
                    )
                    continue
                data = obj.get("data") or {}
                paths = {i["key"]: i["path"] for i in ref.get("items") or []} or {k: k for k in data}
                for key, relative in paths.items():
                    if key not in data:
                        continue
                    content = base64.b64decode(data[key]) if kind is SECRET else data[key].encode()
                    target = folder / relative
                    if not target.exists() or target.read_bytes() != content:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        temporary = target.with_name(f".{target.name}.tmp")
                        temporary.write_bytes(content)
                        temporary.replace(target)

    # status ------------------------------------------------------------------------------
    def publish(self) -> None:
        statuses = [r.status() for r in self.runners.values()]
        ready = all(s["ready"] for s in statuses)
        every_started = all(r.running_since for r in self.runners.values())
        unready = [s["name"] for s in statuses if not s["ready"]]

        def condition(type_: str, ok: bool) -> dict:
            out = {"type": type_, "status": "True" if ok else "False", "lastProbeTime": None}
            if not ok:
                out.update(reason="ContainersNotReady", message=f"containers with unready status: [{' '.join(unready)}]")
            return out

        def change(pod: dict) -> None:
            old = pod.get("status") or {}
            kept = [c for c in old.get("conditions") or [] if c["type"] == "PodScheduled"]
            conditions = kept + [
                {"type": "Initialized", "status": "True", "lastProbeTime": None},
                condition("ContainersReady", ready),
                condition("Ready", ready),
            ]
            for c in conditions:  # a transition time that moves only when the status does
                previous = next((p for p in old.get("conditions") or [] if p["type"] == c["type"]), None)
                c["lastTransitionTime"] = (
                    previous["lastTransitionTime"]
                    if previous and previous["status"] == c["status"] and previous.get("lastTransitionTime")
                    else now()
                )
            pod["status"] = {
                **old,
                "phase": "Running" if every_started else "Pending",
                "conditions": conditions,
                "hostIP": "127.0.0.1",
                "podIP": self.pod_ip,
                "podIPs": [{"ip": self.pod_ip}] if self.pod_ip else [],
                "startTime": self.started_at,
                "containerStatuses": statuses,
            }

        self.node.store.update(POD, self.namespace, self.name, lambda pod: change(pod) if pod["metadata"]["uid"] == self.uid else None)
