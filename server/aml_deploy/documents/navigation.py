"""Hover and go-to-definition for configuration files."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ..findings import Span
from .context import Context
from .cursor import json_cursor, yaml_cursor
from .endpoint_files import endpoint_name_span
from .kinds import Kind
from .markdown import code, escape
from .nodes import node_at
from .parsing import Parsed, span_of
from .references import Role, local_references
from .schemas import describe, subschemas_at


def hover(kind: Kind, parsed: Parsed, line: int, col: int, ctx: Context | None = None) -> tuple[str, Span | None] | None:
    path, node, on_key = _path_at(parsed, line, col)
    if not path:
        return None
    info = describe(subschemas_at(kind, path))
    value = node.value if isinstance(node, yaml.ScalarNode) and not on_key else None
    parts = []
    if info:
        parts.append(_markdown(path[-1], info, value))
    if ctx is not None and ctx.registry is not None and isinstance(value, str) and value.startswith("azureml:") and path[-1] == "model":
        details = ctx.registry.describe_reference(value)
        parts.append(_registry_markdown(value, details, ctx.registry.location()))
    if not parts:
        return None
    return "\n\n---\n\n".join(parts), span_of(node) if node is not None else None


def _path_at(parsed: Parsed, line: int, col: int) -> tuple[list, yaml.Node | None, bool]:
    if parsed.ok:
        path, node, on_key = node_at(parsed.root, line, col)
        if path:
            return path, node, on_key
    lines = parsed.text.split("\n")
    if line >= len(lines):
        return [], None, False
    # Hover over a key in text that does not parse: treat the word under the cursor as the key.
    end = len(lines[line].split(":", 1)[0]) if ":" in lines[line] else len(lines[line])
    if parsed.is_json:
        offset = sum(len(t) + 1 for t in lines[:line]) + end
        cursor = json_cursor(parsed.text, offset)
        return (cursor.path if cursor and cursor.mode == "value" else []), None, True
    cursor = yaml_cursor(lines, line, end)
    if cursor is None or not cursor.prefix:
        return [], None, True
    return cursor.path + [cursor.prefix.strip("'\"")], None, True


def _markdown(key, info: dict, value) -> str:
    lines = [f"**{escape(str(key))}**" + (f" · {code(_type(info))}" if _type(info) else "")]
    if info.get("description"):
        lines.append(escape(info["description"]))
    if info.get("enum"):
        lines.append("Allowed: " + ", ".join(code(str(v)) for v in info["enum"]))
    if "default" in info:
        lines.append(f"Default: {code(json.dumps(info['default']))}")
    if info.get("compute_types"):
        lines.append("Read for computeType: " + escape(", ".join(info["compute_types"])))
    if info.get("deprecated"):
        lines.append("*Deprecated.*")
    return "\n\n".join(lines)


def _registry_markdown(reference: str, details: dict | None, where: str) -> str:
    if details is None:
        return f"{code(reference)} is not in the local model registry ({escape(where)})."
    rows = [f"**{escape(details['name'])}:{escape(str(details['version']))}** in the local model registry"]
    for label, key in (
        ("Type", "type"),
        ("Description", "description"),
        ("Size", "size_text"),
        ("Registered", "created"),
        ("Files", "file_count"),
    ):
        if details.get(key) not in (None, ""):
            rows.append(f"{label}: {escape(str(details[key]))}")
    if details.get("tags"):
        rows.append("Tags: " + ", ".join(code(f"{k}={v}") for k, v in details["tags"].items()))
    return "\n\n".join(rows)


def _type(info: dict) -> str:
    kind = info.get("type")
    if isinstance(kind, list):
        return " | ".join(k for k in kind if k != "null")
    return kind or ""


def definition(kind: Kind, parsed: Parsed, line: int, col: int, ctx: Context) -> tuple[Path, Span | None] | None:
    """Where a path value (or an endpoint_name) leads."""
    if not parsed.ok:
        return None
    path, node, on_key = node_at(parsed.root, line, col)
    if on_key or not isinstance(node, yaml.ScalarNode):
        return None
    field = tuple(path)
    if field == ("endpoint_name",) and kind.is_deployment:
        return endpoint_name_span(ctx, node.value)
    references = local_references(kind, parsed.data, ctx.folder)
    for ref in references:
        if ref.field != field or ref.resolved is None or not ctx.exists(ref.resolved):
            continue
        if ref.role is Role.CODE:
            script = next(
                (r.resolved for r in references if r.role is Role.SCORING_SCRIPT and r.resolved and ctx.is_file(r.resolved)), None
            )
            return (script, None) if script else None
        if ctx.is_file(ref.resolved):
            return ref.resolved, None
    return None
