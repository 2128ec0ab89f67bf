"""Issue 12 benchmark: what the endpoint front costs, against calling the deployment's port directly.

    python benchmarks/bench_front.py [--requests 3000] [--rounds 3] [--concurrency 8] [--seconds 5] [--update-readme]
    python benchmarks/bench_front.py --sample [--update-readme]     # the sample, deployed as a user deploys it

The backend is the trivial scoring stand-in of the tests (tests/front/standin.py: Python's
ThreadingHTTPServer answering {"name": ...} at once), published on 127.0.0.1 like a local
deployment's own port; the front is HAProxy in its container, checking a key, drawing the traffic
split and forwarding over the endpoint's Docker network. Both paths go through Docker's port
publishing. Latency: one request at a time, alternating direct and front request by request (each
path on its own keep-alive connection), so that drift of a shared machine hits both alike.
Throughput: `concurrency` clients (threads, each with its own keep-alive connection) for `seconds`,
direct and front alternating, `rounds` times; once with the trivial backend, once with a scoring call
that takes 5 ms. CPU per request: the containers' processes, read from /proc (local engine only).
With --sample: the sample deployment (the real inference server and scikit-learn model) deployed
through the product as a local endpoint with its front; the same latency and throughput comparison
(4 clients, max_concurrent_requests_per_instance 4), and the score.py edit to the first correct
answer read through the front, with the key.
Needs the Docker engine and the base image (scripts/ensure-docker.sh, scripts/build-base-image.sh).
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from aml_deploy import front  # noqa: E402
from aml_deploy.deploy.local.engine import connect  # noqa: E402
from readme import publish  # noqa: E402
from tests.front.standins import remove_standins, start_standin  # noqa: E402

BODY = b'{"data": [[1, 2]]}'
SCORING_MS = 5  # a second throughput run with a scoring call that takes this long (the stand-in sleeps)


def paired(paths: dict[str, tuple[int, dict]], count: int) -> dict[str, list[float]]:
    """Seconds per request on each path, one request at a time, alternating between the paths
    request by request (each on its own keep-alive connection), so that whatever else the machine
    does hits both alike."""
    connections = {name: http.client.HTTPConnection("127.0.0.1", port, timeout=10) for name, (port, _) in paths.items()}
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(count):
        for name, (_, headers) in paths.items():
            began = time.perf_counter()
            connections[name].request("POST", "/score", BODY, headers)
            response = connections[name].getresponse()
            response.read()
            times[name].append(time.perf_counter() - began)
            if response.status != 200:
                raise RuntimeError(f"{name}: status {response.status}")
    for connection in connections.values():
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


def cpu_seconds(container) -> float | None:
    """CPU time (user + system) of a container's processes so far; None where /proc cannot show
    them (a remote engine)."""
    try:
        titles = container.top()["Titles"]
        pids = [row[titles.index("PID")] for row in container.top()["Processes"]]
        ticks = sum(int(field) for pid in pids for field in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, KeyError):
        return None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def sample_rows(args) -> list[str]:
    """The sample behind its front, as `online-deployment create --local --all-traffic` leaves it."""
    import tempfile

    import requests

    from aml_deploy.deploy.local.operations import LocalEndpoints
    from aml_deploy.deploy.spec import from_config
    from aml_deploy.registry import Registry
    from bench_local import scale_in_script, workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        endpoint = f"benchf{uuid.uuid4().hex[:6]}"
        folder = workspace(root, endpoint)
        deployment_file = folder / "blue-deployment.yml"
        deployment_file.write_text(deployment_file.read_text() + "request_settings:\n  max_concurrent_requests_per_instance: 4\n")
        local = LocalEndpoints(registry=Registry(root / "registry"), home=root / "home")
        try:
            local.create_endpoint(folder / "endpoint.yml")
            state = local.deploy(from_config(deployment_file, workspace=root, registry=local.registry), timeout=300)
            assert state.state == "Succeeded", state.log_excerpt
            local.set_traffic(endpoint, {"blue": 100})
            shown = local.show_endpoint(endpoint)
            key = local.get_credentials(endpoint)["primaryKey"]
            front_port = int(shown["scoring_uri"].split(":")[2].split("/")[0])
            direct_headers = {"content-type": "application/json"}
            front_headers = {**direct_headers, "authorization": f"Bearer {key}"}
            paths = {"direct": (state.port, direct_headers), "front": (front_port, front_headers)}
            paired(paths, 50)
            latency = paired(paths, min(args.requests, 1000))
            rates = {name: [] for name in paths}
            for _ in range(args.rounds):
                for name, (port, headers) in paths.items():
                    rates[name].append(throughput(port, headers, 4, args.seconds))
            deployment_file.write_text(
                deployment_file.read_text().replace("request_settings:\n  max_concurrent_requests_per_instance: 4\n", "")
            )  # the sample as it ships
            local.deploy(from_config(deployment_file, workspace=root, registry=local.registry))
            loops = []
            for run in range(5):
                expected = scale_in_script(folder, run + 2)
                started = time.monotonic()
                updated = local.deploy(from_config(deployment_file, workspace=root, registry=local.registry))
                assert updated.restarted_in_place and updated.state == "Succeeded", updated.log_excerpt
                while time.monotonic() - started < 60:
                    answer = requests.post(shown["scoring_uri"], json={"data": [[1, 2]]}, headers=front_headers, timeout=5)
                    if answer.status_code == 200 and answer.json() == [expected]:
                        break
                    time.sleep(0.01)
                loops.append(time.monotonic() - started)
        finally:
            local.delete_endpoint(endpoint)
    p50 = {name: statistics.median(values) * 1000 for name, values in latency.items()}
    p99 = {name: percentile(values, 0.99) * 1000 for name, values in latency.items()}
    rate = {name: statistics.mean(values) for name, values in rates.items()}
    return [
        "",
        "The sample (scikit-learn behind the real inference server), deployed as a user deploys it:",
        "",
        "| measure | direct to the deployment | through the front | front adds | target |",
        "|---|---|---|---|---|",
        f"| latency p50 (ms) | {p50['direct']:.3f} | {p50['front']:.3f} | {p50['front'] - p50['direct']:+.3f} ms | < 1 ms |",
        f"| latency p99 (ms) | {p99['direct']:.3f} | {p99['front']:.3f} | {p99['front'] - p99['direct']:+.3f} ms | |",
        f"| throughput, 4 concurrent clients (req/s) | {rate['direct']:.0f} | {rate['front']:.0f} | "
        f"{rate['front'] / rate['direct']:.2f}x | >= 0.9x |",
        f"| score.py edit to the first correct answer through the front (s, median of 5) | | {statistics.median(loops):.2f} | | < 2 s |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000, help="sequential requests on each path")
    parser.add_argument("--rounds", type=int, default=3, help="throughput runs of each kind")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--image", default=None, help="front image (default: the Debian-built fallback)")
    parser.add_argument("--sample", action="store_true", help="the sample deployed through the product instead")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    if args.sample:
        publish("front-sample", sample_rows(args), args.update_readme)
        return

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

        paired(paths, 200)  # warm up both paths
        latency = paired(paths, args.requests)
        containers = {"front": client.containers.get(state.container), "direct": blue.container}
        rates = {(name, sleep): [] for name in paths for sleep in (0, SCORING_MS)}
        cpu = {name: [0.0, 0] for name in paths}  # seconds, requests
        for _ in range(args.rounds):
            for sleep in (0, SCORING_MS):
                for name, (port, headers) in paths.items():
                    headers = {**headers, "x-standin-sleep": str(sleep / 1000)} if sleep else headers
                    before = cpu_seconds(containers[name])
                    rate = throughput(port, headers, args.concurrency, args.seconds)
                    after = cpu_seconds(containers[name])
                    rates[(name, sleep)].append(rate)
                    if not sleep and before is not None and after is not None:
                        cpu[name][0] += after - before
                        cpu[name][1] += rate * args.seconds
    finally:
        front.remove(client, endpoint)
        remove_standins(client, endpoint)

    p50 = {name: statistics.median(values) * 1000 for name, values in latency.items()}
    p99 = {name: percentile(values, 0.99) * 1000 for name, values in latency.items()}
    rate = {key: statistics.mean(values) for key, values in rates.items()}
    per_request = {name: f"{1e6 * seconds / count:.0f} µs" if count else "n/a" for name, (seconds, count) in cpu.items()}
    count = args.requests
    rows = [
        "| measure | direct to the deployment | through the front | front adds | target |",
        "|---|---|---|---|---|",
        f"| latency p50 ({count} sequential requests, ms) | {p50['direct']:.3f} | {p50['front']:.3f} | "
        f"{p50['front'] - p50['direct']:+.3f} ms | < 1 ms |",
        f"| latency p99 (ms) | {p99['direct']:.3f} | {p99['front']:.3f} | {p99['front'] - p99['direct']:+.3f} ms | |",
        f"| throughput, {args.concurrency} concurrent clients (req/s) | {rate[('direct', 0)]:.0f} | "
        f"{rate[('front', 0)]:.0f} | {rate[('front', 0)] / rate[('direct', 0)]:.2f}x | >= 0.9x |",
        f"| throughput, {args.concurrency} clients, scoring that takes {SCORING_MS} ms (req/s) | "
        f"{rate[('direct', SCORING_MS)]:.0f} | {rate[('front', SCORING_MS)]:.0f} | "
        f"{rate[('front', SCORING_MS)] / rate[('direct', SCORING_MS)]:.2f}x | |",
        f"| CPU per request: the trivial backend / HAProxy | {per_request['direct']} | {per_request['front']} | | |",
    ]
    publish("front", rows, args.update_readme)


if __name__ == "__main__":
    main()
