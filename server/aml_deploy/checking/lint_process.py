"""Linting a very large script takes seconds of pure Python, and Python runs one thread at a time:
done in the language server's process it would slow every other answer. Scripts above a size are
linted in a separate process instead; small ones (nearly all) stay in-process, where they cost
milliseconds."""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import threading
from pathlib import Path

from ..findings import Finding
from ..scoring.lint import lint
from ..scoring.uses import ScriptUse

log = logging.getLogger(__name__)

LARGE = 100_000  # characters: about 3,000 lines


class OffProcessLinter:
    """A `lint` with the same signature, running large scripts in a worker process."""

    def __init__(self, large: int = LARGE) -> None:
        self.large = large
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, path: Path, text: str, uses: list[ScriptUse]) -> list[Finding] | None:
        if len(text) < self.large:
            return lint(path, text, uses)
        try:
            return self._executor().submit(lint, path, text, uses).result()
        except concurrent.futures.process.BrokenProcessPool:
            log.warning("the lint process ended; linting %s in the server instead", path)
            with self._lock:
                self._pool = None
            return lint(path, text, uses)

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the server has threads, and a forked copy of them is unsafe.
                self._pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            return self._pool
