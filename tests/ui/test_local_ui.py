"""Local deployment from a real VS Code: Deploy Locally on the fixture's deployment, from the
Explorer's context menu, ends as Succeeded in the Local Endpoints view (a real Docker engine)."""

import uuid

import pytest

from tests.local.conftest import docker_client  # noqa: F401 - the engine and base image fixture
from tests.local.conftest import remove_containers, rename_sample_endpoint
from tests.ui.conftest import RESULTS

pytestmark = pytest.mark.docker


@pytest.fixture
def endpoint(ui_workspace, docker_client):  # noqa: F811
    name = f"ui{uuid.uuid4().hex[:8]}"
    rename_sample_endpoint(ui_workspace, name)
    yield name
    remove_containers(docker_client, name)


def test_deploy_fixture_shows_succeeded(workbench, endpoint):
    page = workbench
    page.get_by_role("treeitem", name="sample").first.click()
    deployment = page.get_by_role("treeitem", name="blue-deployment.yml").first
    deployment.wait_for(timeout=30_000)
    deployment.click(button="right")
    page.locator(".context-view .action-label", has_text="Deploy Locally").first.click()

    page.get_by_role("tab", name="AML Deploy").first.click()
    succeeded = page.locator(f".monaco-list-row[aria-label='deployment {endpoint}/blue Succeeded']")
    succeeded.wait_for(timeout=300_000)
    assert "port" in succeeded.inner_text()
    page.locator(f".monaco-list-row[aria-label='endpoint {endpoint} Succeeded']").wait_for(timeout=30_000)
    page.screenshot(path=str(RESULTS / "local-endpoint-succeeded.png"))
