"""From what a profile measured to the settings to publish with, each with the reason shown:
cpu and memoryInGB for ACI and AKS (v1), the v2 instance_type, request_settings and, for a
target throughput and latency, instance_count. Nothing is ever below what was measured."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from .options import Targets
from .report import ERROR_LIMIT, Level, Profile
from .sizes import smallest_fitting

HEADROOM = 1.25  # on top of the measured CPU and memory
TIMEOUT_MARGIN = 1.5  # request_timeout_ms over the slowest p99.9 a request may meet
MIN_TIMEOUT_MS = 1000
MANAGED_MAX_TIMEOUT_MS = 180_000
ACI_MAX_CPU, ACI_MAX_MEMORY_GB = 4, 16  # the usual per-container maximum of Azure Container Instances
GIB = 1024


@dataclass
class Recommendation:
    cpu: float  # cores: v1 containerResourceRequirements.cpu, Kubernetes resources.requests.cpu
    memory_in_gb: float
    instance_type: str | None
    max_concurrent_requests_per_instance: int
    request_timeout_ms: int
    instance_count: int | None = None
    reasoning: list[str] = field(default_factory=list)
    measured: dict = field(default_factory=dict)  # the measurements each number stands on

    def to_dict(self) -> dict:
        return asdict(self)

    def settings(self) -> dict:
        """The v2 settings, as a deployment YAML holds them."""
        settings: dict = {
            "instance_type": self.instance_type,
            "request_settings": {
                "max_concurrent_requests_per_instance": self.max_concurrent_requests_per_instance,
                "request_timeout_ms": self.request_timeout_ms,
            },
        }
        if self.instance_count is not None:
            settings["instance_count"] = self.instance_count
        return settings


def recommend(profile: Profile, targets: Targets | None = None) -> Recommendation | None:
    """None when no level served with at most 1% errors: there is nothing sound to size for."""
    targets = targets or Targets()
    if profile.knee is None or profile.memory_peak_mb is None:
        return None
    reasoning: list[str] = []
    operating = _operating_level(profile, targets, reasoning)
    below = [level for level in profile.levels if level.concurrency <= operating.concurrency and level.cpu_cores is not None]
    measured_cpu = max((level.cpu_cores or 0.0 for level in below), default=0.0)
    measured_gib = profile.memory_peak_mb / GIB
    cpu = max(_up(measured_cpu * HEADROOM, 0.1), 0.1)
    memory = max(_up(measured_gib * HEADROOM, 0.1), 0.1)
    reasoning.append(
        f"cpu {cpu:g}: the container used {measured_cpu:.2f} cores at concurrency {operating.concurrency}, "
        f"plus {HEADROOM - 1:.0%} headroom, rounded up to 0.1."
    )
    steady = (profile.memory_steady_mb or 0) / GIB
    reasoning.append(
        f"memoryInGB {memory:g}: the container's memory peaked at {measured_gib:.2f} GB (working set, "
        f"steady {steady:.2f} GB), plus {HEADROOM - 1:.0%} headroom, rounded up to 0.1."
    )
    if cpu > ACI_MAX_CPU or memory > ACI_MAX_MEMORY_GB:
        reasoning.append(
            f"That is more than Azure Container Instances usually gives one container ({ACI_MAX_CPU} cores, "
            f"{ACI_MAX_MEMORY_GB} GB): publish to AKS or a managed online endpoint."
        )
    size = smallest_fitting(cpu, memory)
    if size is not None:
        reasoning.append(
            f"instance_type {size.name}: the smallest size in the managed online SKU list with at least "
            f"{cpu:g} cores and {memory:g} GB ({size.cores} cores, {size.memory_gib:g} GB; smallest means fewest "
            "cores, then least memory; GPU sizes and DS1_v2/DS2_v2, which Azure ML warns are too small, left out)."
        )
    else:
        reasoning.append(f"No CPU size in the managed online SKU list has {cpu:g} cores and {memory:g} GB.")
    timeout, admitted = _timeout(profile, operating.concurrency, reasoning)
    recommendation = Recommendation(cpu, memory, size.name if size else None, operating.concurrency, timeout, reasoning=reasoning)
    reasoning.insert(0, f"max_concurrent_requests_per_instance {operating.concurrency}: " + _why_concurrency(profile, operating, targets))
    if targets.requests_per_second:
        recommendation.instance_count = _instance_count(targets, operating, reasoning)
    recommendation.measured = {
        "operating_concurrency": operating.concurrency,
        "knee_concurrency": profile.knee,
        "cpu_cores": measured_cpu,
        "memory_peak_gb": round(measured_gib, 3),
        "throughput_per_instance": operating.throughput,
        "p99_ms": operating.latency_ms.get("p99"),
        "timeout_basis_p999_ms": admitted,
        "worker_count": profile.worker_count,
    }
    return recommendation


def _operating_level(profile: Profile, targets: Targets, reasoning: list[str]) -> Level:
    """The knee, or with a latency target the busiest level up to the knee that meets it."""
    knee = profile.level(profile.knee)
    assert knee is not None
    if not targets.p99_ms:
        return knee
    meeting = [
        level
        for level in profile.levels
        if level.concurrency <= knee.concurrency
        and level.error_rate <= ERROR_LIMIT
        and (level.latency_ms.get("p99") or math.inf) <= targets.p99_ms
    ]
    if not meeting:
        best = min(profile.levels, key=lambda level: level.latency_ms.get("p99") or math.inf)
        reasoning.append(
            f"No level met p99 ≤ {targets.p99_ms:g} ms (the best was {best.latency_ms.get('p99')} ms at "
            f"concurrency {best.concurrency}): a faster model or larger instances are needed; sized for the knee."
        )
        return knee
    return max(meeting, key=lambda level: level.concurrency)


def _why_concurrency(profile: Profile, operating: Level, targets: Targets) -> str:
    knee = profile.level(profile.knee)
    assert knee is not None
    best = max(level.throughput for level in profile.levels if level.error_rate <= ERROR_LIMIT)
    text = f"throughput reached {knee.throughput:g} req/s at concurrency {knee.concurrency}, at least 90% of the best ({best:g} req/s)"
    after = [level for level in profile.levels if level.concurrency > knee.concurrency]
    if after:
        last = after[-1]
        text += (
            f"; beyond it latency climbs with little more throughput (p50 {knee.latency_ms.get('p50')} ms at "
            f"{knee.concurrency}, {last.latency_ms.get('p50')} ms at {last.concurrency})"
        )
    else:
        text += "; it is the highest level profiled: a higher --max-concurrency may find more"
    if operating is not knee:
        text += f"; concurrency {operating.concurrency} is the busiest level that met p99 ≤ {targets.p99_ms:g} ms"
    workers = f" with WORKER_COUNT={profile.worker_count}" if profile.worker_count else ""
    return text + f". Measured{workers}, as profiled."


def _timeout(profile: Profile, concurrency: int, reasoning: list[str]) -> tuple[int, float]:
    """Above the slowest p99.9 a request can meet: Azure admits up to 2 x max_concurrent requests
    per instance before answering 429, so the levels up to twice the concurrency count."""
    admitted = [level for level in profile.levels if level.concurrency <= 2 * concurrency and level.latency_ms.get("p99.9")]
    slowest = max(admitted, key=lambda level: level.latency_ms["p99.9"] or 0)
    p999 = slowest.latency_ms["p99.9"] or 0.0
    timeout = max(MIN_TIMEOUT_MS, int(_up(p999 * TIMEOUT_MARGIN, 100)))
    text = (
        f"request_timeout_ms {timeout}: the slowest p99.9 up to concurrency {2 * concurrency} (Azure admits twice "
        f"max_concurrent_requests_per_instance before 429) was {p999:g} ms at concurrency {slowest.concurrency}; "
        f"{TIMEOUT_MARGIN:g}x that, rounded up to 100 ms, at least {MIN_TIMEOUT_MS} ms."
    )
    if timeout > MANAGED_MAX_TIMEOUT_MS:
        text += f" Managed online endpoints allow at most {MANAGED_MAX_TIMEOUT_MS} ms: requests this slow need a faster model."
        timeout = MANAGED_MAX_TIMEOUT_MS
    reasoning.append(text)
    return timeout, p999


def _instance_count(targets: Targets, operating: Level, reasoning: list[str]) -> int:
    rate = targets.requests_per_second or 0.0
    count = max(1, math.ceil(rate / operating.throughput)) if operating.throughput else 1
    reasoning.append(
        f"instance_count {count}: {rate:g} req/s ÷ {operating.throughput:g} req/s per instance (measured at "
        f"concurrency {operating.concurrency}), rounded up; this assumes an Azure core about as fast as this "
        "machine's. Azure ML recommends at least 3 instances in production."
    )
    return count


def _up(value: float, step: float) -> float:
    """`value` rounded up to a multiple of `step` (0.1 -> 1 decimal), without float noise."""
    return round(math.ceil(round(value / step, 9)) * step, 6)
