"""A scoring script that does what each request asks (sleep, fail) and says which deployment served:
the endpoint front's tests drive it."""

import json
import os
import time


def init():
    pass


def run(raw_data):
    request = json.loads(raw_data)
    print(f"scored request {request.get('n')} on {os.environ.get('WHO')}", flush=True)
    if request.get("sleep"):
        time.sleep(float(request["sleep"]))
    if request.get("fail"):
        raise ValueError("asked to fail")
    return {"who": os.environ.get("WHO"), "n": request.get("n")}
