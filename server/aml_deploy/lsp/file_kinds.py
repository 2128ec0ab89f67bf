"""Which files the editor may deploy, debug or register from: it shows those commands only there
(not on conda.yaml or a request JSON). After checks change what the index knows, the server sends
`amlDeploy/fileKinds` {deployable, scripts, models} (paths); `amlDeploy.server.deploymentsUsing`
says which deployments run a scoring script, for Deploy Locally with the script open."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from ..documents.kinds import Kind
from ..documents.workspace import WorkspaceIndex
from ..scoring.uses import SCRIPT_ROLES
from .uris import path_argument

if TYPE_CHECKING:
    from .server import AmlDeployServer

NOTIFICATION = "amlDeploy/fileKinds"
DELAY = 0.2  # seconds: a workspace scan changes the lists file by file; the editor hears them together


def is_deployable(kind: Kind | None) -> bool:
    return kind is not None and (kind.is_online_deployment or kind is Kind.INFERENCE_CONFIG)


def file_kinds(index: WorkspaceIndex) -> dict[str, list[str]]:
    deployable = sorted(p for p in index.files() if is_deployable(index.kind(p)))
    models = sorted(p for p in index.files() if index.kind(p) is Kind.MODEL)
    wanted = set(deployable)
    scripts = sorted(
        {
            str(ref.resolved)
            for role in SCRIPT_ROLES
            for source, ref in index.references(role)
            if source in wanted and ref.resolved is not None
        }
    )
    return {"deployable": deployable, "scripts": scripts, "models": models}


def deployments_using(ls: AmlDeployServer, script: Path) -> list[dict]:
    """The online deployments (and v1 inference configurations) that run `script`, with their names."""
    index = ls.session.index
    found = []
    for source in sorted({source for source, ref in index.referrers(script) if ref.role in SCRIPT_ROLES}):
        if not is_deployable(index.kind(source)):
            continue
        result = ls.session.results.get(source)
        data = result.parsed.data if result is not None and result.parsed is not None else None
        data = data if isinstance(data, dict) else {}
        found.append({"config": source, "name": data.get("name"), "endpoint": data.get("endpoint_name")})
    return found


class FileKindsNotifier:
    """Sends the lists when they changed; called on the checking thread after each check."""

    def __init__(self, ls: AmlDeployServer) -> None:
        self.ls = ls
        self._lock = threading.Lock()
        self._last: dict | None = None
        self._pending: dict | None = None
        self._listed: set[str] = set()  # deployments and model YAMLs in the lists (checking thread only)

    def changed(self, path: Path, kind: Kind | None) -> None:
        """`path` was checked (kind None: not ours, or gone). Only deployments and model YAMLs,
        and files that were one, can change the lists."""
        if not (is_deployable(kind) or kind is Kind.MODEL or str(path) in self._listed):
            return
        current = file_kinds(self.ls.session.index)
        self._listed = set(current["deployable"]) | set(current["models"])
        with self._lock:
            if current == (self._pending or self._last):
                return
            scheduled = self._pending is not None
            self._pending = current
        if not scheduled:
            self.ls.on_loop(self._schedule)

    def _schedule(self) -> None:
        if self.ls.loop is None:
            self._send()
        else:
            self.ls.loop.call_later(DELAY, self._send)

    def _send(self) -> None:
        with self._lock:
            payload, self._pending = self._pending, None
            if payload is None or payload == self._last:
                return
            self._last = payload
        self.ls.protocol.notify(NOTIFICATION, payload)


@attrs.define
class ScriptArgs:
    file: str  # path or file URI of a scoring script


def register(server: AmlDeployServer) -> None:
    from .commands import command  # commands imports the server, which holds a FileKindsNotifier

    command(server, "amlDeploy.server.deploymentsUsing")(_deployments_using)


def _deployments_using(ls, args: ScriptArgs) -> dict:  # pygls reads the hints: no TYPE_CHECKING names here
    return {"deployments": deployments_using(ls, path_argument(args.file))}
