"""gunicorn hooks of the local endpoint's server (runs in the container; standard library only)."""

import json
import os
import sys
import time

STATE = "/tmp/aml-deploy"
_USER_ROOTS = tuple(p for p in (os.environ.get("AML_APP_ROOT"), os.environ.get("AZUREML_MODEL_DIR")) if p)


def _event(name, **fields):
    # One write of the whole line, straight to the container's stdout (not through the server's
    # print hook): the supervisor and gunicorn write there too, and a line of theirs must not split it.
    generation = int(os.environ.get("AML_DEPLOY_GENERATION", "0"))
    line = "@@aml-deploy " + json.dumps({"event": name, "time": time.time(), "generation": generation, **fields}) + "\n"
    os.write(1, line.encode())


def post_fork(server, worker):
    """In the worker, before the app (and the user's init()) loads: wait for the debugger."""
    port = os.environ.get("AML_DEPLOY_DEBUG_PORT")
    if not port:
        return
    import debugpy

    debugpy.listen(("0.0.0.0", int(port)))
    _event("waiting-for-debugger", port=int(port))
    debugpy.wait_for_client()
    _event("debugger-attached")


def post_worker_init(worker):
    """The app loaded and init() returned: tell the host, and remember what was imported so that
    the next start of the server finds it already loaded."""
    learned = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None) or ""
        if path and not (_USER_ROOTS and path.startswith(_USER_ROOTS)):
            learned.append(name)
    try:
        with open(os.path.join(STATE, "modules.json.tmp"), "w") as handle:
            json.dump(sorted(learned), handle)
        os.replace(os.path.join(STATE, "modules.json.tmp"), os.path.join(STATE, "modules.json"))
    except OSError:
        pass
    _event("ready", pid=os.getpid())
