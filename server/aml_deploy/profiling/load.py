"""The load generator: N threads, each with its own keep-alive HTTP connection (http.client),
sending requests back to back for a bounded time. Measured on this project's 2-core machine it
sends about 5,000-6,000 requests/s against a trivial endpoint where requests.Session manages about
1,500 (benchmarks/bench_profile.py), far above what a scoring container serves, so the profile
measures the model and not the generator. It also measures its own CPU, so that a report can say
when it was the bottleneck after all."""

from __future__ import annotations

import http.client
import itertools
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

ERROR_TEXT = 500  # characters of an error answer kept
TICK = 0.5  # seconds between progress reports


@dataclass(slots=True)
class Outcome:
    """One request: when it ended (Unix time), how long it took, and its answer."""

    ended: float
    seconds: float
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    error: str | None = None  # for a failure: the status and the start of the answer, or what went wrong


@dataclass
class Burst:
    """What one run at one concurrency produced."""

    concurrency: int
    started: float  # Unix time
    ended: float
    outcomes: list[Outcome] = field(default_factory=list)
    generator_cpu_seconds: float = 0.0  # CPU the sending threads used

    @property
    def seconds(self) -> float:
        return max(self.ended - self.started, 1e-9)


class Endpoint:
    """Where to send: a scoring URI and the headers every request carries."""

    def __init__(self, url: str, headers: dict[str, str] | None = None, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"the load generator speaks plain http to a local endpoint, not {url}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = parts.path or "/"
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.timeout = timeout

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)


def run(
    endpoint: Endpoint,
    bodies: Sequence[bytes],
    concurrency: int,
    seconds: float,
    stop: threading.Event | None = None,
    on_tick: Callable[[int, float], None] | None = None,
) -> Burst:
    """Keep `concurrency` requests in flight for `seconds` (requests under way at the end are
    waited for); the bodies are sent in turn. `on_tick(requests so far, seconds so far)` is called
    about twice a second from the calling thread."""
    if not bodies:
        raise ValueError("no requests to send")
    turn = itertools.count()  # next() on a count is atomic under the GIL
    stop = stop or threading.Event()
    results: list[list[Outcome]] = [[] for _ in range(concurrency)]
    cpu = [0.0] * concurrency
    burst = Burst(concurrency, time.time(), 0.0)
    deadline = time.monotonic() + seconds

    def work(index: int) -> None:
        started_cpu = time.thread_time()
        connection = endpoint.connect()
        mine = results[index]
        try:
            while time.monotonic() < deadline and not stop.is_set():
                connection, outcome = _send(endpoint, connection, bodies[next(turn) % len(bodies)])
                mine.append(outcome)
        finally:
            connection.close()
            cpu[index] = time.thread_time() - started_cpu

    threads = [threading.Thread(target=work, args=(i,), name=f"aml-deploy-load-{i}", daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    for thread in threads:
        while thread.is_alive():
            thread.join(TICK)
            if on_tick is not None:
                on_tick(sum(len(mine) for mine in results), time.monotonic() - began)
    burst.ended = time.time()
    burst.outcomes = sorted((o for mine in results for o in mine), key=lambda o: o.ended)
    burst.generator_cpu_seconds = sum(cpu)
    return burst


def _send(endpoint: Endpoint, connection: http.client.HTTPConnection, body: bytes):
    """(the connection to use next, the outcome). A connection that failed is replaced."""
    started = time.perf_counter()
    try:
        connection.request("POST", endpoint.path, body, endpoint.headers)
        response = connection.getresponse()
        answer = response.read()
    except (OSError, http.client.HTTPException) as err:
        seconds = time.perf_counter() - started
        connection.close()
        what = "timed out" if isinstance(err, socket.timeout) else f"{type(err).__name__}: {err}".rstrip(": ")
        return endpoint.connect(), Outcome(time.time(), seconds, 0, f"no answer ({what})")
    seconds = time.perf_counter() - started
    if response.status >= 400:
        text = answer[:ERROR_TEXT].decode("utf-8", errors="replace").strip()
        return connection, Outcome(time.time(), seconds, response.status, f"HTTP {response.status}: {text}")
    return connection, Outcome(time.time(), seconds, response.status)
