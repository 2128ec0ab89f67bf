"""The load generator against a real HTTP server in this process, and the arithmetic on the
Docker engine's stats: CPU between two moments, the working set, CPU per request."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aml_deploy.profiling import load
from aml_deploy.profiling.report import cpu_per_request, summarize
from aml_deploy.profiling.stats import Sample, cpu_between, parse, working_set


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the generator expects

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status, answer = (500, b"boom: " + body) if b"fail" in body else (200, b"{}")
        self.send_response(status)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/score"
    httpd.shutdown()
    httpd.server_close()


def test_the_generator_sends_the_bodies_in_turn_and_records_each_answer(server):
    burst = load.run(load.Endpoint(server), [b'{"ok": 1}', b'{"fail": 1}'], 2, 0.5)
    statuses = [o.status for o in burst.outcomes]
    assert len(statuses) > 20 and set(statuses) == {200, 500}
    assert abs(statuses.count(200) - statuses.count(500)) <= 2  # the two bodies alternate across both threads
    failed = next(o for o in burst.outcomes if o.status == 500)
    assert failed.error == 'HTTP 500: boom: {"fail": 1}'
    assert all(o.error is None for o in burst.outcomes if o.status == 200)
    assert 0.5 <= burst.seconds < 1.5 and burst.generator_cpu_seconds > 0
    level = summarize(burst, [])
    assert level.errors == statuses.count(500) and level.first_error.startswith("HTTP 500")
    assert level.throughput == pytest.approx(statuses.count(200) / burst.seconds, rel=0.01)
    assert level.cpu_cores is None  # no engine samples: not made up


def test_no_answer_is_an_error_with_status_0():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    burst = load.run(load.Endpoint(f"http://127.0.0.1:{port}/score", timeout=1), [b"{}"], 1, 0.2)
    assert burst.outcomes and all(o.status == 0 and o.error.startswith("no answer (ConnectionRefusedError") for o in burst.outcomes)


def test_a_stop_ends_the_level_early(server):
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    load.run(load.Endpoint(server), [b"{}"], 4, 10.0, stop)
    assert time.monotonic() - started < 2


def test_only_local_http_is_spoken():
    with pytest.raises(ValueError, match="plain http"):
        load.Endpoint("https://example.com/score")


STATS = {
    "read": "2026-12-02T14:47:39.500000000Z",
    "cpu_stats": {"cpu_usage": {"total_usage": 2_500_000_000}},
    "memory_stats": {"usage": 300 * 2**20, "stats": {"total_inactive_file": 20 * 2**20}},
}


def test_an_engine_sample_is_read_as_docker_stats_shows_it():
    sample = parse(STATS)
    assert sample.cpu_seconds == 2.5 and sample.memory_bytes == 280 * 2**20
    assert sample.time == pytest.approx(1796222859.5)
    assert working_set({"usage": 100, "stats": {"inactive_file": 30}}) == 70  # cgroup v2
    assert working_set({"usage": 100, "stats": {"inactive_file": 300}}) == 100
    assert parse({"read": "0001-01-01T00:00:00Z", "cpu_stats": {"cpu_usage": {"total_usage": 0}}, "memory_stats": {}}) is None


def test_cpu_between_two_moments_interpolates_the_cumulative_cpu():
    samples = [Sample(100.0, 10.0, 1), Sample(101.0, 10.5, 1), Sample(102.0, 11.5, 1)]
    assert cpu_between(samples, 100.5, 101.5) == pytest.approx(0.75)  # 10.25 -> 11.0
    assert cpu_between(samples, 100.0, 102.0) == pytest.approx(1.5)
    assert cpu_between(samples, 99.0, 101.0) is None  # not covered by samples: unknown, not guessed


def test_cpu_per_request_counts_the_answers_between_the_same_two_samples():
    burst = load.Burst(
        1, 100.0, 104.0, [load.Outcome(100.5 + i * 0.5, 0.1, 200) for i in range(7)] + [load.Outcome(103.9, 0.1, 500, "HTTP 500: x")]
    )
    samples = [Sample(99.5, 0.0, 1), Sample(101.0, 1.0, 1), Sample(103.0, 2.2, 1), Sample(104.5, 3.0, 1)]
    # inside the level: the samples at 101 and 103; answers that ended in (101, 103]: 101.5, 102, 102.5, 103
    assert cpu_per_request([burst], samples) == pytest.approx(1.2 / 4)
