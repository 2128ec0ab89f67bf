"""The checking session runs on one worker thread, never on the event loop: a 50,000-line script
or a slow disk must not hold up the answers to other requests. Edits to one file coalesce (only
its latest text is checked); requests that need a file's current result wait for it without
blocking the loop, and everything else is answered meanwhile."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..documents import Result

if TYPE_CHECKING:
    from .server import AmlDeployServer

log = logging.getLogger(__name__)


class CheckWorker:
    def __init__(self, ls: AmlDeployServer) -> None:
        self.ls = ls
        self._pending: OrderedDict[str, Callable[[], None]] = OrderedDict()  # key -> work; a newer one replaces it
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future]]] = {}
        self._membership: dict[str, bool] = {}  # a pending check's "created or deleted", kept when it is replaced
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="aml-deploy-checks", daemon=True)
            self._thread.start()

    # -- what handlers on the event loop call --------------------------------------------------

    def check(self, path: Path, membership: bool = False, dependents_only: bool = False) -> None:
        """Check `path` (and what depends on it) soon; an earlier pending check of it is dropped."""
        session = self.ls.session
        key = f"{'dependents' if dependents_only else 'check'}:{path}"
        with self._lock:
            self._membership[key] = self._membership.get(key, False) or membership

        def work() -> None:
            with self._lock:
                created_or_deleted = self._membership.pop(key, False)
            if dependents_only:
                session.recheck_dependents(path, created_or_deleted)
            else:
                session.check_with_dependents(path, created_or_deleted)

        self.submit(key, work)

    def submit(self, key: str, work: Callable[[], None]) -> None:
        """Run `work` on the worker thread; work submitted under the same key replaces it while pending."""
        with self._lock:
            self._pending.pop(key, None)
            self._pending[key] = work
            self._lock.notify()
        self._start()

    async def current(self, path: Path, text: str, timeout: float = 5.0) -> Result | None:
        """The result for `path` checked from `text`: at once when it is there, else after the
        worker has checked it (None after `timeout`, or when the file is not one of ours)."""
        result = self.ls.session.results.get(str(path))
        if result is not None and result.text == text:
            return result
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        with self._lock:
            self._waiters.setdefault(str(path), []).append((loop, future))
            if not any(key.endswith(f":{path}") for key in self._pending):
                self._pending[f"check:{path}"] = lambda: None if self.ls.session.check(path) else None
                self._lock.notify()
        self._start()
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            return None
        result = self.ls.session.results.get(str(path))
        return result if result is not None and result.text == text else result

    # -- the worker thread -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._pending:
                    self._lock.wait()
                key, work = self._pending.popitem(last=False)
            try:
                work()
            except Exception:  # one failed check must not stop the worker
                log.exception("checking failed (%s)", key)
            self._wake_waiters()

    def _wake_waiters(self) -> None:
        """Requests waiting for a file resume once its result is there (or its check ended)."""
        with self._lock:
            pending = {key.split(":", 1)[1] for key in self._pending}
            ready = [path for path in self._waiters if path not in pending]
            woken = [waiter for path in ready for waiter in self._waiters.pop(path)]
        for loop, future in woken:
            loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
