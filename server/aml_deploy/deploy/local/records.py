"""What the local target remembers between commands: one JSON file per endpoint (its auth mode,
traffic, and the deployments created for it, so that a container removed behind our back shows
as missing instead of vanishing), and a lock per deployment so that two operations on the same
deployment never interleave. The lock is an flock: the kernel drops it when its process dies."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import DeployError

# What a record or lock may be named: endpoint, deployment and service names ('_' starts internal ones; a
# profile's temporary service may have '.'). Never a path: no '/', no leading '.', so `../x` cannot reach
# a file outside the home folder.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise DeployError(f"{name!r} is not a valid name: letters, digits and '-', starting with a letter.")
    return name


class Records:
    def __init__(self, home: Path) -> None:
        self.home = home

    def _endpoint_file(self, name: str) -> Path:
        return self.home / "endpoints" / f"{check_name(name)}.json"

    def endpoint_file_exists(self, name: str) -> bool:
        return self._endpoint_file(name).exists()

    def endpoint_names(self) -> set[str]:
        return {p.stem for p in (self.home / "endpoints").glob("*.json")}

    def read(self, name: str) -> dict | None:
        path = self._endpoint_file(name)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            raise DeployError(
                f"The record of the local endpoint {name} ({path}) cannot be read: {err}. Delete the endpoint and create it again."
            ) from None

    def write(self, name: str, record: dict) -> None:
        """Atomically: a reader sees the old record or the new one, never half of one."""
        path = self._endpoint_file(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record, indent=2), encoding="utf-8")
        os.replace(temporary, path)

    def update(self, name: str, change: Callable[[dict], None]) -> dict:
        with self._locked(self._lock_file(name), f"the record of {name}"):
            record = self.read(name) or {"name": name}
            change(record)
            self.write(name, record)
            return record

    def remove(self, name: str) -> None:
        self._endpoint_file(name).unlink(missing_ok=True)

    def note_deployment(self, endpoint: str, deployment: str, details: dict | None) -> None:
        """Remember a deployment (details: its configuration and last outcome), or forget it (None)."""

        def change(record: dict) -> None:
            deployments = record.setdefault("deployments", {})
            if details is None:
                deployments.pop(deployment, None)
            else:
                deployments[deployment] = {**deployments.get(deployment, {}), **details}

        if details is not None or self.read(endpoint) is not None:
            self.update(endpoint, change)

    def _lock_file(self, name: str, deployment: str | None = None) -> Path:
        """`name.lock` for a record, `endpoint.deployment.lock` for a deployment: a deployment (called
        `endpoint`, say) never shares its own endpoint's record lock, which it would wait on forever."""
        parts = [check_name(name)] + ([check_name(deployment)] if deployment is not None else [])
        folder = self.home / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / (".".join(parts) + ".lock")

    def is_locked(self, endpoint: str, deployment: str) -> bool:
        """Whether some process is operating on the deployment right now."""
        with open(self._lock_file(endpoint, deployment), "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def lock(self, endpoint: str, deployment: str, waiting: Callable[[str], None] | None = None):
        """Hold the deployment's lock; `waiting` hears about it when another process holds it."""
        return self._locked(self._lock_file(endpoint, deployment), f"{endpoint}/{deployment}", waiting)

    def front_lock(self, endpoint: str):
        """Held while the endpoint's front is brought up to date, so that two processes changing traffic or
        keys at once apply one after the other, each from the record as it is then."""
        return self._locked(self._lock_file(endpoint).with_suffix(".front-lock"), f"the front of {endpoint}")

    @contextlib.contextmanager
    def _locked(self, path: Path, what: str, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
        with open(path, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting:
                    waiting(f"Waiting for another operation on {what} to finish")
                started = time.monotonic()
                fcntl.flock(handle, fcntl.LOCK_EX)
                if waiting:
                    waiting(f"Waited {time.monotonic() - started:.0f} s for the other operation")
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
