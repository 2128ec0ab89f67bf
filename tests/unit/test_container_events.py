"""The events the local endpoint's container reports (ready, exited, ...) are read even when another
process's output shares their line, and the runtime writes each one in one piece."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from aml_deploy.deploy.local import containers
from aml_deploy.deploy.local.containers import RUNTIME, parse_events, server_output

READY = '@@aml-deploy {"event": "ready", "time": 2.0, "generation": 7, "pid": 9}'
WARM = '@@aml-deploy {"event": "warm", "time": 2.1, "modules": 2, "seconds": 0.003}'


def test_an_event_another_line_landed_in_is_still_read():
    # What print() in the supervisor could produce: its text, the worker's whole line, then its newline.
    mixed = WARM + "2026-12-02 21:54:39,204 I [9] azmlinfsrv.print - " + READY
    assert [e["event"] for e in parse_events(mixed)] == ["warm", "ready"]
    assert parse_events("init() printed this without a newline" + READY)[0]["pid"] == 9


def test_server_output_keeps_the_text_around_events_and_drops_lines_of_events_only():
    lines = [READY, "loading the model..." + WARM, "@@aml-deploy not json, printed by a user", WARM + READY, "done"]
    assert server_output(lines) == ["loading the model...", "@@aml-deploy not json, printed by a user", "done"]
    assert containers.excerpt(lines, 2) == "@@aml-deploy not json, printed by a user\ndone"


def test_the_runtime_writes_each_event_in_one_piece_while_others_write_the_same_stdout():
    """The supervisor's and the worker's events and gunicorn's log lines go to one pipe from three
    processes, as in the container (python -u: every write is a system call). No event may be split."""
    count = 3000
    writers = {
        "supervisor": f"import supervisor\nfor n in range({count}): supervisor.event('warm', n=n)",
        "worker": f"import gunicorn_hooks\nfor n in range({count}): gunicorn_hooks._event('ready', n=n)",
        "gunicorn": f"import os\nfor n in range({count}): os.write(1, b'2026-12-02 21:54:39,204 I [8] gunicorn.error - line %d\\n' % n)",
    }
    reader, writer = os.pipe()
    processes = [subprocess.Popen([sys.executable, "-u", "-c", code], cwd=RUNTIME, stdout=writer) for code in writers.values()]
    os.close(writer)
    with open(reader, encoding="utf-8") as stream:
        lines = stream.read().splitlines()
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0]
    events = [event for line in lines for event in parse_events(line)]
    assert sorted(e["n"] for e in events if e["event"] == "warm") == list(range(count))
    assert sorted(e["n"] for e in events if e["event"] == "ready") == list(range(count))
    whole = [line for line in lines if line.startswith("@@aml-deploy ")]
    assert all(json.loads(line[len("@@aml-deploy ") :]) for line in whole) and len(whole) == 2 * count
