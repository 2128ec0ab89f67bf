"""The front's container on the local Docker engine: started with its configuration put in (not
mounted, not in the environment), changed in place, reported on, and removed with its network."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from . import runtime
from .errors import FrontError, RuntimeApiError
from .network import LABEL, ensure_network, network_name, remove_network
from .render import CONFIG_FILE, DESCRIPTION_FILE, MAP_FILES, READY_URI, Rendered, parse_map, render
from .spec import Front

COMMAND = ["-W", "-db", "-f", CONFIG_FILE]  # master-worker in the foreground: SIGUSR2 reloads gracefully
ENTRYPOINT = ["haproxy"]


def container_name(endpoint: str) -> str:
    return f"{endpoint}_front"  # '_' never occurs in endpoint or deployment names


@dataclass
class FrontState:
    endpoint: str
    status: str  # running | exited | created | ... | missing
    container: str | None = None
    image: str | None = None
    network: str | None = None
    port: int | None = None  # on 127.0.0.1
    tls: bool = False
    description: dict = field(default_factory=dict)  # Front.describe() as last applied: no secrets
    servers: list[dict] = field(default_factory=list)  # per deployment: HAProxy's view (status, in flight, served)

    @property
    def scoring_uri(self) -> str | None:
        if not self.port:
            return None
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/score"

    def to_dict(self) -> dict:
        return {
            "endpoint": self.endpoint,
            "status": self.status,
            "container": self.container,
            "image": self.image,
            "network": self.network,
            "port": self.port,
            "scoring_uri": self.scoring_uri,
            **self.description,
            "servers": self.servers,
        }


@dataclass
class UpdateResult:
    reloaded: bool  # False: changed in place through the runtime API
    changes: int  # map entries changed in place
    seconds: float


def start(client, front: Front, image: str, port: int | None = None, timeout: float = 30.0) -> FrontState:
    """Create and start the endpoint's front, published on 127.0.0.1:`port` (None: a free port).
    A front that already runs with the same image and port is updated instead of replaced."""
    rendered = render(front)
    internal = f"{front.port_in_container}/tcp"
    existing = _find(client, front.endpoint)
    if existing is not None:
        if (
            existing.status == "running"
            and _image_matches(existing, image)
            and internal in _published(existing)
            and port in (None, _host_port(existing))
        ):
            update(client, front)
            return status(client, front.endpoint)
        existing.remove(force=True)
    import docker.errors

    network = ensure_network(client, front.endpoint)
    try:
        container = client.containers.create(
            image,
            entrypoint=ENTRYPOINT,
            command=COMMAND,
            name=container_name(front.endpoint),
            user=str(runtime.USER_ID),
            labels={LABEL: "1", "aml-deploy.endpoint": front.endpoint},
            network=network.name,
            detach=True,
            ports={internal: ("127.0.0.1", port)},
        )
    except docker.errors.ImageNotFound:
        raise FrontError(f"The front image {image} is not here (ensure_image makes it).") from None
    try:
        runtime.put_files(container, rendered.files)
        container.start()
        _wait_ready(container, internal, front.tls is not None, timeout)
    except docker.errors.APIError as err:
        container.remove(force=True)
        raise FrontError(
            f"The image {image} cannot run the front (it needs HAProxy 2.6 or later with Lua): {err.explanation or err}"
        ) from None
    except BaseException:
        container.remove(force=True)
        raise
    return status(client, front.endpoint)


def update(client, front: Front) -> UpdateResult:
    """Apply `front` to the running front without dropping a request: keys, tokens and traffic
    through the runtime API; anything else (deployments, limits, TLS) by a graceful reload."""
    started = time.monotonic()
    container = _running(client, front.endpoint)
    new = render(front)
    if f"{front.port_in_container}/tcp" not in _published(container):
        raise FrontError(
            f"The front of {front.endpoint} listens on another port (TLS was turned on or off): "
            "start it again, which replaces its container."
        )
    current = runtime.read_files(container)
    old = Rendered({name: parse_map(current.get(name, b"").decode()) for name in MAP_FILES}, current)
    if not front.runtime_api or old.structural() != new.structural():
        runtime.put_files(container, new.files)
        runtime.remove_files(container, sorted(set(current) - set(new.files)))  # e.g. the TLS key, once TLS is off
        try:
            runtime.check_config(container)
        except FrontError:
            runtime.put_files(container, current)  # the running front keeps its configuration
            raise
        runtime.reload(container)
        return UpdateResult(True, 0, time.monotonic() - started)
    changed = {name: data for name, data in new.files.items() if current.get(name) != data}
    try:
        count = runtime.apply_maps(container, old.maps, new.maps, changed)
    except RuntimeApiError:  # the files hold the new state: a graceful reload applies all of it
        runtime.reload(container)
        return UpdateResult(True, 0, time.monotonic() - started)
    return UpdateResult(False, count, time.monotonic() - started)


def status(client, endpoint: str, servers: bool = True) -> FrontState:
    """The front's container and configuration as applied; with `servers`, also HAProxy's view of
    each deployment (one more call into the container). A front another process removes while it is
    read is missing, as it would have been a moment later."""
    import docker.errors

    try:
        return _status(client, endpoint, servers)
    except docker.errors.NotFound:
        return FrontState(endpoint, "missing")


def _status(client, endpoint: str, servers: bool) -> FrontState:
    container = _find(client, endpoint)
    if container is None:
        return FrontState(endpoint, "missing")
    state = FrontState(
        endpoint,
        container.status,
        container.name,
        (container.image.tags or [container.image.id])[0],
        network_name(endpoint),
        _host_port(container),
    )
    if container.status == "running":
        files = runtime.read_files(container)
        state.description = json.loads(files.get(DESCRIPTION_FILE, b"{}"))
        state.tls = bool(state.description.get("tls"))
        if servers and b"stats socket" in files.get("haproxy.cfg", b""):
            state.servers = _servers(container)
    return state


def remove(client, endpoint: str) -> bool:
    """Remove the front's container and the endpoint's network; False when there was no front."""
    container = _find(client, endpoint)
    if container is not None:
        container.remove(force=True)
    had_network = remove_network(client, endpoint)
    return container is not None or had_network


def _find(client, endpoint: str):
    import docker.errors

    try:
        return client.containers.get(container_name(endpoint))
    except docker.errors.NotFound:
        return None


def _running(client, endpoint: str):
    container = _find(client, endpoint)
    if container is None or container.status != "running":
        raise FrontError(f"The front of endpoint {endpoint} is not running; start it first.")
    return container


def _published(container) -> dict:
    container.reload()
    return {port: bindings for port, bindings in (container.attrs.get("NetworkSettings", {}).get("Ports") or {}).items() if bindings}


def _host_port(container) -> int | None:
    return next((int(bindings[0]["HostPort"]) for bindings in _published(container).values()), None)


def _image_matches(container, image: str) -> bool:
    return image in (container.image.tags or []) or container.image.id == image


def _wait_ready(container, internal: str, tls: bool, timeout: float) -> None:
    """Until the front answers its ready URI on the published port, or has exited."""
    import warnings

    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if container.status in ("exited", "dead"):
            container.wait(timeout=10)  # its last words are in the log once it has fully stopped
            log = container.logs().decode("utf-8", errors="replace")
            alerts = [line for line in log.splitlines() if "ALERT" in line] or log.splitlines()[-10:]
            raise FrontError("The front did not start (it needs HAProxy 2.6 or later with Lua):\n" + "\n".join(alerts))
        bindings = _published(container).get(internal)
        if bindings:
            url = f"{'https' if tls else 'http'}://127.0.0.1:{bindings[0]['HostPort']}{READY_URI}"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # our own certificate, on loopback
                    if requests.get(url, timeout=1, verify=False).status_code == 200:
                        return
            except requests.RequestException:
                pass
        time.sleep(0.05)
    raise FrontError(f"The front did not answer within {timeout:.0f} s.")


def _servers(container) -> list[dict]:
    """HAProxy's view of each deployment: UP / MAINT (address not resolved) / DOWN, requests in
    flight and served."""
    try:
        rows = runtime.query(container, "show stat -1 4 -1").splitlines()
    except RuntimeApiError:  # an image without bash: no runtime view
        return []
    if not rows or not rows[0].startswith("# "):
        return []
    header = rows[0][2:].split(",")
    servers = []
    for row in rows[1:]:
        values = dict(zip(header, row.split(",")))
        if values.get("pxname", "").startswith("deployment_"):
            servers.append(
                {
                    "deployment": values["svname"],
                    "status": values.get("status"),
                    "in_flight": int(values.get("scur") or 0),
                    "served": int(values.get("stot") or 0),
                    "address": values.get("addr"),
                }
            )
    return servers
