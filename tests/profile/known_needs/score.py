"""A scoring script whose needs are known, set by environment variables:
PROFILE_HOLD_MB   memory init() allocates and keeps resident;
PROFILE_BURN_MS   CPU time run() burns per request (busy, in this thread);
PROFILE_FAIL_AFTER, PROFILE_FAIL_EVERY   after that many requests, every Nth one raises (fails under load);
PROFILE_INIT_FAIL   when set, init() raises (the deployment never starts)."""

import os
import time

served = 0


def init():
    global ballast
    if os.environ.get("PROFILE_INIT_FAIL"):
        raise RuntimeError("init failed on purpose")
    size = int(os.environ.get("PROFILE_HOLD_MB", "0")) * 1024 * 1024
    ballast = bytearray(size)
    for offset in range(0, size, 4096):  # touch every page, so that it is resident, not just reserved
        ballast[offset] = 1


def run(raw_data):
    global served
    served += 1
    fail_after = int(os.environ.get("PROFILE_FAIL_AFTER", "0"))
    every = int(os.environ.get("PROFILE_FAIL_EVERY", "0"))
    if fail_after and every and served > fail_after and served % every == 0:
        raise RuntimeError(f"out of capacity after {served} requests")
    end = time.thread_time() + float(os.environ.get("PROFILE_BURN_MS", "0")) / 1000
    while time.thread_time() < end:
        pass
    return {"served": served}
