"""Helpers shared by the test suites."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "test-fixtures"
SHARED = Path(os.environ.get("AML_DEPLOY_SHARED", ROOT.parent / "shared"))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, message: str) -> None:
    """Skip with `message` when a prerequisite is missing; in CI a missing prerequisite fails."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"prerequisite missing in CI: {message}")
    pytest.skip(message)


def docker_engine():
    """A docker-py client once the engine runs and the offline base image exists (skip, or fail in CI, without)."""
    engine = subprocess.run([str(ROOT / "scripts" / "ensure-docker.sh")], capture_output=True, text=True)
    require(engine.returncode == 0, f"no Docker engine: {engine.stderr.strip()}")
    base = subprocess.run([str(ROOT / "scripts" / "build-base-image.sh")], capture_output=True, text=True)
    require(base.returncode == 0, f"no base image: {base.stderr.strip()}")
    import docker

    return docker.from_env(timeout=300)


def load_script(name: str) -> ModuleType:
    """A Python helper under scripts/ (not a package) imported as module `name`."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def wait_until(condition: Callable[[], bool], deadline_s: float = 30) -> None:
    """Wait for `condition` (polled every 50 ms) or the deadline. Tests that run load while something
    changes wait for request counts this way, not for fixed times: a busy machine then makes them
    slower, not wrong; the test's assertions say what was missing after the deadline."""
    deadline = time.monotonic() + deadline_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
