"""Parse YAML and JSON into plain data *and* a node tree that remembers where every value is.

PyYAML composes the node tree (the same YAML 1.1 reader the Azure ML CLI uses, so `yes`
means true here as it does there); the data is constructed from that tree by
`construct`, which also reports duplicate keys and refuses alias bombs and absurd nesting.
JSON files are checked with the standard `json` module (exact JSON grammar) and their
positions come from composing the same text as YAML.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..findings import Finding, Severity, Span

try:  # libyaml is ~7x faster; the pure reader is the fallback.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_BYTES = 512 * 1024
MAX_DEPTH = 200
MAX_EXPANDED_NODES = 200_000

_TEMPLATE = re.compile(r"\{\{\s*[^{}\n]{1,80}?\s*\}\}")
_OPENERS = re.compile(r"[\[\]{}]")
_NESTING_ERROR = "exceeded maximum nesting depth"
_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*')


class LimitExceeded(Exception):
    """The document is too large, too deep or expands too much to validate safely."""

    def __init__(self, what: str, span: Span) -> None:
        super().__init__(what)
        self.span = span


@dataclass(slots=True)
class Parsed:
    """What every checker starts from. `root` and `data` are None when parsing failed."""

    text: str
    is_json: bool
    root: yaml.Node | None = None
    data: Any = None
    findings: list[Finding] = field(default_factory=list)
    templated: bool = False
    leading_comments: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.root is not None


def parse(text: str, *, is_json: bool = False, size: int | None = None) -> Parsed:
    """`size`: the file's size on disk when `text` is only its beginning."""
    parsed = Parsed(text=text, is_json=is_json)
    parsed.leading_comments = _leading_comments(text)
    size = max(size or 0, len(text.encode("utf-8", "surrogatepass")))
    if size > MAX_BYTES:
        parsed.findings.append(_limit_finding(f"the file is {_size(size)}; files over {MAX_BYTES // 1024} KB are not validated"))
        return parsed
    template = _TEMPLATE.search(text)
    if template:
        parsed.templated = True
        parsed.findings.append(_template_finding(text, template))
        parsed.data = _template_data(text, is_json)
        return parsed
    # Nesting is refused before any reader sees it: libyaml recurses per level (and since PyYAML
    # 6.0.4 stops at its own limit), the pure reader hits Python's recursion limit, so the answer
    # would otherwise depend on the PyYAML version.
    too_deep = _too_deep(text, is_json)
    if too_deep:
        parsed.findings.append(too_deep)
        return parsed
    if is_json:
        _parse_json(parsed)
    else:
        _parse_yaml(parsed)
    return parsed


def _parse_yaml(parsed: Parsed) -> None:
    loader = _Loader(parsed.text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        if _NESTING_ERROR in (err.problem or ""):  # libyaml's own limit (PyYAML 6.0.4 and later)
            what = f"the YAML reader stopped here: {err.problem}"
            parsed.findings.append(_limit_finding(what, _mark_span(err.problem_mark)))
        else:
            parsed.findings.append(_syntax_finding(err, parsed.text))
        return
    except RecursionError:  # the pure-Python reader on nesting the pre-check did not see
        parsed.findings.append(_limit_finding("the YAML nests too deeply to read"))
        return
    except yaml.reader.ReaderError as err:  # a character YAML does not allow (NUL, form feed, ...)
        parsed.findings.append(_character_finding(parsed.text, err))
        return
    except yaml.YAMLError as err:  # e.g. "expected a single document"
        parsed.findings.append(Finding("AMLD001", Severity.ERROR, f"YAML syntax error: {err}", Span.point()))
        return
    finally:
        loader.dispose()
    if root is None:  # empty document or only comments
        parsed.data = None
        return
    _construct_into(parsed, root)


def _parse_json(parsed: Parsed) -> None:
    try:
        data = json.loads(parsed.text)
    except json.JSONDecodeError as err:
        line, col = err.lineno - 1, err.colno - 1
        hint = " (JSON does not allow comments)" if _comment_at(parsed.text, err.pos) else ""
        parsed.findings.append(Finding("AMLD001", Severity.ERROR, f"JSON syntax error: {err.msg}{hint}", Span(line, col, line, col + 1)))
        return
    except RecursionError:
        parsed.findings.append(_limit_finding("the JSON nests too deeply"))
        return
    except ValueError:  # a number longer than Python converts (4,300 digits)
        digits = _LONG_NUMBER.search(parsed.text)
        line, col = _line_col(parsed.text, digits.start() if digits else 0)
        length = len(digits.group(0)) if digits else 1
        parsed.findings.append(
            Finding(
                "AMLD001",
                Severity.ERROR,
                f"This number has {length:,} digits; no Azure ML setting takes a number that long.",
                Span(line, col, line, col + min(length, 1000)),
            )
        )
        return
    # Tabs are legal JSON whitespace but not YAML indentation; a tab is one code point like a
    # space, so swapping them keeps every position.
    loader = _Loader(parsed.text.replace("\t", " "))
    try:
        root = loader.get_single_node()
    except yaml.YAMLError:
        root = None  # valid JSON that YAML cannot read: keep data, lose positions
    finally:
        loader.dispose()
    parsed.data = data
    if root is None:
        parsed.root = yaml.MappingNode("tag:yaml.org,2002:map", [], _mark(0, 0), _mark(0, 1))
        return
    parsed.root = root
    parsed.findings.extend(_duplicate_key_findings(root))


def _template_data(text: str, is_json: bool) -> Any:
    """The data with each {{ X }} read as the placeholder <X>: not validated, but enough to know
    which files the template refers to."""
    scratch = Parsed(text=_TEMPLATE.sub(lambda m: "<" + m.group(0).strip("{} ") + ">", text), is_json=is_json)
    if not _too_deep(scratch.text, is_json):
        _parse_json(scratch) if is_json else _parse_yaml(scratch)
    return scratch.data


def _construct_into(parsed: Parsed, root: yaml.Node) -> None:
    builder = _Builder()
    try:
        parsed.data = builder.build(root, 0)
    except LimitExceeded as err:
        parsed.findings.append(_limit_finding(str(err), err.span))
        return
    parsed.root = root
    parsed.findings.extend(builder.findings)


class _Builder:
    """Turns a composed node graph into dicts, lists and scalars, with limits."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.expanded = 0
        self._scalars = _Loader("")

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.expanded += 1
        if self.expanded > MAX_EXPANDED_NODES:
            raise LimitExceeded(f"aliases expand to more than {MAX_EXPANDED_NODES} values (an alias bomb?)", span_of(node))
        if depth > MAX_DEPTH:
            raise LimitExceeded(f"values nest more than {MAX_DEPTH} levels deep", span_of(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, depth + 1) for item in node.value]
        return self._mapping(node, depth)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict:
        result: dict[str, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in _merged_pairs(node):
            key = key_text(key_node)
            if key in seen:
                self.findings.append(_duplicate_finding(key_node, key))
            seen.add(key)
            result[key] = self.build(value_node, depth + 1)
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # Azure ML reads dates as text; keep them as written
        constructor = self._scalars.yaml_constructors.get(node.tag)
        if constructor is None:
            return node.value
        try:
            return constructor(self._scalars, node)
        except (yaml.YAMLError, ValueError):
            return node.value


def _merged_pairs(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """The mapping's pairs with `<<: *anchor` merge keys expanded (first definition wins)."""
    own = [(k, v) for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"]
    merges = [v for k, v in node.value if k.tag == "tag:yaml.org,2002:merge"]
    if not merges:
        return own
    names = {key_text(k) for k, _ in own}
    merged = list(own)
    for source in merges:
        for candidate in source.value if isinstance(source, yaml.SequenceNode) else [source]:
            if isinstance(candidate, yaml.MappingNode):
                for k, v in candidate.value:
                    if key_text(k) not in names:
                        names.add(key_text(k))
                        merged.append((k, v))
    return merged


def key_text(node: yaml.Node) -> str:
    """A mapping key as text; a non-scalar key (e.g. an unrendered `{{ X }}`) becomes its source form."""
    if isinstance(node, yaml.ScalarNode):
        return node.value
    return f"<{node.id} key>"


def _duplicate_key_findings(root: yaml.Node) -> list[Finding]:
    findings: list[Finding] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_text(key_node)
                if key in seen:
                    findings.append(_duplicate_finding(key_node, key))
                seen.add(key)
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return findings


def span_of(node: yaml.Node) -> Span:
    """The node's range, clamped to its first line for block collections (their end marks
    run on to the start of the next token)."""
    start, end = node.start_mark, node.end_mark
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return Span(start.line, start.column, end.line, end.column)
    return Span(start.line, start.column, start.line, start.column + 1)


def _duplicate_finding(key_node: yaml.Node, key: str) -> Finding:
    return Finding(
        "AMLD002",
        Severity.ERROR,
        f"Duplicate key '{key}': the last one silently wins. Remove or rename one of them.",
        span_of(key_node),
    )


def _syntax_finding(err: yaml.MarkedYAMLError, text: str) -> Finding:
    mark = err.problem_mark or err.context_mark
    line, col = (mark.line, mark.column) if mark else (0, 0)
    problem = err.problem or err.context or "invalid YAML"
    lines = text.splitlines()
    if line < len(lines) and "\t" in lines[line][: col + 1]:
        problem += " (YAML does not allow tabs for indentation; use spaces)"
    end = len(lines[line]) if line < len(lines) else col + 1
    return Finding("AMLD001", Severity.ERROR, f"YAML syntax error: {problem}", Span(line, col, line, max(end, col + 1)))


def _template_finding(text: str, match: re.Match) -> Finding:
    line = text.count("\n", 0, match.start())
    col = match.start() - (text.rfind("\n", 0, match.start()) + 1)
    return Finding(
        "AMLD003",
        Severity.INFO,
        f"This file is a template ({match.group(0)} is filled in by a script); it is not validated until the placeholders are replaced.",
        Span(line, col, line, col + len(match.group(0))),
    )


_LONG_NUMBER = re.compile(r"-?\d{4000,}")


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def _character_finding(text: str, err) -> Finding:
    """The reader's "unacceptable character", at its place."""
    line, col = _line_col(text, max(min(err.position, len(text)), 0))
    what = f"#x{err.character:04x}" if isinstance(err.character, int) else repr(err.character)
    return Finding("AMLD001", Severity.ERROR, f"YAML syntax error: {err.reason} (character {what} here).", Span(line, col, line, col + 1))


def _limit_finding(what: str, span: Span | None = None) -> Finding:
    return Finding("AMLD004", Severity.WARNING, f"Not validated: {what}.", span or Span.point())


def _too_deep(text: str, is_json: bool) -> Finding | None:
    """AMLD004 at the spot where brackets, or (YAML) indented blocks, pass MAX_DEPTH levels."""
    spot = _flow_too_deep(text)
    if spot:
        return _limit_finding(f"brackets nest more than {MAX_DEPTH} levels deep", spot)
    spot = None if is_json else _block_too_deep(text)
    if spot:
        return _limit_finding(f"indented blocks nest more than {MAX_DEPTH} levels deep", spot)
    return None


def _flow_too_deep(text: str) -> Span | None:
    """Where bracket nesting passes MAX_DEPTH, ignoring quoted strings and comments."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    blanked = _QUOTED_OR_COMMENT.sub(lambda m: " " * len(m.group(0)), text)  # keeps every offset
    depth = 0
    for match in _OPENERS.finditer(blanked):
        depth = depth + 1 if match.group(0) in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            return _offset_span(text, match.start())
    return None


def _block_too_deep(text: str) -> Span | None:
    """Where block nesting passes MAX_DEPTH: each line indented past the open blocks opens one
    more, and so does each further '- ' on one line ('- - x')."""
    if text.count("\n") + text.count("- ") <= MAX_DEPTH:
        return None
    open_columns: list[int] = []
    for number, line in enumerate(text.splitlines()):
        content = line.lstrip(" ")
        if not content or content.startswith("#"):
            continue
        column = len(line) - len(content)
        while open_columns and open_columns[-1] >= column:
            open_columns.pop()
        open_columns.append(column)
        while content.startswith("- ") and content[2:].lstrip(" ").startswith("- "):
            rest = content[2:].lstrip(" ")
            column += len(content) - len(rest)
            content = rest
            open_columns.append(column)
        if len(open_columns) > MAX_DEPTH:
            return Span(number, column, number, column + 1)
    return None


def _offset_span(text: str, offset: int) -> Span:
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return Span(line, column, line, column + 1)


def _mark_span(mark: yaml.Mark | None) -> Span:
    return Span(mark.line, mark.column, mark.line, mark.column + 1) if mark else Span.point()


def _comment_at(text: str, pos: int) -> bool:
    return text.startswith("//", pos) or text.startswith("/*", pos)


def _leading_comments(text: str) -> list[str]:
    comments = []
    for line in text.splitlines()[:20]:
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped)
        elif stripped:
            break
    return comments


def _mark(line: int, col: int) -> yaml.Mark:
    return yaml.Mark("<json>", 0, line, col, None, None)
