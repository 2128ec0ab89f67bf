"""What VS Code inserts for a completion item in snippet syntax: each placeholder's default, a
choice's first option, tab stops as nothing. A variable (`$name`, `${name}`) is an error here:
VS Code replaces an unknown one with nothing, which is how `$schema` used to vanish."""

from __future__ import annotations

import re


class SnippetError(AssertionError):
    pass


def expand(snippet: str) -> str:
    text, end = _sequence(snippet, 0, stop="")
    if end != len(snippet):
        raise SnippetError(f"unbalanced '}}' at {end} in {snippet!r}")
    return text


def _sequence(snippet: str, index: int, stop: str) -> tuple[str, int]:
    out: list[str] = []
    while index < len(snippet):
        char = snippet[index]
        if char == "\\" and index + 1 < len(snippet) and snippet[index + 1] in "$}\\":
            out.append(snippet[index + 1])
            index += 2
        elif char == "$":
            value, index = _dollar(snippet, index)
            out.append(value)
        elif char in stop:
            return "".join(out), index
        else:
            out.append(char)
            index += 1
    return "".join(out), index


def _dollar(snippet: str, index: int) -> tuple[str, int]:
    tab_stop = re.match(r"\$(\d+)", snippet[index:])
    if tab_stop:
        return "", index + tab_stop.end()
    placeholder = re.match(r"\$\{(\d+):", snippet[index:])
    if placeholder:
        value, end = _sequence(snippet, index + placeholder.end(), stop="}")
        if end >= len(snippet):
            raise SnippetError(f"unclosed placeholder in {snippet!r}")
        return value, end + 1
    choice = re.match(r"\$\{(\d+)\|((?:\\.|[^|\\])*)\|\}", snippet[index:])
    if choice:
        options = re.split(r"(?<!\\),", choice[2])
        return re.sub(r"\\(.)", r"\1", options[0]), index + choice.end()
    raise SnippetError(f"a variable or stray '$' at {index} in {snippet!r}: VS Code would insert nothing for it")
