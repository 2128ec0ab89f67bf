"""Set values in a YAML or JSON document as a minimal text edit: a value that is there is replaced
where it stands; a missing key is added after its siblings with their indentation (or inside the
braces of a flow mapping or JSON object). Comments, blank lines, key order, quoting and line
endings of everything else stay as they are."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ..documents.parsing import key_text, parse
from ..findings import Span, TextEdit
from .errors import CannotWrite

Path = tuple[str, ...]


@dataclass(frozen=True)
class _Edit:
    start: int  # character offsets into the text
    end: int
    text: str
    depth: int  # insertions at one offset: the deeper mapping's lines come first


def set_values(text: str, is_json: bool, values: Mapping[Path, Any]) -> list[TextEdit]:
    """The edits that give each path its value (missing mappings on the way are created)."""
    parsed = parse(text, is_json=is_json)
    if parsed.root is None or not isinstance(parsed.root, yaml.MappingNode):
        raise CannotWrite("The file could not be read as a mapping of settings; nothing was changed.")
    writer = _Writer(text, is_json, parsed.root)
    for path, value in values.items():
        writer.set(path, value)
    return writer.edits()


def apply(text: str, edits: list[TextEdit]) -> str:
    """`text` with the edits made (they do not overlap)."""
    starts = _line_starts(text)
    ordered = sorted(edits, key=lambda e: (e.span.start_line, e.span.start_col), reverse=True)
    for edit in ordered:
        start = starts[edit.span.start_line] + edit.span.start_col
        end = starts[edit.span.end_line] + edit.span.end_col
        text = text[:start] + edit.new_text + text[end:]
    return text


class _Writer:
    def __init__(self, text: str, is_json: bool, root: yaml.MappingNode) -> None:
        self.text, self.is_json, self.root = text, is_json, root
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.starts = _line_starts(text)
        self.unit = _indent_unit(root, text) or (4 if is_json else 2)
        self.replacements: list[_Edit] = []
        self.additions: dict[int, tuple[yaml.MappingNode, int, dict]] = {}  # id(mapping) -> (mapping, depth, new keys)

    def set(self, path: Path, value: Any) -> None:
        node: yaml.Node = self.root
        for depth, key in enumerate(path):
            if not isinstance(node, yaml.MappingNode):
                raise CannotWrite(f"{'.'.join(path[:depth])} is not a mapping, so {'.'.join(path)} cannot be set; nothing was changed.")
            child = _child(node, key)
            if child is None:
                self._add(node, depth, path[depth:], value)
                return
            if depth == len(path) - 1:
                self._replace(child, value)
                return
            if isinstance(child, yaml.ScalarNode) and child.tag == "tag:yaml.org,2002:null":
                self._replace(child, _nested(path[depth + 1 :], value), flow=True)
                return
            node = child

    def _replace(self, node: yaml.Node, value: Any, flow: bool = False) -> None:
        if not isinstance(node, yaml.ScalarNode) and not flow:
            raise CannotWrite(f"A value at line {node.start_mark.line + 1} is not a single value; nothing was changed.")
        self.replacements.append(_Edit(self._at(node.start_mark), self._at(node.end_mark), self._flow(value), 0))

    def _add(self, mapping: yaml.MappingNode, depth: int, rest: Path, value: Any) -> None:
        _, _, added = self.additions.setdefault(id(mapping), (mapping, depth, {}))
        target = added
        for key in rest[:-1]:
            target = target.setdefault(key, {})
        target[rest[-1]] = value

    def edits(self) -> list[TextEdit]:
        edits = list(self.replacements)
        for mapping, depth, added in self.additions.values():
            edits.append(self._insertion(mapping, depth, added))
        merged: dict[tuple[int, int], list[_Edit]] = {}
        for edit in edits:
            merged.setdefault((edit.start, edit.end), []).append(edit)
        starts = self.starts
        result = []
        for (start, end), group in sorted(merged.items()):
            text = "".join(e.text for e in sorted(group, key=lambda e: -e.depth))
            result.append(TextEdit(Span(*_line_col(starts, start), *_line_col(starts, end)), text))
        return result

    # -- insertions ----------------------------------------------------------------------------

    def _insertion(self, mapping: yaml.MappingNode, depth: int, added: dict) -> _Edit:
        if mapping.flow_style or self.is_json:
            return self._flow_insertion(mapping, depth, added)
        return self._block_insertion(mapping, depth, added)

    def _block_insertion(self, mapping: yaml.MappingNode, depth: int, added: dict) -> _Edit:
        if not mapping.value:
            raise CannotWrite("An empty block mapping cannot be extended; nothing was changed.")
        indent = mapping.value[0][0].start_mark.column
        lines = self._block_lines(added, indent)
        offset = self._after_line(_last_line(mapping))
        if offset == len(self.text) and not self.text.endswith(("\n", "\r")):
            return _Edit(offset, offset, self.newline + self.newline.join(lines), depth)
        return _Edit(offset, offset, "".join(line + self.newline for line in lines), depth)

    def _block_lines(self, values: dict, indent: int) -> list[str]:
        lines = []
        for key, value in values.items():
            if isinstance(value, dict):
                lines.append(" " * indent + f"{_yaml_scalar(key)}:")
                lines += self._block_lines(value, indent + self.unit)
            else:
                lines.append(" " * indent + f"{_yaml_scalar(key)}: {_yaml_scalar(value)}")
        return lines

    def _flow_insertion(self, mapping: yaml.MappingNode, depth: int, added: dict) -> _Edit:
        close = self._at(mapping.end_mark) - 1  # the closing brace
        if not mapping.value:
            return _Edit(close, close, self._flow(added)[1:-1].strip(), depth)
        last_key, last_value = mapping.value[-1]
        at = self._at(last_value.end_mark)
        if last_key.start_mark.line == mapping.start_mark.line:  # all on one line: stay on one line
            return _Edit(at, at, ", " + self._flow(added)[1:-1].strip(), depth)
        indent = last_key.start_mark.column
        members = [self._member(key, value, indent) for key, value in added.items()]
        return _Edit(at, at, "".join("," + self.newline + " " * indent + member for member in members), depth)

    def _member(self, key: str, value: Any, indent: int) -> str:
        if not isinstance(value, dict) or not self.is_json:
            return f"{self._scalar(key)}: {self._flow(value)}"
        inner = json.dumps(value, indent=self.unit).splitlines()
        return f"{json.dumps(key)}: " + self.newline.join([inner[0]] + [" " * indent + line for line in inner[1:]])

    def _after_line(self, line: int) -> int:
        return self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)

    def _at(self, mark: yaml.Mark) -> int:
        """A mark's offset from its line and column (code points; the C reader's index may count bytes)."""
        return self.starts[mark.line] + mark.column

    # -- values ---------------------------------------------------------------------------------

    def _scalar(self, value: Any) -> str:
        return json.dumps(value) if self.is_json else _yaml_scalar(value)

    def _flow(self, value: Any) -> str:
        if self.is_json:
            return json.dumps(value)
        if isinstance(value, dict):
            return "{" + ", ".join(f"{_yaml_scalar(k)}: {self._flow(v)}" for k, v in value.items()) + "}"
        return _yaml_scalar(value)


def _child(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    found = None
    for key_node, value_node in mapping.value:
        if key_text(key_node) == key:
            found = value_node  # with duplicates the last one wins, as in the data
    return found


def _nested(path: Path, value: Any) -> Any:
    for key in reversed(path):
        value = {key: value}
    return value


def _yaml_scalar(value: Any) -> str:
    """Plain when it reads back as the same value, else double-quoted (JSON's quoting is YAML's)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    try:
        plain = yaml.safe_load(text) == text and text.strip() == text and "#" not in text and ": " not in text
    except yaml.YAMLError:
        plain = False
    return text if plain and text else json.dumps(text)


def _last_line(node: yaml.Node) -> int:
    """The last line a block node's content is on (end marks of block nodes run on to the next token)."""
    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        return _last_line(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _last_line(node.value[-1])
    end = node.end_mark
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def _indent_unit(root: yaml.Node, text: str) -> int | None:
    """The document's indentation step: how far the first nested mapping's keys are indented."""
    stack = [root]
    while stack:
        node = stack.pop(0)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(value, yaml.MappingNode) and value.value:
                    child = value.value[0][0].start_mark
                    if child.line > key.start_mark.line:
                        line = text.split("\n")[key.start_mark.line]
                        base = len(line) - len(line.lstrip(" "))
                        return child.column - base if child.column > base else None
                stack.append(value)
    if isinstance(root, yaml.MappingNode) and root.value and root.flow_style:
        column = root.value[0][0].start_mark.column
        return column if root.value[0][0].start_mark.line > root.start_mark.line and column else None
    return None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts


def _line_col(starts: list[int], offset: int) -> tuple[int, int]:
    from bisect import bisect_right

    line = bisect_right(starts, offset) - 1
    return line, offset - starts[line]
