"""A real VS Code (code-server 4.100.3) in a real browser (Debian's Chromium, driven by Playwright),
with the extension installed from the .vsix that scripts/build-vsix.sh builds."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import FIXTURES, ROOT, require

CODE_SERVER = ROOT / "tests" / "ui" / "node_modules" / ".bin" / "code-server"
CHROMIUM = Path(os.environ.get("AML_DEPLOY_CHROMIUM", "/usr/bin/chromium"))
RESULTS = ROOT / "test-results" / "ui"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.ui


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def vsix(tmp_path_factory) -> Path:
    require(CODE_SERVER.exists(), "code-server is not installed (run scripts/install-code-server.sh)")
    require(CHROMIUM.exists(), f"Chromium is not at {CHROMIUM} (apt-get install chromium)")
    build = subprocess.run([str(ROOT / "scripts" / "build-vsix.sh")], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHON": sys.executable})
    assert build.returncode == 0, f"scripts/build-vsix.sh failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    return ROOT / "aml-deploy.vsix"


@pytest.fixture(scope="session")
def registry_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("registry")


@pytest.fixture(scope="session")
def code_server(vsix, tmp_path_factory, registry_dir):
    home = tmp_path_factory.mktemp("code-server")
    extensions, user_data = home / "extensions", home / "user-data"
    (user_data / "User").mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(json.dumps({
        "workbench.startupEditor": "none",
        "security.workspace.trust.enabled": False,
        "telemetry.telemetryLevel": "off",
        "extensions.ignoreRecommendations": True,
        "update.mode": "none",
        "workbench.tips.enabled": False,
        "amlDeploy.python": sys.executable,
        "amlDeploy.registryPath": str(registry_dir),
    }))
    config = home / "config.yaml"
    config.write_text("auth: none\n")
    common = [str(CODE_SERVER), "--extensions-dir", str(extensions), "--user-data-dir", str(user_data), "--config", str(config)]
    subprocess.run(common + ["--install-extension", str(vsix), "--force"], check=True, capture_output=True)
    port = _free_port()
    log = open(home / "code-server.log", "w")
    process = subprocess.Popen(
        common + ["--auth", "none", "--bind-addr", f"127.0.0.1:{port}", "--disable-telemetry", "--disable-update-check",
                  "--disable-workspace-trust", "--disable-getting-started-override"],
        stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "AML_DEPLOY_REGISTRY": str(registry_dir), "AML_DEPLOY_HOME": str(home / "aml-deploy-home")},
    )
    deadline = time.monotonic() + 60
    while "HTTP server listening on" not in (home / "code-server.log").read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("code-server did not start:\n" + (home / "code-server.log").read_text())
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def ui_workspace(tmp_path) -> Path:
    root = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, root)
    return root


@pytest.fixture
def workbench(browser, code_server, ui_workspace, request):
    """A page with VS Code open on a fresh copy of test-fixtures/."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.goto(f"{code_server}/?folder={ui_workspace}")
    page.wait_for_selector(".monaco-workbench", timeout=60_000)
    page.wait_for_selector(".statusbar", timeout=60_000)
    yield page
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / f"{request.node.name}-end.png"))
    context.close()


def run_command(page, title: str) -> None:
    """Run a command from the palette by its title."""
    for _ in range(3):
        page.keyboard.press("Control+Shift+P")
        box = page.locator(".quick-input-box input")
        try:
            box.wait_for(timeout=5_000)
        except Exception:  # noqa: BLE001 - retried
            page.keyboard.press("Escape")
            continue
        box.fill(">" + title)
        row = page.locator(".quick-input-list .monaco-list-row", has_text=title).first
        try:
            row.wait_for(timeout=5_000)
        except Exception:  # noqa: BLE001 - retried
            page.keyboard.press("Escape")
            continue
        row.click()
        return
    raise AssertionError(f"command not found in the palette: {title}")
