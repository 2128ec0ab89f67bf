"""Plain data every checker returns: a finding with its span and optional quick fixes.

Lines and columns are 0-based and count Unicode code points; the LSP layer converts
them to the client's encoding and the CLI prints them 1-based.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Same numbers as LSP's DiagnosticSeverity, so conversion is a cast."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    @property
    def label(self) -> str:
        return {1: "error", 2: "warning", 3: "info", 4: "hint"}[self.value]


@dataclass(frozen=True, slots=True)
class Span:
    start_line: int
    start_col: int
    end_line: int
    end_col: int

    @classmethod
    def point(cls, line: int = 0, col: int = 0) -> Span:
        return cls(line, col, line, col + 1)

    def overlaps(self, other: Span) -> bool:
        return not (
            (self.end_line, self.end_col) < (other.start_line, other.start_col)
            or (other.end_line, other.end_col) < (self.start_line, self.start_col)
        )


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace `span` in `path` with `new_text` (path None means the file being checked)."""

    span: Span
    new_text: str
    path: str | None = None


@dataclass(frozen=True, slots=True)
class CreateFile:
    path: str
    content: str


@dataclass(frozen=True, slots=True)
class Command:
    """An editor command a fix runs instead of (or after) its edits, e.g. the Register Model dialog."""

    name: str
    arguments: tuple = ()


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...] = ()
    creates: tuple[CreateFile, ...] = ()
    preferred: bool = True
    command: Command | None = None


@dataclass(slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    span: Span
    fixes: tuple[Fix, ...] = field(default_factory=tuple)
    path: str | None = None  # set when a checker reports on another file

    def sort_key(self) -> tuple:
        return (self.span.start_line, self.span.start_col, self.code)
