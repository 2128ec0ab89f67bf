"""Find the YAML node (and its key) for a data path, and the path at a cursor position."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import yaml

from ..findings import Span
from .parsing import key_text, span_of


def locate(root: yaml.Node | None, path: Iterable[str | int]) -> tuple[yaml.Node | None, yaml.Node | None]:
    """(key node, value node) for `path`; (None, root) for the empty path; Nones when absent.
    With duplicate keys the last one wins, as it does in the data."""
    key: yaml.Node | None = None
    node = root
    for segment in path:
        if isinstance(node, yaml.MappingNode) and isinstance(segment, str):
            match = None
            for key_node, value_node in node.value:
                if key_text(key_node) == segment:
                    match = (key_node, value_node)
            if match is None:
                return None, None
            key, node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(segment, int) and segment < len(node.value):
            key, node = None, node.value[segment]
        else:
            return None, None
    return key, node


def value_span(root: yaml.Node | None, path: Iterable[str | int]) -> Span:
    """The value at `path`; for a block mapping or list, its key (not the many lines below)."""
    path = list(path)
    key, node = locate(root, path)
    if node is None or not path:
        return Span.point()
    if key is not None and not isinstance(node, yaml.ScalarNode) and not getattr(node, "flow_style", False):
        return span_of(key)
    return span_of(node)


def key_span(root: yaml.Node | None, path: Iterable[str | int]) -> Span:
    """The key that introduces `path` (for a list item, the item itself); the first line for the root."""
    path = list(path)
    if not path:
        return Span.point()
    key, node = locate(root, path)
    if key is not None:
        return span_of(key)
    if node is not None:
        return span_of(node)
    return key_span(root, path[:-1])


def pairs(node: yaml.Node | None) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield key_text(key_node), key_node, value_node


def node_at(root: yaml.Node | None, line: int, col: int) -> tuple[list[str | int], yaml.Node | None, bool]:
    """The data path of the innermost node at (line, col), the node under the cursor (the
    key node when on a key), and whether the cursor is on a key."""
    path: list[str | int] = []
    node = root
    on_key = False
    while node is not None:
        child = None
        if isinstance(node, yaml.MappingNode):
            for name, key_node, value_node in pairs(node):
                if _covers(key_node, line, col):
                    return path + [name], key_node, True
                if _covers(value_node, line, col):
                    path.append(name)
                    child = value_node
                    break
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                if _covers(item, line, col):
                    path.append(index)
                    child = item
                    break
        if child is None:
            break
        node = child
    return path, node, on_key


def _covers(node: yaml.Node, line: int, col: int) -> bool:
    start, end = node.start_mark, node.end_mark
    return (start.line, start.column) <= (line, col) <= (end.line, end.column)
