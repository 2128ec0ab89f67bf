"""The Models view in a real VS Code: register the fixture model from the Explorer's context menu
and find it, with its version, in the tree."""

import json
import subprocess
import sys

from tests.ui.conftest import RESULTS, choose_from_context_menu, explorer_item, open_view, wait_for_row


def test_register_fixture_model_from_explorer(workbench, registry_dir):
    page = workbench
    choose_from_context_menu(page, explorer_item(page, "sample", "model"), "Register Model")
    name_box = page.locator(".quick-input-box input")
    name_box.wait_for(timeout=30_000)
    assert name_box.input_value() == "model"
    name_box.fill("sample-linear")
    name_box.press("Enter")
    for question in ("version (optional)", "description (optional)", "tags (optional)"):  # each left empty
        page.locator(".quick-input-widget", has_text=question).wait_for(timeout=10_000)
        name_box.press("Enter")
    page.locator(".notifications-toasts", has_text="Registered azureml:sample-linear:1 (585 B)").wait_for(timeout=60_000)

    open_view(page, "Models")
    version = wait_for_row(page, "sample-linear version 1", timeout=60_000)
    wait_for_row(page, "model sample-linear", timeout=10_000)
    assert "585 B" in version.inner_text()
    page.screenshot(path=str(RESULTS / "models-view.png"))

    # The same registry from the command line: the editor registered a real version.
    listed = subprocess.run(
        [sys.executable, "-m", "aml_deploy", "model", "--registry", str(registry_dir), "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert [(m["name"], m["version"]) for m in json.loads(listed.stdout)] == [("sample-linear", "1")]
