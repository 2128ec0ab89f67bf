"""Where CodeLens goes in a scoring script: the lines of its module-level init() and run()."""

from __future__ import annotations

import ast

from .source import module_functions


def entry_point_lines(text: str) -> dict[str, int]:
    """{'init': line, 'run': line} (0-based, the `def` line) for the functions that exist."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    functions = module_functions(tree)
    return {name: functions[name].lineno - 1 for name in ("init", "run") if name in functions}
