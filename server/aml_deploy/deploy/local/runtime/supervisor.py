"""Runs inside the local endpoint's container as its main process (standard library only).

It keeps a warm parent: the inference server's dependencies, the scoring script's third-party
imports, and whatever the last successful worker imported are loaded once. Each start of the
server is a fork of that parent running azureml-inference-server-http under gunicorn, so a
restart after a score.py edit (SIGHUP) pays only for the script itself and its init().

Events for the host are single stdout lines starting with "@@aml-deploy " followed by JSON.
The control file (CONTROL) carries the generation number and the debug port for the next start.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time

STATE = "/tmp/aml-deploy"
CONTROL = os.path.join(STATE, "control.json")
HOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gunicorn_hooks.py")
PORT = 5001

# Imported once in the parent. Not the server's own config-reading modules (routes, config,
# aml_blueprint, entry...): they read the environment when imported.
SERVER_DEPENDENCIES = (
    "flask",
    "flask_cors",
    "werkzeug",
    "jinja2",
    "gunicorn.app.wsgiapp",
    "gunicorn.workers.sync",
    "gunicorn.arbiter",
    "pydantic",
    "pydantic_settings",
    "inference_schema.schema_decorators",
    "azure.monitor.opentelemetry.exporter",
    "opentelemetry.sdk.trace",
    "azureml_inference_server_http.amlserver",
    "azureml_inference_server_http.api.aml_request",
    "azureml_inference_server_http.api.aml_response",
)
NEVER_PRELOAD = ("azureml_inference_server_http.server", "__main__", "debugpy", "pydevd", "_pydevd")

_restart = False
_stop = False


def event(name: str, **fields) -> None:
    # One write of the whole line: print() writes the text and the newline separately, and the
    # server's processes share this stdout, so their line could land in between and hide the event.
    os.write(1, ("@@aml-deploy " + json.dumps({"event": name, "time": time.time(), **fields}) + "\n").encode())


def preload(names) -> int:
    count = 0
    for name in names:
        if not name or name in sys.modules or name.startswith(NEVER_PRELOAD):
            continue
        try:
            importlib.import_module(name)
            count += 1
        except BaseException:  # noqa: BLE001 - a module that does not import here is simply not warm
            pass
    return count


def learned_modules() -> list[str]:
    """Modules the last successful worker imported from installed packages (never user code)."""
    path = os.path.join(STATE, "modules.json")
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return []


def warm_up_from_worker(seen: float) -> float:
    """Import what a ready worker reported using, once per report: the next start is then warm."""
    try:
        changed = os.stat(os.path.join(STATE, "modules.json")).st_mtime
    except OSError:
        return seen
    if changed != seen:
        started = time.monotonic()
        count = preload(learned_modules())
        if count:
            event("warm", modules=count, seconds=round(time.monotonic() - started, 3))
    return changed


def read_control() -> dict:
    try:
        with open(CONTROL) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {"generation": 0}


def start_server(control: dict) -> int:
    """Fork a child that runs the inference server; returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    os.setsid()  # its own process group: stopping it stops gunicorn's worker too
    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    try:
        os.environ["AML_DEPLOY_GENERATION"] = str(control.get("generation", 0))
        if control.get("debug_port"):
            os.environ["AML_DEPLOY_DEBUG_PORT"] = str(control["debug_port"])
            os.environ["WORKER_COUNT"] = "1"  # one process to debug
            os.environ["WORKER_TIMEOUT"] = "0"  # a paused breakpoint must not get the worker killed
            os.environ["SCORING_TIMEOUT_MS"] = str(24 * 3600 * 1000)
        run_inference_server()
    except SystemExit as done:
        os._exit(done.code if isinstance(done.code, int) else 1)
    except BaseException as error:  # noqa: BLE001
        print(f"aml-deploy: the inference server could not start: {error!r}", flush=True)
        os._exit(1)
    os._exit(0)


def run_inference_server() -> None:
    """What `azmlinfsrv --entry_script ... --port 5001` does, with our gunicorn hooks added."""
    from azureml_inference_server_http import amlserver
    from azureml_inference_server_http.constants import PACKAGE_ROOT
    from azureml_inference_server_http.log_config import load_logging_config

    script = os.path.join(os.environ["AML_APP_ROOT"], os.environ["AZUREML_ENTRY_SCRIPT"])
    sys.argv = ["azmlinfsrv", "--entry_script", script, "--port", str(PORT)]
    args = amlserver.parse_arguments()
    load_logging_config(PACKAGE_ROOT)
    amlserver.merge_configuration(args)
    amlserver.validate_environment_variables()
    amlserver.set_path_variable()
    amlserver.print_server_info()
    amlserver.print_server_settings()

    import gunicorn.app.wsgiapp

    sys.argv = [
        "gunicorn",
        "-c",
        HOOKS,
        "-b",
        f"0.0.0.0:{PORT}",
        "-w",
        os.environ.get("WORKER_COUNT", "1"),
        "--timeout",
        os.environ.get("WORKER_TIMEOUT", "300"),
        "--access-logfile",
        "-",
        "--error-logfile",
        "/dev/null",
        "azureml_inference_server_http.server.entry:app",
    ]
    gunicorn.app.wsgiapp.WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()


def stop(pid: int, grace: float = 10.0) -> int | None:
    """Stop the child's whole process group; its exit status, or None if it was already gone."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.02)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return os.waitpid(pid, 0)[1]


def on_hangup(signum, frame) -> None:
    global _restart
    _restart = True


def on_terminate(signum, frame) -> None:
    global _stop
    _stop = True


def main() -> None:
    os.makedirs(STATE, exist_ok=True)
    signal.signal(signal.SIGHUP, on_hangup)
    signal.signal(signal.SIGTERM, on_terminate)
    signal.signal(signal.SIGINT, on_terminate)
    started = time.monotonic()
    warm = preload(SERVER_DEPENDENCIES) + preload(os.environ.get("AML_DEPLOY_PRELOAD", "").split(","))
    event("warm", modules=warm, seconds=round(time.monotonic() - started, 3))
    global _restart
    child = None
    learned_at = 0.0
    while not _stop:
        control = read_control()
        generation = control.get("generation", 0)
        learned_at = warm_up_from_worker(learned_at)  # while the server runs, this process is idle
        if child is None:
            child = start_server(control)
            event("starting", generation=generation, pid=child, debug_port=control.get("debug_port"))
        try:
            done, status = os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            done, status = child, 0
        if done:
            event("exited", generation=generation, code=os.waitstatus_to_exitcode(status))
            child = None
            while not (_restart or _stop):  # wait for a fix (an update sends SIGHUP)
                time.sleep(0.05)
        if _restart:
            _restart = False
            if child is not None:
                stop(child)
                event("stopped", generation=generation)
                child = None
        time.sleep(0.02)
    if child is not None:
        stop(child)
    event("shutdown")


if __name__ == "__main__":
    main()
