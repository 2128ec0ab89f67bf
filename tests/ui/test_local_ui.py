"""Local deployment from a real VS Code: Deploy Locally on the fixture's deployment, from the
Explorer's context menu, ends as Succeeded in the Local Endpoints view (a real Docker engine)."""

import os
import subprocess
import sys
import uuid

import pytest

from tests.local.conftest import (
    docker_client,  # noqa: F401 - the engine and base image fixture
    remove_containers,
    rename_sample_endpoint,
)
from tests.ui.conftest import RESULTS, choose_from_context_menu, explorer_item, open_view, wait_for_row

pytestmark = pytest.mark.docker


@pytest.fixture
def endpoint(ui_workspace, docker_client, aml_deploy_home):  # noqa: F811
    name = f"ui{uuid.uuid4().hex[:8]}"
    rename_sample_endpoint(ui_workspace, name)
    yield name
    # Delete it as a user would, so later tests' views do not list it; then whatever a failure left.
    subprocess.run(
        [sys.executable, "-m", "aml_deploy", "online-endpoint", "delete", "--local", "-n", name, "--yes"],
        env={**os.environ, "AML_DEPLOY_HOME": str(aml_deploy_home)},
        capture_output=True,
        check=False,
    )
    remove_containers(docker_client, name)


def test_deploy_fixture_shows_succeeded(workbench, endpoint):
    page = workbench
    choose_from_context_menu(page, explorer_item(page, "sample", "blue-deployment.yml"), "Deploy Locally")

    open_view(page, "Local Endpoints")
    succeeded = wait_for_row(page, f"deployment {endpoint}/blue Succeeded", timeout=300_000)
    assert "port" in succeeded.inner_text()
    endpoint_row = wait_for_row(page, f"endpoint {endpoint} Succeeded", timeout=30_000)
    assert "auth: key" in endpoint_row.inner_text()
    page.screenshot(path=str(RESULTS / "local-endpoint-succeeded.png"))

    # The endpoint's front: give blue all traffic from the view, and see its share there.
    assert "0%" in succeeded.inner_text()
    choose_from_context_menu(page, endpoint_row, "Set Traffic")
    box = page.locator(".quick-input-widget input")
    box.wait_for(timeout=10_000)
    box.fill("blue=100")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "label => [...document.querySelectorAll('.monaco-list-row')].some(r => r.getAttribute('aria-label') === label "
        "&& r.innerText.includes('100%'))",
        arg=f"deployment {endpoint}/blue Succeeded",
        timeout=30_000,
    )
    page.screenshot(path=str(RESULTS / "local-endpoint-traffic.png"))
