"""What a profile is asked to do: how hard and how long to push, and what the service must reach."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .errors import ProfileError

DEFAULT_DURATION = 10.0  # seconds per concurrency level
MAX_DURATION = 3600.0  # an hour per level: a longer one is a mistake, and its results would fill the memory
MAX_CONCURRENCY = 256  # load-generator threads on this machine
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

    def __post_init__(self) -> None:
        """Refuse a profile that could not end or would swamp the machine, whoever asks (command line or editor)."""
        if not (isinstance(self.duration, (int, float)) and 0 < self.duration <= MAX_DURATION):
            raise ProfileError(f"duration {self.duration!r}: give seconds per level, above 0 and at most {MAX_DURATION:g}.")
        if (
            isinstance(self.max_concurrency, bool)
            or not isinstance(self.max_concurrency, int)
            or not 1 <= self.max_concurrency <= MAX_CONCURRENCY
        ):
            raise ProfileError(f"max_concurrency {self.max_concurrency!r}: give a whole number from 1 to {MAX_CONCURRENCY}.")
        for what, value in (("target requests per second", self.targets.requests_per_second), ("target p99 latency", self.targets.p99_ms)):
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ProfileError(f"{what} {value!r}: give a number above 0.")

    def levels(self) -> list[int]:
        """1, 2, 4, ... up to max_concurrency, which is always the last level."""
        levels, level = [], 1
        while level < self.max_concurrency:
            levels.append(level)
            level *= 2
        return levels + [self.max_concurrency]
