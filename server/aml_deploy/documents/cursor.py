"""Where is the cursor, in schema terms? Works on half-typed text that does not parse:
YAML by indentation, JSON by a small scan of the text before the cursor."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_YAML_LINE = re.compile(
    r"^(?P<indent>\s*)(?P<dash>-(?:\s+|$))?(?P<key>[^\s#:'\"](?:[^:#]*[^\s:#])?|'[^']*'|\"[^\"]*\")?"
    r"\s*(?P<colon>:(?:\s+|$))?(?P<rest>.*)$"
)
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\]:,]|[^\s{}\[\]:,"]+')


@dataclass
class Cursor:
    path: list[str | int]  # the mapping the cursor is in (mode "key") or the key it is a value of (mode "value")
    mode: str  # "key" | "value"
    prefix: str  # what is typed before the cursor in the current word
    siblings: set[str] = field(default_factory=set)  # keys already present at this level


def yaml_cursor(lines: list[str], line: int, col: int) -> Cursor | None:
    current = lines[line][:col] if line < len(lines) else ""
    if "#" in current and not _inside_quotes(current):
        return None  # in a comment
    match = _YAML_LINE.match(current)
    if match is None:
        return None
    dash_indent = len(match["indent"]) if match["dash"] else None
    key_indent = len(match["indent"]) + len(match["dash"] or "")
    parent = _parents(lines, line, key_indent, dash_indent)
    if match["colon"]:
        key = _unquote((match["key"] or "").strip())
        return Cursor(parent + [key], "value", match["rest"].strip().strip("'\""))
    siblings = set() if dash_indent is not None else _siblings(lines, line, key_indent)
    return Cursor(parent, "key", (match["key"] or "").strip(), siblings)


def _parents(lines: list[str], line: int, key_indent: int, dash_indent: int | None) -> list[str | int]:
    """Data path of the mapping a key at `key_indent` on `line` belongs to. `limit` is the
    column an enclosing line must start left of; a list's key may share its dash's column."""
    path: list[str | int] = []
    limit = key_indent
    if dash_indent is not None:
        path, limit = [0], dash_indent + 1
    for text in reversed(lines[:line]):
        if limit == 0:
            break
        shape = _shape(text)
        if shape is None:
            continue
        k_indent, d_indent, key, has_value = shape
        if d_indent is not None and k_indent == limit:
            path.insert(0, 0)  # our mapping is the list item this line starts
            limit = d_indent + 1
        elif k_indent < limit and key is not None and not has_value:
            path.insert(0, key)
            limit = k_indent
            if d_indent is not None:
                path.insert(0, 0)
                limit = d_indent + 1
    return path


def _siblings(lines: list[str], line: int, indent: int) -> set[str]:
    """Keys already written at the same level, above and below the cursor."""
    found: set[str] = set()
    for step in (-1, 1):
        index = line + step
        while 0 <= index < len(lines):
            parsed = _shape(lines[index])
            index += step
            if parsed is None:
                continue
            key_indent, dash_indent, key, _ = parsed
            if key_indent < indent:
                break
            if key_indent == indent and key is not None:
                found.add(key)
                if dash_indent is not None and step == -1:
                    break  # the start of this list item
                if dash_indent is not None and step == 1:
                    break  # the next list item
    return found


def _shape(text: str) -> tuple[int, int | None, str | None, bool] | None:
    """(key indent, dash indent or None, key or None, has inline value) of a YAML line; None for blank/comment."""
    stripped = text.strip()
    if not stripped or stripped.startswith("#") or stripped in ("---", "..."):
        return None
    match = _YAML_LINE.match(text.rstrip("\r\n"))
    if match is None:
        return None
    dash_indent = len(match["indent"]) if match["dash"] else None
    key_indent = len(match["indent"]) + len(match["dash"] or "")
    if not match["colon"]:
        return key_indent, dash_indent, None, True
    rest = match["rest"].split(" #", 1)[0].strip()
    return key_indent, dash_indent, _unquote((match["key"] or "").strip()), bool(rest)


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _inside_quotes(text: str) -> bool:
    return text.count('"') % 2 == 1 or text.count("'") % 2 == 1


def json_cursor(text: str, offset: int) -> Cursor | None:
    """The JSON object path at `offset`, and whether a key or a value is being typed."""
    stack: list[dict] = []  # each: {"type": "object"|"array", "key": pending key, "index": n, "keys": set}
    expecting_key = False
    last_string: str | None = None
    prefix = ""
    for token in _JSON_TOKEN.findall(text[:offset]):
        prefix = ""
        if token == "{":
            stack.append({"type": "object", "key": None, "index": 0, "keys": set(), "parent": _segment(stack)})
            expecting_key = True
        elif token == "[":
            stack.append({"type": "array", "key": None, "index": 0, "keys": set(), "parent": _segment(stack)})
            expecting_key = False
        elif token in "}]":
            if stack:
                stack.pop()
            expecting_key = False
        elif token == ":":
            if stack and stack[-1]["type"] == "object":
                stack[-1]["key"] = last_string
                stack[-1]["keys"].add(last_string)
            expecting_key = False
        elif token == ",":
            if stack and stack[-1]["type"] == "array":
                stack[-1]["index"] += 1
            expecting_key = bool(stack) and stack[-1]["type"] == "object"
        elif token.startswith('"'):
            last_string = token.strip('"')
            prefix = last_string if not token.endswith('"') or len(token) == 1 else ""
        else:
            prefix = token
    if not stack:
        return None
    path = [s["parent"] for s in stack[1:]]
    top = stack[-1]
    if top["type"] == "object" and expecting_key:
        return Cursor(path, "key", prefix, set(top["keys"]))
    if top["type"] == "object" and top["key"] is not None:
        return Cursor(path + [top["key"]], "value", prefix)
    return None


def _segment(stack: list[dict]) -> str | int | None:
    if not stack:
        return None
    top = stack[-1]
    return top["key"] if top["type"] == "object" else top["index"]
