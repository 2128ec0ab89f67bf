"""What a failed or timed-out start of the inference server is explained as: the user's line when
a traceback passes through their code, else where the start had got to."""

from __future__ import annotations

from pathlib import Path

from aml_deploy.deploy.failures import explain, timed_out_in

STARTED = "I [10] azmlinfsrv.user_script - Invoking user's init function\n"
DONE = "I [10] azmlinfsrv.user_script - Users's init has completed successfully\n"
LATER = "I [9] gunicorn.error - Control socket listening at /root/.gunicorn/gunicorn.ctl\n"


def test_a_timeout_says_where_the_start_had_got_to_not_the_last_log_line():
    assert timed_out_in(STARTED + LATER) == "init() was still running"
    assert timed_out_in(STARTED + DONE + LATER) == "init() returned, but the server did not answer on its port"
    assert timed_out_in("Booting worker with pid: 10\n@@aml-deploy {}\n") == "Booting worker with pid: 10"


def test_a_traceback_through_the_users_code_names_their_line(tmp_path):
    log = (
        STARTED
        + "Traceback (most recent call last):\n"
        + '  File "/opt/env/site-packages/azureml_inference_server_http/user_script.py", line 3, in load\n'
        + '  File "/var/azureml-app/src/score.py", line 12, in init\n'
        + "ValueError: no model\n"
    )
    failure = explain(log, "/var/azureml-app/src", tmp_path)
    assert (failure.message, failure.path, failure.line, failure.function) == ("ValueError: no model", tmp_path / "score.py", 12, "init")
    assert explain(LATER, "/var/azureml-app/src", Path("/x")).path is None
