"""Write a file into a temporary workspace and validate it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from aml_deploy.documents import Context, validate_file
from aml_deploy.findings import Finding

DEPLOYMENT_SCHEMA = "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\n"
ENDPOINT_SCHEMA = "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def check(folder: Path, name: str, text: str, workspace: Path | None = None) -> list[Finding]:
    path = write(folder, name, text)
    return validate_file(path, Context(path, workspace)).findings


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def only(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, f"expected one {code}, got {[(f.code, f.message) for f in findings]}"
    return matching[0]


def at(finding: Finding) -> tuple[int, int, int, int]:
    span = finding.span
    return span.start_line, span.start_col, span.end_line, span.end_col
