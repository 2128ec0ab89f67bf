"""scripts/build-base-image.sh says which mirror it tried and what debootstrap said when the build fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest

from tests.support import ROOT, require

pytestmark = pytest.mark.docker


def test_unreachable_mirror_is_named_with_debootstraps_error():
    engine = subprocess.run([str(ROOT / "scripts" / "ensure-docker.sh")], capture_output=True, text=True)
    require(engine.returncode == 0, f"no Docker engine: {engine.stderr.strip()}")
    require(shutil.which("debootstrap") is not None and os.geteuid() == 0, "debootstrap needs to be installed and run as root")
    tag = f"aml-deploy-test-{uuid.uuid4().hex[:8]}/base:bookworm"
    env = {**os.environ, "AML_DEPLOY_BASE_TAG": tag, "AML_DEPLOY_DEBIAN_MIRROR": "http://127.0.0.1:9/debian"}
    result = subprocess.run(
        [str(ROOT / "scripts" / "build-base-image.sh"), tag],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "debootstrap could not build Debian bookworm from http://127.0.0.1:9/debian (from AML_DEPLOY_DEBIAN_MIRROR)" in result.stderr
    assert "Failed getting release file http://127.0.0.1:9/debian/dists/bookworm/Release" in result.stderr
    assert subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode != 0
