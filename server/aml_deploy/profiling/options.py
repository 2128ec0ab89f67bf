"""What a profile is asked to do: how hard and how long to push, and what the service must reach."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_DURATION = 10.0  # seconds per concurrency level
DEFAULT_MAX_CONCURRENCY = 16
DEFAULT_WARMUP = 3.0  # seconds of requests one at a time before measuring
DEFAULT_TIMEOUT = 60.0  # seconds one request may take before it counts as an error


@dataclass
class Targets:
    """A throughput and a p99 latency the published service must reach (both optional)."""

    requests_per_second: float | None = None
    p99_ms: float | None = None


@dataclass
class ProfileOptions:
    duration: float = DEFAULT_DURATION
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    warmup: float = DEFAULT_WARMUP
    request_timeout: float = DEFAULT_TIMEOUT
    targets: Targets = field(default_factory=Targets)

    def levels(self) -> list[int]:
        """1, 2, 4, ... up to max_concurrency, which is always the last level."""
        levels, level = [], 1
        while level < self.max_concurrency:
            levels.append(level)
            level *= 2
        return levels + [self.max_concurrency]
