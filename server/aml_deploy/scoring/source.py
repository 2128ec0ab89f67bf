"""A scoring script read with `ast` only: the linter never imports or runs user code."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Protocol

from ..findings import Finding, Severity, Span

_PYTHON2_HINTS = (
    ("Missing parentheses in call to 'print'", "print is a function in Python 3: print(...)"),
    ("Missing parentheses in call to 'exec'", "exec is a function in Python 3: exec(...)"),
    ("multiple exception types must be parenthesized", "Python 3 writes `except ValueError as error:`"),
    ("leading zeros in decimal integer literals", "Python 3 writes octal numbers as 0o777"),
)
_PYTHON2_LINE = re.compile(r"^\s*(print\s+[\"'\w]|exec\s+[\"']|raise\s+\w+\s*,|except\s+[\w.]+\s*,\s*\w+\s*:)|<>|`")


class Positioned(Protocol):
    """An ast node with a source position: statements, expressions, arguments, handlers, keywords."""

    lineno: int
    col_offset: int
    end_lineno: int | None
    end_col_offset: int | None


@dataclass
class Script:
    """Source text, its lines, and its syntax tree (None when it does not parse)."""

    text: str
    lines: list[str] = field(init=False)
    tree: ast.Module | None = None
    syntax_error: Finding | None = None

    def __post_init__(self) -> None:
        self.lines = self.text.split("\n")
        try:
            self.tree = ast.parse(self.text)
        except SyntaxError as err:  # includes IndentationError and TabError
            self.syntax_error = _syntax_finding(err, self.lines)
        except (ValueError, UnicodeError) as err:  # a NUL byte (some Pythons) or a lone surrogate
            self.syntax_error = Finding("AMLD200", Severity.ERROR, f"Python cannot read this file: {err}.", Span.point())
        except (RecursionError, MemoryError):  # an expression nesting deeper than Python's parser goes
            longest = max(range(len(self.lines)), key=lambda i: len(self.lines[i]))
            self.syntax_error = Finding(
                "AMLD200",
                Severity.ERROR,
                f"Python cannot read this file: an expression nests too deeply for its parser (line {longest + 1}, "
                f"{len(self.lines[longest]):,} characters long, is the likely one).",
                Span(longest, 0, longest, min(len(self.lines[longest]), 1000)),
            )
        if self.syntax_error is not None and "\0" in self.text:  # Python gives a NUL byte no position
            self.syntax_error = _at_offset(self.text, self.text.index("\0"), "Python cannot read this file: it holds a NUL byte (here).")

    # -- spans from ast positions (ast columns are UTF-8 byte offsets) ------------------------

    def column(self, line: int, byte_offset: int) -> int:
        text = self.lines[line] if line < len(self.lines) else ""
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))

    def span(self, node: Positioned) -> Span:
        start_line = node.lineno - 1
        end_line = (node.end_lineno or node.lineno) - 1
        start = self.column(start_line, node.col_offset)
        end = self.column(end_line, node.end_col_offset if node.end_col_offset is not None else node.col_offset + 1)
        return Span(start_line, start, end_line, end)

    def first_line_span(self, node: Positioned) -> Span:
        """The node's first line only (a whole function would cover many lines)."""
        span = self.span(node)
        if span.end_line == span.start_line:
            return span
        return Span(span.start_line, span.start_col, span.start_line, len(self.lines[span.start_line].rstrip()))

    def name_span(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Span:
        """The function's name in `def name(`."""
        line = function.lineno - 1
        text = self.lines[line]
        match = re.search(rf"\bdef\s+({re.escape(function.name)})\b", text)
        if match is None:
            return self.first_line_span(function)
        return Span(line, match.start(1), line, match.end(1))


def _syntax_finding(err: SyntaxError, lines: list[str]) -> Finding:
    line = max((err.lineno or 1) - 1, 0)
    col = max((err.offset or 1) - 1, 0)
    end_col = (err.end_offset - 1) if err.end_offset and (err.end_lineno or err.lineno) == err.lineno else col + 1
    message = err.msg
    source = lines[line] if line < len(lines) else ""
    hint = next((why for marker, why in _PYTHON2_HINTS if marker in message), None)
    if hint is None and _PYTHON2_LINE.search(source):
        hint = "this looks like Python 2, which the inference server (Python 3) cannot run"
    text = f"Syntax error: {message}" + (f" ({hint})." if hint else ".")
    if hint:
        text += " Python 2 code must be ported to Python 3."
    return Finding("AMLD200", Severity.ERROR, text, Span(line, col, line, max(end_col, col + 1)))


def dotted(node: ast.AST) -> str | None:
    """`a.b.c` for Name/Attribute chains (and for calls, their function), else None."""
    if isinstance(node, ast.Call):
        node = node.func
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def module_functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level functions by name (the last definition wins, as at run time)."""
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
    return found


def module_bindings(tree: ast.Module) -> set[str]:
    """Every name bound at module level: functions, classes, assignments, imports."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def import_aliases(tree: ast.Module, nodes: list | None = None) -> dict[str, str]:
    """Local name -> the dotted thing it stands for, from every import in the file."""
    aliases: dict[str, str] = {}
    for node in nodes if nodes is not None else ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def resolve(name: str | None, aliases: dict[str, str]) -> str | None:
    """`jl.load` with `import joblib as jl` -> `joblib.load`."""
    if name is None:
        return None
    head, _, rest = name.partition(".")
    base = aliases.get(head, head)
    return f"{base}.{rest}" if rest else base


def _at_offset(text: str, offset: int, message: str) -> Finding:
    line = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return Finding("AMLD200", Severity.ERROR, message, Span(line, col, line, col + 1))
