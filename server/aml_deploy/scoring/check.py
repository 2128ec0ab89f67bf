"""Check one Python file as a scoring script, with what the workspace index knows about its users."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .. import files
from ..documents.context import Context
from ..documents.kinds import Detection, Kind
from ..documents.validate import Result
from ..documents.workspace import WorkspaceIndex
from ..findings import Finding
from .lint import lint
from .uses import ScriptUse, script_uses

SCRIPT_SUFFIXES = (".py",)
Linter = Callable[[Path, str, list[ScriptUse]], "list[Finding] | None"]


def check_script(path: Path, text: str, index: WorkspaceIndex, ctx: Context, linter: Linter = lint) -> Result:
    uses = script_uses(path, index, ctx)
    findings = linter(path, text, uses)
    if findings is None:
        return Result(path, None, text=text)
    detection = Detection(Kind.SCORING_SCRIPT, "reference" if uses else "content")
    return Result(path, detection, findings, [], set(ctx.depends_on), text=text)


def read_script(path: Path) -> str | None:
    """The script's text; None when it is not a regular file AML Deploy may read (a FIFO, say)."""
    return files.read_text_or_none(path)
