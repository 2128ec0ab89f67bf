"""The stand-in Kubernetes API server: start(), point KUBECONFIG at .kubeconfig, stop()."""

from __future__ import annotations

import secrets
import threading
import time
import traceback
from pathlib import Path

from .api import Api
from .controllers import ControlPlane
from .events import Recorder
from .kubelet import Kubelet, Node
from .resources import BY_KIND
from .server import Fault, Traffic, make_server
from .services import Networks, Services, free_port
from .store import Store
from .tls import Certificates, write_kubeconfig

DEFAULT_CAPACITY = {"cpu": "4", "memory": "8Gi", "pods": "110"}


class KubeStandin:
    """An API server on https://127.0.0.1:PORT with one node. `docker_client=None` keeps pods Pending
    (scheduled, never run): enough for apply/prune tests, and no container is started."""

    def __init__(
        self,
        workdir: Path,
        *,
        docker_client=None,
        capacity: dict | None = None,
        backoff: tuple[float, float] = (10.0, 300.0),
        infra_image: str = "aml-deploy-test/base:bookworm",
        tick: float = 0.2,
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.id = secrets.token_hex(3)
        self.prefix = f"kst{self.id}"
        self.labels = {"aml-deploy.kube-standin": self.id}
        self.token = secrets.token_urlsafe(24)
        self.store = Store()
        self.traffic = Traffic()
        self.docker = docker_client
        self.capacity = dict(capacity or DEFAULT_CAPACITY)
        self.events = Recorder(self.store, "standin-node")
        self.networks = Networks(docker_client, self.prefix, self.labels) if docker_client else None
        self.services = Services(self.store, docker_client, self.networks, self.prefix, self.labels, self.workdir, infra_image)
        self.kubelet = (
            Kubelet(
                Node(
                    self.store,
                    self.events,
                    docker_client,
                    self.prefix,
                    self.labels,
                    self.workdir,
                    self.networks.ensure,
                    infra_image,
                    backoff=backoff,
                )
            )
            if docker_client
            else None
        )
        self.control = ControlPlane(self.store, self.events, self.capacity, self._namespace_gone, node_runs_pods=docker_client is not None)
        self.api = Api(self.store, free_port, self._logs)
        self.certificates = Certificates()
        self.errors: list[str] = []  # controller exceptions, for a test to show
        self._tick = tick
        self._stop = threading.Event()
        self._server = make_server(self.api, self.token, self.traffic, self.certificates.server_context())
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self.kubeconfig = write_kubeconfig(self.workdir / "kubeconfig", self.url, self.certificates.ca_pem, self.token)
        self._threads = [
            threading.Thread(target=self._server.serve_forever, daemon=True),
            threading.Thread(target=self._control_loop, daemon=True),
        ]

    def start(self) -> KubeStandin:
        for thread in self._threads:
            thread.start()
        return self

    # what tests read and control ----------------------------------------------------------------------
    @property
    def requests(self):
        with self.traffic.lock:
            return list(self.traffic.requests)

    def clear_requests(self) -> None:
        with self.traffic.lock:
            self.traffic.requests.clear()

    def fail_next(self, count: int, status: int = 500, method: str | None = None, path: str | None = None) -> None:
        """The next `count` matching requests get `status` (429 comes with Retry-After: 1)."""
        with self.traffic.lock:
            self.traffic.faults.append(Fault(count, status, method, path))

    def set_capacity(self, **resources: str) -> None:
        """The node's allocatable resources, e.g. cpu="1", memory="2Gi", **{"nvidia.com/gpu": "0"}."""
        self.capacity.update(resources)

    def objects(self, kind: str, namespace: str | None = None, labels: str | None = None) -> list[dict]:
        return self.store.list(BY_KIND[kind], namespace, labels)

    def get(self, kind: str, namespace: str | None, name: str) -> dict | None:
        return self.store.get(BY_KIND[kind], namespace, name)

    def events_for(self, namespace: str, reason: str | None = None) -> list[dict]:
        return [e for e in self.store.list(BY_KIND["Event"], namespace) if reason in (None, e["reason"])]

    def wait_for(self, predicate, timeout: float = 60, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.2)
        raise AssertionError(f"stand-in: {what} not reached in {timeout}s; controller errors: {self.errors[-3:]}")

    def docker_objects(self) -> list:
        """Docker containers and networks this stand-in made and has not removed yet."""
        if not self.docker:
            return []
        selector = {"label": f"aml-deploy.kube-standin={self.id}"}
        return self.docker.containers.list(all=True, filters=selector, ignore_removed=True) + self.docker.networks.list(filters=selector)

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        if self.kubelet:
            self.kubelet.stop()
        self.services.stop()
        for obj in self.docker_objects():
            try:
                obj.remove(force=True) if hasattr(obj, "status") else obj.remove()
            except Exception:  # noqa: BLE001 - best effort; the next line reports what is left
                pass

    # internals -------------------------------------------------------------------------------------
    def _control_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.control.tick()
                if self.kubelet:
                    self.kubelet.sync()
                self.services.sync()
            except Exception:  # noqa: BLE001 - keep the control plane alive, and let a test see why
                self.errors.append(traceback.format_exc())
            with self.store.changed:
                self.store.changed.wait(self._tick)
            time.sleep(0.05)  # writes wake the loop early; never spin

    def _logs(self, namespace, pod, container, previous, tail):
        if self.kubelet is None:
            from .errors import ApiError

            raise ApiError(400, "BadRequest", f'container in pod "{pod}" is waiting to start: ContainerCreating')
        return self.kubelet.logs(namespace, pod, container, previous, tail)

    def _namespace_gone(self, namespace: str) -> None:
        if self.networks:
            self.networks.remove(namespace)
