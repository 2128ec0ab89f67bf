"""The container's CPU and memory, sampled from the Docker engine's stats API (about once a
second, what the engine offers) on a thread for the whole profile."""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Sample:
    time: float  # Unix time the engine read it
    cpu_seconds: float  # the container's CPU time so far
    memory_bytes: int  # working set: usage less the inactive page cache, as `docker stats` shows


def parse(stats: dict) -> Sample | None:
    """One answer of the stats API; None for the empty answers of a stopped container."""
    read = stats.get("read") or ""
    cpu = ((stats.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage")
    memory = stats.get("memory_stats") or {}
    if cpu is None or "usage" not in memory or read.startswith("0001"):
        return None
    return Sample(_unix_time(read), cpu / 1e9, working_set(memory))


def working_set(memory: dict) -> int:
    """usage less inactive_file (cgroup v2) or total_inactive_file (v1): what `docker stats` shows."""
    usage = int(memory.get("usage") or 0)
    details = memory.get("stats") or {}
    inactive = details.get("inactive_file", details.get("total_inactive_file", 0)) or 0
    return usage - inactive if inactive < usage else usage


def _unix_time(text: str) -> float:
    """The engine's RFC 3339 time with nanoseconds, e.g. 2026-12-02T14:47:39.792138084Z."""
    head, _, rest = text.partition(".")
    digits = "".join(ch for ch in rest if ch.isdigit())
    zone = rest[len(digits) :] or "Z"
    stamp = datetime.fromisoformat(head + (zone if zone != "Z" else "+00:00"))
    return stamp.timestamp() + (int(digits[:9].ljust(9, "0")) / 1e9 if digits else 0.0)


class Sampler:
    """Reads the stats stream of one container until stopped."""

    def __init__(self, container) -> None:
        self.container = container
        self.samples: list[Sample] = []
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="aml-deploy-stats", daemon=True)
        self._lock = threading.Lock()

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self, timeout: float = 3.0) -> list[Sample]:
        self._stop.set()
        self._thread.join(timeout)
        with self._lock:
            return list(self.samples)

    def latest(self) -> Sample | None:
        with self._lock:
            return self.samples[-1] if self.samples else None

    def wait_for(self, count: int, timeout: float) -> bool:
        """Until `count` samples are in (the first one arrives a second or two after the start)."""
        waited = threading.Event()
        for _ in range(int(timeout / 0.05)):
            with self._lock:
                if len(self.samples) >= count:
                    return True
            waited.wait(0.05)
        return False

    def _run(self) -> None:
        try:
            for stats in self.container.stats(stream=True, decode=True):
                sample = parse(stats)
                if sample is not None:
                    with self._lock:
                        self.samples.append(sample)
                if self._stop.is_set():
                    return
        except Exception as err:  # noqa: BLE001 - the engine went away: the report says so instead of failing
            self.error = f"{type(err).__name__}: {err}"
            log.warning("stats stream ended: %s", self.error)


def cpu_between(samples: Sequence[Sample], start: float, end: float) -> float | None:
    """CPU seconds the container used from `start` to `end`, interpolating its cumulative CPU
    between the samples around each moment; None when the samples do not cover the interval."""
    if len(samples) < 2 or start < samples[0].time or end > samples[-1].time or end <= start:
        return None
    return _cpu_at(samples, end) - _cpu_at(samples, start)


def _cpu_at(samples: Sequence[Sample], moment: float) -> float:
    times = [s.time for s in samples]
    index = min(max(bisect_left(times, moment), 1), len(samples) - 1)
    before, after = samples[index - 1], samples[index]
    if after.time == before.time:
        return after.cpu_seconds
    share = (moment - before.time) / (after.time - before.time)
    return before.cpu_seconds + share * (after.cpu_seconds - before.cpu_seconds)


def memory_between(samples: Sequence[Sample], start: float, end: float) -> list[int]:
    return [s.memory_bytes for s in samples if start <= s.time <= end]
