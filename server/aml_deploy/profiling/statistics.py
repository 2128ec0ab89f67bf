"""Percentiles and the knee: the arithmetic of a profile, on plain numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence

PERCENTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p99.9": 99.9}


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile with linear interpolation between closest ranks (numpy's default);
    None for no values."""
    if not values:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"a percentile is between 0 and 100, not {p}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: Sequence[float]) -> dict[str, float | None]:
    """p50 ... p99.9 and the slowest, in milliseconds."""
    summary = {name: _ms(percentile(seconds, p)) for name, p in PERCENTILES.items()}
    summary["max"] = _ms(max(seconds)) if seconds else None
    return summary


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


def knee(points: Sequence[tuple[int, float, float]], share: float = 0.9, error_limit: float = 0.01) -> int | None:
    """The concurrency after which latency climbs with little more throughput: the lowest level
    whose throughput reaches `share` of the best throughput, among levels whose error rate is at
    most `error_limit`. `points` are (concurrency, throughput, error rate); None when no level
    served without errors."""
    usable = sorted((c, t) for c, t, errors in points if errors <= error_limit and t > 0)
    if not usable:
        return None
    best = max(t for _, t in usable)
    return next(c for c, t in usable if t >= share * best)
