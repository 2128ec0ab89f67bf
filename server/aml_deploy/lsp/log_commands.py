"""A deployment's log as it grows: `amlDeploy.server.followLogs` answers {"follow": id} at once,
then sends the last lines and every new one as `amlDeploy/logLines` {follow, lines, ended,
message} notifications (batched), until `amlDeploy.server.stopLogs` {follow} or the container
stops (a redeploy replaces it: the editor follows again afterwards)."""

from __future__ import annotations

import logging
import threading
import uuid

import attrs

from ..deploy.errors import DeployError
from ..deploy.targets import get_target
from ..errors import AmlDeployError
from .commands import command
from .server import AmlDeployServer

log = logging.getLogger(__name__)

NOTIFICATION = "amlDeploy/logLines"
BATCH_SECONDS = 0.1
_stops: dict[str, threading.Event] = {}


@attrs.define
class FollowArgs:
    endpoint: str
    deployment: str
    lines: int = 500  # how many of the last lines come first


@attrs.define
class StopArgs:
    follow: str


def register(server: AmlDeployServer) -> None:
    command(server, "amlDeploy.server.followLogs", thread=True)(follow_logs)
    command(server, "amlDeploy.server.stopLogs")(stop_logs)


def follow_logs(ls: AmlDeployServer, args: FollowArgs) -> dict:
    target = get_target("local", registry=ls.model_registry())
    state = target.show_deployment(args.endpoint, args.deployment)
    if not state.container:
        raise DeployError(
            f"{args.endpoint}/{args.deployment} is {state.state} and has no container, so it has no log to "
            "follow" + (" (the failure's own log: Show Log on its notification)." if state.failure else ".")
        )
    key = uuid.uuid4().hex
    stop = _stops[key] = threading.Event()
    batch = _Batch(ls, key)
    threading.Thread(target=_pump, args=(target, args, stop, batch), name=f"aml-deploy-logs-{key[:8]}", daemon=True).start()
    return {"follow": key, "container": state.container}


def stop_logs(ls: AmlDeployServer, args: StopArgs) -> dict:
    stop = _stops.pop(args.follow, None)
    if stop is not None:
        stop.set()  # the reading thread ends at the next line (or when the container stops)
    return {"stopped": stop is not None}


def _pump(target, args: FollowArgs, stop: threading.Event, batch: _Batch) -> None:
    message = "the container stopped"
    try:
        for line in target.logs(args.endpoint, args.deployment, args.lines, follow=True):
            if stop.is_set():
                message = ""
                break
            batch.add(line)
    except AmlDeployError as err:
        message = str(err)
    except Exception as err:  # noqa: BLE001 - the engine went away, say; the editor hears why it ended
        log.warning("following the log of %s/%s failed: %r", args.endpoint, args.deployment, err)
        message = f"following the log failed: {err}"
    finally:
        _stops.pop(batch.key, None)
        batch.end(message)


class _Batch:
    """Lines gathered on the reading thread, sent from the event loop at most every BATCH_SECONDS."""

    def __init__(self, ls: AmlDeployServer, key: str) -> None:
        self.ls = ls
        self.key = key
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._scheduled = False
        self._ended: str | None = None

    def add(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            if self._scheduled:
                return
            self._scheduled = True
        self.ls.on_loop(self._later)

    def end(self, message: str) -> None:
        with self._lock:
            self._ended = message
            scheduled, self._scheduled = self._scheduled, True
        if not scheduled:
            self.ls.on_loop(self._later)

    def _later(self) -> None:
        if self.ls.loop is None:
            self._send()
        else:
            self.ls.loop.call_later(BATCH_SECONDS, self._send)

    def _send(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
            ended, self._scheduled = self._ended, False
        params = {"follow": self.key, "lines": lines, "ended": ended is not None}
        if ended:
            params["message"] = ended
        self.ls.protocol.notify(NOTIFICATION, params)
