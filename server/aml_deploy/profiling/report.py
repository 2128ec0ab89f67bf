"""What a profile measured, as plain data: one row per concurrency level and the totals."""

from __future__ import annotations

import statistics as stats
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from . import stats as engine_stats
from .load import Burst
from .statistics import knee, latency_summary

if TYPE_CHECKING:
    from .recommend import Recommendation

MB = 1024 * 1024
ERROR_LIMIT = 0.01  # a level with more errors than this is not one to run at
SATURATED = 0.85  # the generator's threads share one core (the GIL): past this share it may be the bottleneck


@dataclass
class Level:
    concurrency: int
    seconds: float
    requests: int  # answered or failed
    errors: int
    throughput: float  # successful answers per second
    latency_ms: dict[str, float | None]  # p50, p90, p95, p99, p99.9, max
    cpu_cores: float | None  # cores the container used on average
    memory_peak_mb: float | None
    generator_cpu: float  # share of one core the load generator used
    statuses: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 1.0

    def to_dict(self) -> dict:
        return {**asdict(self), "error_rate": round(self.error_rate, 4)}


def summarize(burst: Burst, samples: list[engine_stats.Sample]) -> Level:
    """A level's row from the requests it sent and the engine's samples of the same time."""
    outcomes = burst.outcomes
    good = [o for o in outcomes if o.error is None]
    failed = [o for o in outcomes if o.error is not None]
    cpu = engine_stats.cpu_between(samples, burst.started, burst.ended)
    memory = engine_stats.memory_between(samples, burst.started, burst.ended)
    return Level(
        concurrency=burst.concurrency,
        seconds=round(burst.seconds, 3),
        requests=len(outcomes),
        errors=len(failed),
        throughput=round(len(good) / burst.seconds, 2),
        latency_ms=latency_summary([o.seconds for o in good]),
        cpu_cores=round(cpu / burst.seconds, 3) if cpu is not None else None,
        memory_peak_mb=round(max(memory) / MB, 1) if memory else None,
        generator_cpu=round(burst.generator_cpu_seconds / burst.seconds, 3),
        statuses={str(k): v for k, v in sorted(Counter(o.status for o in outcomes).items())},
        first_error=failed[0].error if failed else None,
    )


def cpu_per_request(bursts: list[Burst], samples: list[engine_stats.Sample]) -> float | None:
    """CPU seconds per answered request over every level: the container's CPU between two engine
    samples, over the requests that ended between the same two moments (no interpolation)."""
    cpu, answered = 0.0, 0
    for burst in bursts:
        inside = [s for s in samples if burst.started <= s.time <= burst.ended]
        if len(inside) < 2:
            continue
        first, last = inside[0], inside[-1]
        cpu += last.cpu_seconds - first.cpu_seconds
        answered += sum(1 for o in burst.outcomes if o.error is None and first.time < o.ended <= last.time)
    return cpu / answered if answered else None


@dataclass
class Profile:
    name: str
    endpoint: str
    deployment: str
    scoring_uri: str
    config: str | None
    started_deployment: bool  # the profile started it, and removed it afterwards
    request_count: int  # distinct request bodies sent in turn
    levels: list[Level]
    warmup: Level | None
    cpu_seconds_per_request: float | None
    memory_peak_mb: float | None
    memory_steady_mb: float | None
    knee: int | None
    seconds: float
    host_cores: int
    worker_count: str | None  # WORKER_COUNT inside the container, as profiled
    notes: list[str] = field(default_factory=list)
    recommendation: Recommendation | None = None
    chart: str | None = None  # the chart's file, when one was written

    @property
    def requests(self) -> int:
        return sum(level.requests for level in self.levels)

    @property
    def errors(self) -> int:
        return sum(level.errors for level in self.levels)

    @property
    def first_error(self) -> str | None:
        levels = ([self.warmup] if self.warmup else []) + self.levels
        return next((level.first_error for level in levels if level.first_error), None)

    def level(self, concurrency: int | None) -> Level | None:
        return next((level for level in self.levels if level.concurrency == concurrency), None)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "endpoint": self.endpoint,
            "deployment": self.deployment,
            "scoring_uri": self.scoring_uri,
            "config": self.config,
            "started_deployment": self.started_deployment,
            "request_count": self.request_count,
            "seconds": round(self.seconds, 1),
            "host_cores": self.host_cores,
            "worker_count": self.worker_count,
            "levels": [level.to_dict() for level in self.levels],
            "warmup": self.warmup.to_dict() if self.warmup else None,
            "totals": {
                "requests": self.requests,
                "errors": self.errors,
                "error_rate": round(self.errors / self.requests, 4) if self.requests else None,
                "first_error": self.first_error,
                "cpu_seconds_per_request": round(self.cpu_seconds_per_request, 5) if self.cpu_seconds_per_request else None,
                "memory_peak_mb": self.memory_peak_mb,
                "memory_steady_mb": self.memory_steady_mb,
                "knee_concurrency": self.knee,
            },
            "notes": self.notes,
            "recommendation": self.recommendation.to_dict() if self.recommendation else None,
            "chart": self.chart,
        }


def memory_totals(samples: list[engine_stats.Sample], start: float, end: float) -> tuple[float | None, float | None]:
    """(peak over the whole profile, median while under load), in MB."""
    if not samples:
        return None, None
    loaded = engine_stats.memory_between(samples, start, end) or [s.memory_bytes for s in samples]
    return round(max(s.memory_bytes for s in samples) / MB, 1), round(stats.median(loaded) / MB, 1)


def knee_of(levels: list[Level]) -> int | None:
    return knee([(level.concurrency, level.throughput, level.error_rate) for level in levels], error_limit=ERROR_LIMIT)


def notes_for(levels: list[Level]) -> list[str]:
    """What a reader must know to trust the numbers."""
    notes = []
    busy = [level.concurrency for level in levels if level.generator_cpu >= SATURATED]
    if busy:
        notes.append(
            f"The load generator used most of a core at concurrency {', '.join(map(str, busy))}: there it "
            "may have limited the throughput, not the model."
        )
    if any(level.cpu_cores is None for level in levels):
        notes.append("The Docker engine gave too few samples for some levels' CPU (levels shorter than 2 s?).")
    return notes
