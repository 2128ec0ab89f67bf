"""Issue 15 benchmark: profiling a deployment locally.

    python benchmarks/bench_profile.py [--runs 1] [--update-readme]

(a) the load generator's own ceiling: requests per second it sends against a trivial endpoint (an
    asyncio server in another process answering {} with HTTP/1.1 keep-alive) at concurrency 1, 4
    and 16, and the share of one core it uses; beside it, the same threads with a requests.Session
    each, the alternative the design weighed;
(b) the wall time of a default profile of the sample (start the deployment, warm up, concurrency 1
    to 16 for 10 s each, remove it), against the up to 25 minutes of v1's Model.profile, and the
    sample's best throughput in it, to set beside (a).
Needs the Docker engine and the base image (scripts/ensure-docker.sh, scripts/build-base-image.sh).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aml_deploy.deploy.local import containers, images
from aml_deploy.deploy.local.operations import LocalEndpoints
from aml_deploy.deploy.spec import from_config
from aml_deploy.profiling import ProfileOptions, load
from aml_deploy.profiling.run import profile_deployment
from aml_deploy.registry import Registry
from readme import publish

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "test-fixtures" / "sample"
BODY = b'{"data": [[1, 2]]}'
SECONDS = 3.0
V1_PROFILE_MINUTES = 25  # what Model.profile could take (issue 15)

TRIVIAL_SERVER = r"""
import asyncio, sys
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""
    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1").lower()
            length = int(head.split("content-length:")[1].split("\r\n")[0]) if "content-length:" in head else 0
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            self.transport.write(ANSWER)
async def main():
    server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def generator_ceiling(port: int, concurrency: int) -> tuple[float, float]:
    burst = load.run(load.Endpoint(f"http://127.0.0.1:{port}/score"), [BODY], concurrency, SECONDS)
    assert all(o.error is None for o in burst.outcomes), burst.outcomes[:1]
    return len(burst.outcomes) / burst.seconds, burst.generator_cpu_seconds / burst.seconds


def requests_session_ceiling(port: int, concurrency: int) -> float:
    """The alternative: a requests.Session per thread (urllib3 pooling, keep-alive)."""
    import requests

    counts = [0] * concurrency
    deadline = time.monotonic() + SECONDS

    def work(index: int) -> None:
        session = requests.Session()
        while time.monotonic() < deadline:
            answer = session.post(f"http://127.0.0.1:{port}/score", data=BODY, headers={"Content-Type": "application/json"})
            answer.raise_for_status()
            counts[index] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


def measure_ceiling() -> list[tuple[int, float, float, float]]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", TRIVIAL_SERVER, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        rows = []
        for concurrency in (1, 4, 16):
            rate, cpu = generator_ceiling(port, concurrency)
            rows.append((concurrency, rate, cpu, requests_session_ceiling(port, concurrency)))
        return rows
    finally:
        server.terminate()
        server.wait()


def measure_profile(root: Path, runs: int) -> list[tuple[float, float, float, object]]:
    """(start seconds, whole profile seconds, best throughput, profile) per run of a default profile."""
    results = []
    for _ in range(runs):
        endpoint = f"bench{uuid.uuid4().hex[:6]}"
        folder = root / endpoint
        shutil.copytree(FIXTURE, folder)
        config = folder / "blue-deployment.yml"
        config.write_text(config.read_text().replace("sample-endpoint", endpoint))
        local = LocalEndpoints(registry=Registry(root / "registry"), home=root / "home")
        spec = lambda config=config, folder=folder, local=local: from_config(config, workspace=folder, registry=local.registry)
        images.ensure_image(local.client, spec().environment, ca=local.ca)  # the environment image is cached, as after a first deploy
        marks: dict[str, float] = {}

        def progress(step, marks=marks) -> None:
            if step.message.startswith("Warming up"):
                marks.setdefault("warm", time.monotonic())

        started = time.monotonic()
        try:
            profile = profile_deployment(local, endpoint, "blue", load_spec=spec, options=ProfileOptions(), on_progress=progress)
        finally:
            for container in containers.find(local.client, endpoint):
                container.remove(force=True)
        total = time.monotonic() - started
        results.append((marks["warm"] - started, total, max(level.throughput for level in profile.levels), profile))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1, help="default profiles of the sample (about a minute each)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    ceiling = measure_ceiling()
    with tempfile.TemporaryDirectory() as tmp:
        profiles = measure_profile(Path(tmp), args.runs)
    median = statistics.median
    total = median(p[1] for p in profiles)
    best = max(p[2] for p in profiles)
    last = profiles[-1][3]
    rows = [
        "| load generator against a trivial endpoint | requests/s | share of one core it used | requests.Session per thread, requests/s |",
        "|---|---|---|---|",
        *(f"| concurrency {c} | {rate:,.0f} | {cpu:.0%} | {alternative:,.0f} |" for c, rate, cpu, alternative in ceiling),
        "",
        "| default profile of the sample (5 levels x 10 s) | median (s) | runs |",
        "|---|---|---|",
        f"| start the deployment (environment image cached) | {median(p[0] for p in profiles):.1f} | {len(profiles)} |",
        f"| whole profile: start, warm-up, concurrency 1-16, remove | {total:.1f} | {len(profiles)} |",
        "",
        f"A default profile takes {total:.0f} s (target: under 120 s; v1's Model.profile took up to {V1_PROFILE_MINUTES} minutes). "
        f"The sample's best throughput in it was {best:,.0f} requests/s, "
        f"{min(rate for _c, rate, _cpu, _a in ceiling) / best:.0f}x below the generator's lowest ceiling; the generator used at "
        f"most {max(level.generator_cpu for level in last.levels):.0%} of a core during the profile.",
    ]
    publish("profile", rows, args.update_readme)


if __name__ == "__main__":
    main()
