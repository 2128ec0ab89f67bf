"""A new user's first deployment in a real VS Code: a blank file becomes a deployment through
completion and snippets alone (the `$schema` line survives, keys come on the empty last line), the
file validates clean, and the hover for `model` reads as written (`azureml:<name>:<version>`)."""

import subprocess
import sys
import time

from tests.ui.conftest import RESULTS, run_command

SHOTS = RESULTS / "first-day"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def suggestion(page, label: str):
    """The suggest widget's focused row, once it is the one labelled `label`."""
    row = page.locator(".suggest-widget .monaco-list-row.focused", has_text=label)
    row.first.wait_for(timeout=30_000)
    return row


def test_new_deployment_from_a_blank_file(workbench, ui_workspace):
    page = workbench
    path = ui_workspace / "sample" / "new-deployment.yml"
    path.write_text("")
    run_command(page, "Go to File...")
    page.keyboard.type("new-deployment.yml")
    page.locator(".quick-input-list .monaco-list-row", has_text="new-deployment.yml").first.wait_for(timeout=30_000)
    page.keyboard.press("Enter")
    editor = page.locator(".monaco-editor .view-lines").first
    editor.wait_for(timeout=30_000)
    editor.click()

    # The whole-file snippet, chosen from completion.
    page.keyboard.press("Control+Space")
    page.locator(".suggest-widget .monaco-list-row", has_text="$schema").first.wait_for(timeout=30_000)
    shot(page, "01-blank-file-suggestions")
    page.keyboard.type("Managed onl")
    suggestion(page, "Managed online deployment")
    page.keyboard.press("Enter")
    page.keyboard.type("green")  # placeholder 1, the deployment's name
    page.keyboard.press("Tab")
    page.keyboard.type("sample-endpoint")  # placeholder 2, the endpoint beside it
    # Typing opens the endpoint-name suggestions, and a Tab while they show accepts one instead of moving on:
    # close them as a person would (an Escape with nothing open would leave the snippet instead).
    page.wait_for_timeout(1_000)
    if any(widget.is_visible() for widget in page.locator(".suggest-widget").all()):
        page.keyboard.press("Escape")
    for _ in range(8):  # the other placeholders keep their defaults, to the end of the snippet
        page.keyboard.press("Tab")
    shot(page, "02-snippet-inserted")

    # On the empty last line: keys, then a value, from completion.
    page.keyboard.press("Control+Space")
    page.keyboard.type("app_ins")
    suggestion(page, "app_insights_enabled")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Space")
    suggestion(page, "true")
    shot(page, "03-value-completion")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+S")
    deadline = time.monotonic() + 30
    while "app_insights_enabled: true" not in path.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)

    text = path.read_text()
    assert text.startswith("$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\n"), text
    assert "name: green\nendpoint_name: sample-endpoint\n" in text and text.rstrip().endswith("app_insights_enabled: true")
    checked = subprocess.run([sys.executable, "-m", "aml_deploy", "validate", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout == "", checked.stdout  # not one finding, not even a hint
    assert "1 file(s) checked, 0 error(s)" in checked.stderr

    # The hover for `model`, as VS Code renders it.
    page.keyboard.press("Control+G")
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+K")
    page.keyboard.press("Control+I")
    hover = page.locator(".monaco-hover-content", has_text="registered model")
    hover.first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)  # the hover fades in
    shot(page, "04-model-hover")
    rendered = hover.first.inner_text()
    assert "azureml:<name>:<version>" in rendered, rendered
