"""No script under scripts/ exits without saying what failed."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.support import ROOT

SCRIPTS = sorted((ROOT / "scripts").glob("*.sh"))
TRAP = re.compile(r"^trap '.*\$LINENO.*\$BASH_COMMAND.*' ERR$", re.M)


def test_there_are_scripts():
    assert len(SCRIPTS) >= 7


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_script_stops_on_errors_and_says_which_command_failed(script, tmp_path):
    text = script.read_text()
    assert "set -euo pipefail\n" in text
    trap = TRAP.search(text)
    assert trap, f"{script.name} has no ERR trap naming the failing command and its line"
    assert text[: trap.start()].endswith("set -euo pipefail\n"), "the trap belongs right after set -euo pipefail"
    # The script's own trap, around the kind of silent failure issue 8 found: grep on a missing
    # file inside a command substitution, under pipefail.
    probe = tmp_path / script.name
    probe.write_text(
        "#!/usr/bin/env bash\nset -euo pipefail\n" + trap.group(0) + "\n"
        "x=$(grep -rh deb /nonexistent/sources.list 2>/dev/null | head -1)\necho unreachable\n"
    )
    result = subprocess.run(["bash", str(probe)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "unreachable" not in result.stdout
    assert f"{script.name}: line 4:" in result.stderr
    assert "grep -rh deb /nonexistent/sources.list" in result.stderr and "(exit 2)" in result.stderr
