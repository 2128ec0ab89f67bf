"""Issue 12 benchmark: what the endpoint front costs, against calling the deployment's port directly.

    python benchmarks/bench_front.py [--rounds 6] [--requests 500] [--concurrency 8] [--seconds 5] [--update-readme]

The backend is the trivial scoring stand-in of the tests (tests/front/standin.py: Python's
ThreadingHTTPServer answering {"name": ...} at once), published on 127.0.0.1 like a local
deployment's own port; the front is HAProxy in its container, checking a key, drawing the traffic
split and forwarding over the endpoint's Docker network. Both paths go through Docker's port
publishing. Latency: one keep-alive connection, one request at a time, direct and front in
alternating blocks (so that drift of a shared machine hits both). Throughput: `concurrency` clients
(threads, each with its own keep-alive connection) for `seconds`, direct and front alternating, twice.
Needs the Docker engine and the base image (scripts/ensure-docker.sh, scripts/build-base-image.sh).
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from readme import publish  # noqa: E402

from aml_deploy import front  # noqa: E402
from aml_deploy.deploy.local.engine import connect  # noqa: E402
from tests.front.standins import remove_standins, start_standin  # noqa: E402

BODY = b'{"data": [[1, 2]]}'


def one_by_one(port: int, headers: dict, count: int) -> list[float]:
    """Seconds per request, sequential on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for _ in range(count):
        began = time.perf_counter()
        connection.request("POST", "/score", BODY, headers)
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - began)
        if response.status != 200:
            raise RuntimeError(f"status {response.status}")
    connection.close()
    return times


def throughput(port: int, headers: dict, clients: int, seconds: float) -> float:
    """Requests per second answered 200 by `clients` concurrent keep-alive clients."""
    done, stop = [0] * clients, threading.Event()

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while not stop.is_set():
            connection.request("POST", "/score", BODY, headers)
            response = connection.getresponse()
            response.read()
            done[index] += response.status == 200

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - began)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=500, help="per block, per path")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--image", default=None, help="front image (default: the Debian-built fallback)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()

    client = connect()
    image = front.ensure_image(client, image=args.image).tag
    endpoint = f"bench{uuid.uuid4().hex[:8]}"
    try:
        blue = start_standin(client, endpoint, "blue")
        keys = front.Credentials(front.new_key(), front.new_key())
        deployment = front.Deployment("blue", blue.address, 100, limits=front.Limits(max_concurrent=64))
        state = front.start(client, front.Front(endpoint, [deployment], credentials=keys), image)
        direct_headers = {"content-type": "application/json"}
        front_headers = {**direct_headers, "authorization": f"Bearer {keys.primary_key}"}
        paths = {"direct": (blue.port, direct_headers), "front": (state.port, front_headers)}

        for port, headers in paths.values():  # warm up both paths
            one_by_one(port, headers, 200)
        latency = {name: [] for name in paths}
        for _ in range(args.rounds):
            for name, (port, headers) in paths.items():
                latency[name] += one_by_one(port, headers, args.requests)
        rates = {name: [] for name in paths}
        for _ in range(2):
            for name, (port, headers) in paths.items():
                rates[name].append(throughput(port, headers, args.concurrency, args.seconds))
    finally:
        front.remove(client, endpoint)
        remove_standins(client, endpoint)

    p50 = {name: statistics.median(values) * 1000 for name, values in latency.items()}
    p99 = {name: percentile(values, 0.99) * 1000 for name, values in latency.items()}
    rate = {name: statistics.mean(values) for name, values in rates.items()}
    count = args.rounds * args.requests
    rows = [
        "| measure | direct to the deployment | through the front | front adds | target |",
        "|---|---|---|---|---|",
        f"| latency p50 ({count} sequential requests, ms) | {p50['direct']:.3f} | {p50['front']:.3f} | "
        f"{p50['front'] - p50['direct']:+.3f} ms | < 1 ms |",
        f"| latency p99 (ms) | {p99['direct']:.3f} | {p99['front']:.3f} | {p99['front'] - p99['direct']:+.3f} ms | |",
        f"| throughput, {args.concurrency} concurrent clients (req/s) | {rate['direct']:.0f} | {rate['front']:.0f} | "
        f"{rate['front'] / rate['direct']:.2f}x | >= 0.9x |",
    ]
    publish("front", rows, args.update_readme)


if __name__ == "__main__":
    main()
