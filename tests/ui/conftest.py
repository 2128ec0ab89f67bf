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
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.ui


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def vsix(tmp_path_factory) -> Path:
    require(CODE_SERVER.exists(), "code-server is not installed (run scripts/install-code-server.sh)")
    require(CHROMIUM.exists(), f"Chromium is not at {CHROMIUM} (apt-get install chromium)")
    build = subprocess.run(
        [str(ROOT / "scripts" / "build-vsix.sh")], cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHON": sys.executable}
    )
    assert build.returncode == 0, f"scripts/build-vsix.sh failed:\n{build.stdout[-3000:]}\n{build.stderr[-3000:]}"
    return ROOT / "aml-deploy.vsix"


@pytest.fixture(scope="session")
def registry_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("registry")


@pytest.fixture(scope="session")
def code_server_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("code-server")


@pytest.fixture(scope="session")
def aml_deploy_home(code_server_home) -> Path:
    """Where the extension's server keeps local endpoint state (AML_DEPLOY_HOME)."""
    return code_server_home / "aml-deploy-home"


@pytest.fixture(scope="session")
def code_server(vsix, code_server_home, aml_deploy_home, registry_dir):
    home = code_server_home
    extensions, user_data = home / "extensions", home / "user-data"
    (user_data / "User").mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(
        json.dumps(
            {
                "workbench.startupEditor": "none",
                "security.workspace.trust.enabled": False,
                "telemetry.telemetryLevel": "off",
                "extensions.ignoreRecommendations": True,
                "update.mode": "none",
                "workbench.tips.enabled": False,
                "amlDeploy.python": sys.executable,
                "amlDeploy.registryPath": str(registry_dir),
            }
        )
    )
    config = home / "config.yaml"
    config.write_text("auth: none\n")
    common = [str(CODE_SERVER), "--extensions-dir", str(extensions), "--user-data-dir", str(user_data), "--config", str(config)]
    subprocess.run(common + ["--install-extension", str(vsix), "--force"], check=True, capture_output=True)
    port = _free_port()
    log = open(home / "code-server.log", "w")
    process = subprocess.Popen(
        common
        + [
            "--auth",
            "none",
            "--bind-addr",
            f"127.0.0.1:{port}",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--disable-getting-started-override",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "AML_DEPLOY_REGISTRY": str(registry_dir), "AML_DEPLOY_HOME": str(aml_deploy_home)},
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
    wait_for_server(page)
    yield page
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / f"{request.node.name}-end.png"))
    context.close()


def wait_for_server(page) -> None:
    """Until the status bar says the language server runs: before that, the window may not have loaded the
    extension's menus yet, as a user opening a folder sees for the first second or two."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.statusbar-item')]"
        ".some(e => (e.getAttribute('aria-label') || '').includes('language server running'))",
        timeout=60_000,
    )


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


def open_view(page, name: str) -> None:
    """Show a view through its "Focus on <name> View" command. A click on the activity bar would toggle
    the side bar closed when the container is already showing."""
    run_command(page, f"Focus on {name} View")


def explorer_item(page, *path: str):
    """The Explorer's tree item at `path` (folder names, then the item's own), expanding folders on the way.
    Names match exactly: "model" must not find "model.yml"."""
    for folder in path[:-1]:
        item = page.get_by_role("treeitem", name=folder, exact=True).first
        item.wait_for(timeout=30_000)
        if item.get_attribute("aria-expanded") != "true":
            item.click()
    item = page.get_by_role("treeitem", name=path[-1], exact=True).first
    item.wait_for(timeout=30_000)
    return item


def choose_from_context_menu(page, item, action: str) -> None:
    """Right-click `item` and choose `action`. The menu must close before this returns; otherwise it is
    dismissed and tried again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    menu = page.locator(".context-view .monaco-menu")
    errors = []
    for attempt in range(3):
        item.click(button="right")
        entry = page.locator(".context-view .action-label", has_text=action).first
        try:
            entry.wait_for(timeout=10_000)
            # Hover focuses the entry and Enter runs it: a mouse click can land while the menu still
            # ignores the pointer and leave it open with nothing run.
            entry.hover(timeout=5_000)
            page.keyboard.press("Enter")
            menu.wait_for(state="hidden", timeout=5_000)
            return
        except PlaywrightTimeout as error:
            errors.append(str(error).splitlines()[0])
            RESULTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(RESULTS / f"context-menu-{attempt}.png"))
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {action!r} from the context menu: {errors}")


def wait_for_row(page, label: str, timeout: float):
    """The tree row with this accessible label, once visible. On a timeout the failure says what the views
    and the notifications showed instead, so a CI log alone explains it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    row = page.locator(f".monaco-list-row[aria-label='{label}']")
    try:
        row.wait_for(timeout=timeout)
    except PlaywrightTimeout:
        rows = page.locator(".sidebar .monaco-list-row").evaluate_all("rows => rows.map(r => r.getAttribute('aria-label'))")
        toasts = page.locator(".notifications-toasts, .notifications-center").all_inner_texts()
        raise AssertionError(f"no row {label!r} after {timeout / 1000:.0f} s; side bar rows: {rows}; notifications: {toasts}") from None
    return row
