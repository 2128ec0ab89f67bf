"""The Kubernetes client packages are an extra (aml-deploy[kubernetes]): without them the server,
the checks and every other command work, and publishing to Kubernetes says how to add them."""

from __future__ import annotations

import subprocess
import sys

WITHOUT_KUBERNETES = """
import sys
for name in ("kubernetes", "kubernetes_validate"):
    sys.modules[name] = None  # as if not installed
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_KUBERNETES + code], capture_output=True, text=True, timeout=120)


def test_the_server_and_the_command_line_start_without_the_kubernetes_packages():
    done = _run("""
from aml_deploy.lsp.server import create_server
from aml_deploy.cli.program import _parser
create_server()
_parser().parse_args(["online-endpoint", "list", "--local"])
print("started")
""")
    assert done.returncode == 0 and "started" in done.stdout, done.stderr


def test_publishing_to_kubernetes_without_them_says_how_to_add_them():
    done = _run("""
from aml_deploy.deploy.targets import get_target
from aml_deploy.errors import AmlDeployError
try:
    get_target("kubernetes")
except AmlDeployError as err:
    print("refused:", err)
""")
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and "pip install 'aml-deploy[kubernetes]'" in done.stdout
