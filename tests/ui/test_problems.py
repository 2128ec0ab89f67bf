"""The extension in a real VS Code: the server starts, and a broken deployment's diagnostics
show in the Problems panel without opening the file."""

from tests.ui.conftest import RESULTS, run_command


def test_broken_deployment_shows_in_problems_panel(workbench):
    page = workbench
    # The workbench fixture waited for the status bar to say the language server runs.
    run_command(page, "Problems: Focus on Problems View")
    rows = page.locator(".markers-panel-container .monaco-list-row")
    unknown_key = rows.filter(has_text="Unknown key 'instance_typ'")
    unknown_key.first.wait_for(timeout=60_000)
    assert "Did you mean 'instance_type'?" in unknown_key.first.inner_text()
    assert "[Ln 11, Col 1]" in unknown_key.first.inner_text()
    assert rows.filter(has_text="broken-deployment.yml").count() >= 1
    assert rows.filter(has_text="The scoring script 'scor.py' does not exist").count() == 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / "problems-panel.png"))
