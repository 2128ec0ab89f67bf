"""Breakpoint debugging of score.py in the local endpoint, with a real DAP client over TCP."""

from __future__ import annotations

import threading

import pytest
import requests

from aml_deploy.deploy.spec import from_config
from tests.local.dap import DapClient


def line_of(path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize("restart_in_place", [False, True], ids=["create", "update"])
def test_breakpoints_in_init_and_run(local, workspace, restart_in_place):
    deployment = workspace / "sample" / "blue-deployment.yml"
    if restart_in_place:  # debugging an endpoint that already runs: the same container restarts its server
        normal = local.deploy(from_config(deployment, workspace=workspace, registry=local.registry), timeout=300)
        assert normal.state == "Succeeded", normal.log_excerpt
    state = local.deploy(from_config(deployment, workspace=workspace, registry=local.registry), debug=True, timeout=300)
    assert state.state == "WaitingForDebugger", state.log_excerpt
    assert state.restarted_in_place is restart_in_place
    configuration = state.debug_configuration
    script = workspace / "sample" / "src" / "score.py"
    assert configuration["type"] == "debugpy" and configuration["request"] == "attach"
    assert configuration["connect"] == {"host": "127.0.0.1", "port": state.debug_port}
    assert configuration["pathMappings"] == [{"localRoot": str(script.parent), "remoteRoot": "/var/azureml-app/src"}]

    init_line, run_line = line_of(script, "joblib.load"), line_of(script, "numpy.array")
    debugger = DapClient("127.0.0.1", state.debug_port)
    try:
        debugger.attach(configuration, {str(script): [init_line, run_line]})
        stopped = debugger.wait_event("stopped")
        frame = debugger.top_frame(stopped["body"]["threadId"])
        assert (frame["source"]["path"], frame["line"], frame["name"]) == (str(script), init_line, "init")
        debugger.request("continue", {"threadId": stopped["body"]["threadId"]})

        ready = local.wait_ready(state.endpoint, state.deployment, timeout=120)
        assert ready.state == "Succeeded"
        result: dict = {}
        request = threading.Thread(
            target=lambda: result.update(response=requests.post(ready.scoring_uri, json={"data": [[1, 2]]}, timeout=120))
        )
        request.start()
        stopped = debugger.wait_event("stopped")
        frame = debugger.top_frame(stopped["body"]["threadId"])
        assert (frame["source"]["path"], frame["line"], frame["name"]) == (str(script), run_line, "run")
        debugger.request("continue", {"threadId": stopped["body"]["threadId"]})
        request.join(120)
        assert result["response"].status_code == 200 and result["response"].json() == [9.0]
    finally:
        debugger.close()
