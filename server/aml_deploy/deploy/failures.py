"""Why a deployment failed, pointed at the line of the user's code that raised."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..findings import Finding, Severity, Span

_FRAME = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<function>\S+)')
_EXCEPTION = re.compile(r"^(?:[\w.]+\.)?(?:[A-Z]\w*(?:Error|Exception|Exit|Interrupt)|[A-Z]\w+Error)\b.*")


@dataclass
class Failure:
    message: str  # the exception, e.g. "FileNotFoundError: [Errno 2] No such file ..."
    path: Path | None = None  # the user's file (on this machine) where it was raised
    line: int | None = None  # 1-based
    function: str | None = None
    timed_out: bool = False  # the server never became ready (init() still running, or hung)


def explain(log: str, code_target: str, code_dir: Path) -> Failure:
    """The innermost frame of the user's code in the last traceback of `log` that passes through
    it (a chained exception follows with the server's own frames), mapped from the container's
    /var/azureml-app/<code> to the code folder on this machine."""
    lines = log.splitlines()
    blocks = _tracebacks(lines)
    for block in reversed(blocks):
        frames = [m for m in map(_FRAME.search, block) if m and m["path"].startswith(code_target + "/")]
        if frames:
            frame = frames[-1]
            relative = frame["path"][len(code_target) + 1 :]
            return Failure(_exception(block) or "init() raised an exception", code_dir / relative, int(frame["line"]), frame["function"])
    if blocks:
        return Failure(_exception(blocks[-1]) or _last_meaningful(lines))
    return Failure(_last_meaningful(lines))


def _tracebacks(lines: list[str]) -> list[list[str]]:
    """Each "Traceback (most recent call last):" with its frames, up to its exception line."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for text in lines:
        if "Traceback (most recent call last)" in text:
            current = []
            blocks.append(current)
        elif current is not None:
            current.append(text)
            if text and not text[0].isspace():  # the unindented line ends the traceback
                current = None
    return blocks


def _exception(block: list[str]) -> str:
    for text in reversed(block):
        stripped = text.strip()
        if stripped and _EXCEPTION.match(stripped):
            return stripped
    return ""


def timed_out_in(log: str) -> str:
    """Where a start that timed out had got to, from the inference server's own log lines; the log's
    last line when they are not there (another server version, say)."""
    if "init has completed" in log:  # azmlinfsrv writes "Users's init has completed successfully"
        return "init() returned, but the server did not answer on its port"
    if "Invoking user's init function" in log:
        return "init() was still running"
    return _last_meaningful(log.splitlines())


def _last_meaningful(lines: list[str]) -> str:
    for text in reversed(lines):
        if text.strip() and "@@aml-deploy" not in text:
            return text.strip()
    return "the server exited without a message"


def failure_finding(failure: Failure, where: str, text: str) -> Finding | None:
    """AMLD401 on the line of the user's code that raised (`text`: that file's text), or None when
    the failure points at no line. `where` names the deployment, e.g. "local deployment ep/blue"."""
    if failure.path is None or failure.line is None:
        return None
    line = failure.line - 1
    lines = text.splitlines()
    width = len(lines[line]) if line < len(lines) else 1
    indent = len(lines[line]) - len(lines[line].lstrip()) if line < len(lines) else 0
    return Finding(
        "AMLD401",
        Severity.ERROR,
        f"The {where} failed here, in {failure.function}(): {failure.message}",
        Span(line, indent, line, max(width, indent + 1)),
    )
