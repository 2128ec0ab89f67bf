"""The scoring-script linter in a real VS Code: a broken score.py shows in the Problems panel, and
its quick fix, applied from the editor's lightbulb menu, repairs it."""

from tests.ui.conftest import RESULTS, run_command

GLOBAL_BUG = "init() assigns 'model' as a local variable"


def test_broken_script_and_quick_fix(workbench, ui_workspace):
    page = workbench
    run_command(page, "Problems: Focus on Problems View")
    rows = page.locator(".markers-panel-container .monaco-list-row")
    problem = rows.filter(has_text=GLOBAL_BUG)
    problem.first.wait_for(timeout=90_000)
    assert "[Ln 11, Col 5]" in problem.first.inner_text()
    page.screenshot(path=str(RESULTS / "script-problems.png"))

    problem.first.click()  # opens score.py at the problem
    page.locator(".monaco-editor .view-lines", has_text="def init():").first.wait_for(timeout=30_000)
    # Put the cursor on the flagged line in the editor, then ask for quick fixes there.
    page.locator(".monaco-editor .view-line", has_text="model = joblib.load").first.click()
    page.keyboard.press("Control+.")
    fix = page.locator(".action-widget .monaco-list-row.focused", has_text="global model")
    fix.first.wait_for(timeout=30_000)
    page.screenshot(path=str(RESULTS / "script-quick-fix-menu.png"))
    page.keyboard.press("Enter")  # the focused row: "Enter to Apply"

    page.wait_for_function(
        "text => ![...document.querySelectorAll('.markers-panel-container .monaco-list-row')].some(r => r.innerText.includes(text))",
        arg=GLOBAL_BUG,
        timeout=30_000,
    )
    assert page.locator(".monaco-editor .view-lines", has_text="global model").count() >= 1
    page.screenshot(path=str(RESULTS / "script-fixed.png"))
