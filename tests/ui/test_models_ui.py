"""The Models view in a real VS Code: register the fixture model from the Explorer's context menu
and find it, with its version, in the tree."""

import json
import subprocess
import sys

from tests.ui.conftest import RESULTS


def test_register_fixture_model_from_explorer(workbench, registry_dir):
    page = workbench
    page.get_by_role("treeitem", name="sample").first.click()
    folder = page.get_by_role("treeitem", name="model").first
    folder.wait_for(timeout=30_000)
    folder.click(button="right")
    page.locator(".context-view .action-label", has_text="Register Model").first.click()
    name_box = page.locator(".quick-input-box input")
    name_box.wait_for(timeout=30_000)
    assert name_box.input_value() == "model"
    name_box.fill("sample-linear")
    page.keyboard.press("Enter")

    page.get_by_role("tab", name="AML Deploy").first.click()
    version = page.locator(".monaco-list-row[aria-label='sample-linear version 1']")
    version.wait_for(timeout=60_000)
    page.locator(".monaco-list-row[aria-label='model sample-linear']").wait_for(timeout=10_000)
    assert "585 B" in version.inner_text()
    page.screenshot(path=str(RESULTS / "models-view.png"))

    # The same registry from the command line: the editor registered a real version.
    listed = subprocess.run([sys.executable, "-m", "aml_deploy", "model", "--registry", str(registry_dir), "list",
                             "--format", "json"], capture_output=True, text=True, check=True)
    assert [(m["name"], m["version"]) for m in json.loads(listed.stdout)] == [("sample-linear", "1")]
