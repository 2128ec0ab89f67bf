"""Services: the namespace's Docker network, an in-cluster proxy container per Service that answers
under the Service's DNS names and forwards each port to the ready pods (what kube-proxy does for a
ClusterIP), and for a LoadBalancer a forwarder on the host at the address written into
status.loadBalancer.ingress (a loopback address of its own, so the Service's own port is used) and
on 127.0.0.1:nodePort."""

from __future__ import annotations

import json
import random
import shutil
import socket
import threading
from pathlib import Path

import docker
import docker.errors

from .proxy import Forwarder
from .resources import BY_KIND
from .store import Store

SERVICE, POD = BY_KIND["Service"], BY_KIND["Pod"]
PROXY_SOURCE = Path(__file__).with_name("proxy.py")


def free_port(host: str = "127.0.0.1", low: int = 30000, high: int = 32767) -> int:
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free node port")


class Networks:
    def __init__(self, client: docker.DockerClient, prefix: str, labels: dict) -> None:
        self.client, self.prefix, self.labels = client, prefix, labels
        self._lock = threading.Lock()  # pod workers ask at once; Docker would make two networks of one name

    def name(self, namespace: str) -> str:
        return f"{self.prefix}-{namespace}"

    def ensure(self, namespace: str) -> str:
        name = self.name(namespace)
        with self._lock:
            if not self.client.networks.list(names=[name]):
                self.client.networks.create(name, driver="bridge", labels=self.labels)
        return name

    def remove(self, namespace: str) -> None:
        for network in self.client.networks.list(names=[self.name(namespace)]):
            try:
                network.remove()
            except docker.errors.APIError:
                pass


def _ready(pod: dict) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return not pod["metadata"].get("deletionTimestamp") and any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _target(port: dict, pod: dict) -> int | None:
    target = port.get("targetPort", port["port"])
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    for container in pod["spec"]["containers"]:
        for declared in container.get("ports") or []:
            if declared.get("name") == target:
                return declared["containerPort"]
    return None


class Services:
    def __init__(
        self,
        store: Store,
        client: docker.DockerClient | None,
        networks: Networks | None,
        prefix: str,
        labels: dict,
        workdir: Path,
        infra_image: str,
    ) -> None:
        self.store, self.client, self.networks = store, client, networks
        self.prefix, self.labels, self.workdir, self.infra_image = prefix, labels, workdir, infra_image
        self.endpoints: dict[tuple, dict[str, list]] = {}  # (ns, name) -> {port: [(ip, port)]}
        self.proxies: dict[tuple, str] = {}  # (ns, name) -> Docker container id
        self.balancers: dict[tuple, tuple] = {}  # (ns, name) -> (ip, forwarders, ports served)
        self._octet = random.randint(100, 250)
        self._next_ip = 1

    def sync(self) -> None:
        services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in self.store.list(SERVICE)}
        for key in set(self.endpoints) - set(services):
            self._drop(key)
        for key, service in services.items():
            self.endpoints[key] = self._endpoints(service)
            if self.client is not None and service["spec"].get("selector"):
                self._proxy(key, service)
            if service["spec"].get("type") == "LoadBalancer":
                self._balance(key, service)
            elif key in self.balancers:
                self._close_balancer(key)

    def _endpoints(self, service: dict) -> dict[str, list]:
        selector = service["spec"].get("selector") or {}
        pods = [
            p
            for p in self.store.list(POD, service["metadata"]["namespace"])
            if selector
            and all((p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())
            and _ready(p)
            and (p.get("status") or {}).get("podIP")
        ]
        out = {}
        for port in service["spec"].get("ports") or []:
            out[str(port["port"])] = [(p["status"]["podIP"], t) for p in pods if (t := _target(port, p))]
        return out

    # in-cluster -------------------------------------------------------------------------------
    def _proxy(self, key: tuple, service: dict) -> None:
        namespace, name = key
        folder = self.workdir / "services" / namespace / name
        config = folder / "config.json"
        text = json.dumps({"ports": self.endpoints[key]}, sort_keys=True)
        if not config.exists() or config.read_text() != text:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(PROXY_SOURCE, folder / "proxy.py")
            (folder / ".config.tmp").write_text(text)
            (folder / ".config.tmp").replace(config)
        if key in self.proxies:
            return
        network = self.networks.ensure(namespace)
        aliases = [name, f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local"]
        container = self.client.containers.create(
            self.infra_image,
            ["python3", "-u", "/standin/proxy.py", "/standin/config.json"],
            name=f"{self.prefix}-{namespace}-svc-{name}",
            labels={**self.labels, "service": name},
            volumes={str(folder): {"bind": "/standin", "mode": "ro"}},
            mem_limit="64m",
        )
        self.proxies[key] = container.id  # from here on, _drop removes it whatever happens next
        self.client.networks.get(network).connect(container, aliases=aliases)
        container.start()

    # LoadBalancer -----------------------------------------------------------------------------
    def _balance(self, key: tuple, service: dict) -> None:
        wanted = {(p["port"], p.get("nodePort")) for p in service["spec"].get("ports") or []}
        if key in self.balancers and self.balancers[key][2] == wanted:
            return
        self._close_balancer(key)
        forwarders = []
        ip = self._address()
        for port, node_port in sorted(wanted):
            lookup = lambda p=str(port): self.endpoints.get(key, {}).get(p, [])
            forwarders.append(Forwarder((ip, port), lookup))
            if node_port:
                forwarders.append(Forwarder(("127.0.0.1", node_port), lookup))
        self.balancers[key] = (ip, forwarders, wanted)

        def ingress(obj: dict) -> None:
            obj["status"] = {"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}

        self.store.update(SERVICE, *key, ingress)

    def _address(self) -> str:
        """A loopback address of this stand-in's own: the Service's port is free there."""
        address = f"127.{self._octet}.{self._next_ip // 250}.{self._next_ip % 250 + 1}"
        self._next_ip += 1
        return address

    def _close_balancer(self, key: tuple) -> None:
        _, forwarders, _ = self.balancers.pop(key, (None, [], None))
        for forwarder in forwarders:
            forwarder.close()

    def _drop(self, key: tuple) -> None:
        self.endpoints.pop(key, None)
        self._close_balancer(key)
        docker_id = self.proxies.pop(key, None)
        if docker_id:
            try:
                self.client.api.remove_container(docker_id, force=True)
            except docker.errors.NotFound:
                pass

    def stop(self) -> None:
        for key in list(self.endpoints):
            self._drop(key)
