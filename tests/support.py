"""Helpers shared by the test suites."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

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
    """A docker client for a running engine with the offline base image (both started or built when
    missing); skips (fails in CI) when that cannot be done."""
    engine = subprocess.run([str(ROOT / "scripts" / "ensure-docker.sh")], capture_output=True, text=True)
    require(engine.returncode == 0, f"no Docker engine: {engine.stderr.strip()}")
    base = subprocess.run([str(ROOT / "scripts" / "build-base-image.sh")], capture_output=True, text=True)
    require(base.returncode == 0, f"no base image: {base.stderr.strip()}")
    import docker

    return docker.from_env(timeout=300)
