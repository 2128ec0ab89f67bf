"""Completion: keys valid at the cursor, enum and boolean values, and snippets for new files.

Items come in the order they should be shown. Insert texts in snippet syntax escape `$`, `}` and
`\\` (VS Code reads `$schema` in a snippet as a variable and inserts nothing for it)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .context import Context
from .cursor import Cursor, json_cursor, yaml_cursor
from .endpoint_files import endpoints_in
from .kinds import Kind
from .markdown import code, escape
from .rules.settings import SMALL_SKUS, sku_table
from .schemas import allows_any_key, describe, known_keys, subschemas_at
from .validate import SCHEMA_HOST


@dataclass(frozen=True)
class Item:
    label: str
    kind: str  # "key" | "value" | "snippet"
    insert: str  # snippet syntax when `snippet`
    snippet: bool = False
    detail: str | None = None
    documentation: str | None = None  # Markdown
    prefix_length: int = 0  # characters before the cursor the item replaces
    description: str | None = None  # shown beside the label (what tells apart items with one label)
    filter_text: str | None = None


def snippet_text(text: str) -> str:
    """`text` as literal text inside a snippet."""
    return re.sub(r"([\\$}])", r"\\\1", text)


def _placeholder(number: int, default: str) -> str:
    return f"${{{number}:{snippet_text(default)}}}"


def _choice(number: int, values: list[str]) -> str:
    """A choice element; in its options `,` and `|` are escaped too."""
    options = ",".join(re.sub(r"([\\$}|,])", r"\\\1", value) for value in values)
    return "${" + f"{number}|{options}|" + "}"


def schema_url(kind: Kind) -> str:
    return SCHEMA_HOST + f"{kind.value}.schema.json"


# The kinds a `$schema` line declares, most used first.
SCHEMA_KINDS = (
    Kind.MANAGED_ONLINE_DEPLOYMENT,
    Kind.MANAGED_ONLINE_ENDPOINT,
    Kind.MODEL,
    Kind.ENVIRONMENT,
    Kind.KUBERNETES_ONLINE_DEPLOYMENT,
    Kind.KUBERNETES_ONLINE_ENDPOINT,
    Kind.BATCH_ENDPOINT,
    Kind.BATCH_DEPLOYMENT,
    Kind.MODEL_BATCH_DEPLOYMENT,
    Kind.PIPELINE_COMPONENT_BATCH_DEPLOYMENT,
)


def complete(path: str, text: str, line: int, col: int, kind: Kind | None, ctx: Context | None = None) -> list[Item]:
    is_json = path.lower().endswith(".json")
    if kind is Kind.SCORING_SCRIPT or path.lower().endswith(".py"):
        return []  # scripts have no schema: nothing of ours to offer
    lines = text.split("\n")
    if kind is None:
        return [] if is_json else _unknown_yaml(lines, line, col)
    cursor = json_cursor(text, _offset(lines, line, col)) if is_json else yaml_cursor(lines, line, col)
    if cursor is None:
        return []
    if cursor.mode == "key":
        return _keys(kind, cursor, is_json)
    return _values(kind, cursor, is_json, ctx)


def _offset(lines: list[str], line: int, col: int) -> int:
    return sum(len(text) + 1 for text in lines[:line]) + col


def _keys(kind: Kind, cursor: Cursor, is_json: bool) -> list[Item]:
    schemas = subschemas_at(kind, cursor.path)
    if not schemas or (allows_any_key(schemas) and not known_keys(schemas)):
        return []
    items = []
    for name in known_keys(schemas):
        if name in cursor.siblings or (name == "$schema" and cursor.path):
            continue  # an inline model or environment is no file of its own: no $schema there
        info = describe(subschemas_at(kind, cursor.path + [name]))
        if info.get("readOnly"):
            continue
        items.append(
            Item(
                label=name,
                kind="key",
                insert=_key_insert(name, info, is_json),
                snippet=True,
                detail=_type_label(info),
                documentation=_documentation(info),
                prefix_length=len(cursor.prefix),
            )
        )
    return sorted(items, key=lambda item: (item.label.startswith("$"), item.label))


def _key_insert(name: str, info: dict, is_json: bool) -> str:
    kind = info.get("type")
    key = snippet_text(name)
    if is_json:
        value = {"object": "{$0}", "array": "[$0]", "string": '"$0"'}.get(kind if isinstance(kind, str) else "", "$0")
        return f'"{key}": {value}'
    if kind == "object":
        return f"{key}:\n  $0"
    if kind == "array":
        return f"{key}:\n  - $0"
    if info.get("enum"):
        return f"{key}: {_choice(1, [str(v) for v in info['enum']])}"
    return f"{key}: $0"


def _values(kind: Kind, cursor: Cursor, is_json: bool, ctx: Context | None) -> list[Item]:
    if cursor.path == ["$schema"]:
        return _schema_urls(cursor.prefix)
    if cursor.path == ["instance_type"] and kind is Kind.MANAGED_ONLINE_DEPLOYMENT:
        return _instance_types(cursor.prefix, is_json)
    if cursor.path == ["endpoint_name"] and kind.is_deployment and ctx is not None:
        endpoints = _endpoint_names(kind, ctx)
        if endpoints:
            return [
                Item(
                    label=name,
                    kind="value",
                    insert=json.dumps(name) if is_json else name,
                    detail=f"defined in {file}",
                    prefix_length=len(cursor.prefix),
                )
                for name, file in endpoints
            ]
    info = describe(subschemas_at(kind, cursor.path))
    values: list[str] = [str(v) for v in info.get("enum", [])]
    if not values and _has_type(info, "boolean"):
        values = ["true", "false"]
    if not values:
        values = [str(v) for v in info.get("examples", []) if isinstance(v, (str, int, float))]
    items = []
    for value in values:
        insert = json.dumps(value) if is_json and not _has_type(info, "boolean") else value
        items.append(
            Item(
                label=value,
                kind="value",
                insert=insert,
                detail=_type_label(info),
                documentation=escape(info["description"]) if info.get("description") else None,
                prefix_length=len(cursor.prefix),
            )
        )
    return items


def _schema_urls(prefix: str) -> list[Item]:
    return [
        Item(label=schema_url(k), kind="value", insert=schema_url(k), detail=k.label, description=k.label, prefix_length=len(prefix))
        for k in SCHEMA_KINDS
    ]


def _instance_types(prefix: str, is_json: bool) -> list[Item]:
    """Every size managed online endpoints offer, smallest first."""
    items = []
    for sku, cores, gpus in sorted(sku_table(), key=lambda row: (row[2] != "0", row[1], row[0])):
        size = f"{cores} cores" + (f", {gpus} GPU" if gpus != "0" else "")
        small = " (too small for most models)" if sku.lower() in SMALL_SKUS else ""
        items.append(
            Item(
                label=sku,
                kind="value",
                insert=json.dumps(sku) if is_json else sku,
                detail=size + small,
                description=size,
                prefix_length=len(prefix),
            )
        )
    return items


def _endpoint_names(kind: Kind, ctx: Context) -> list[tuple[str, str]]:
    batch = not kind.is_online_deployment
    return sorted({(e.name, e.path.name) for e in endpoints_in(ctx.folder, ctx) if (e.kind is Kind.BATCH_ENDPOINT) == batch})


def _has_type(info: dict, name: str) -> bool:
    kind = info.get("type")
    return kind == name or (isinstance(kind, list) and name in kind)


def _type_label(info: dict) -> str | None:
    kind = info.get("type")
    if isinstance(kind, list):
        return " | ".join(k for k in kind if k != "null")
    if info.get("enum"):
        return " | ".join(str(v) for v in info["enum"])
    return kind


def _documentation(info: dict) -> str | None:
    parts = [escape(info.get("description", ""))]
    if "default" in info:
        parts.append(f"Default: {code(json.dumps(info['default']))}")
    return "\n\n".join(p for p in parts if p) or None


# -- a YAML file that is not ours yet --------------------------------------------------------


def _unknown_yaml(lines: list[str], line: int, col: int) -> list[Item]:
    """A `$schema:` value names the kind; an empty file gets the `$schema` lines and the snippets."""
    cursor = yaml_cursor(lines, line, col)
    if cursor is not None and cursor.mode == "value" and cursor.path == ["$schema"]:
        return _schema_urls(cursor.prefix)
    content = [text for i, text in enumerate(lines) if i != line and text.strip() and not text.strip().startswith("#")]
    current = lines[line][:col] if line < len(lines) else ""
    if content or current.strip().startswith("#") or current.startswith(" ") or ":" in current:
        return []
    return _schema_lines(len(current)) + _new_file_snippets(len(current))


def _schema_lines(prefix: int) -> list[Item]:
    return [
        Item(
            label="$schema",
            kind="key",
            insert=f"{snippet_text('$schema')}: {snippet_text(schema_url(k))}\n$0",
            snippet=True,
            detail=schema_url(k),
            description=k.label,
            prefix_length=prefix,
            filter_text="$schema",
            documentation=f"Declares this file a {k.label}: the editor and the Azure ML CLI then check it as one.",
        )
        for k in SCHEMA_KINDS
    ]


def _schema_line(kind: Kind) -> str:
    return f"{snippet_text('$schema')}: {snippet_text(schema_url(kind))}\n"


_ENDPOINT = (
    _schema_line(Kind.MANAGED_ONLINE_ENDPOINT)
    + f"""name: {_placeholder(1, "my-endpoint")}
auth_mode: {_choice(2, ["key", "aml_token", "aad_token"])}
$0"""
)

_DEPLOYMENT = (
    _schema_line(Kind.MANAGED_ONLINE_DEPLOYMENT)
    + f"""name: {_placeholder(1, "blue")}
endpoint_name: {_placeholder(2, "my-endpoint")}
model:
  path: {_placeholder(3, "./model")}
code_configuration:
  code: {_placeholder(4, "./src")}
  scoring_script: {_placeholder(5, "score.py")}
environment:
  conda_file: {_placeholder(6, "./environment/conda.yaml")}
  image: {_placeholder(7, "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest")}
instance_type: {_placeholder(8, "Standard_DS3_v2")}
instance_count: {_placeholder(9, "1")}
$0"""
)

_MODEL = (
    _schema_line(Kind.MODEL)
    + f"""name: {_placeholder(1, "my-model")}
path: {_placeholder(2, "./model")}
type: {_choice(3, ["custom_model", "mlflow_model", "triton_model"])}
$0"""
)


def _new_file_snippets(prefix: int) -> list[Item]:
    return [
        Item(
            "Managed online deployment",
            "snippet",
            _DEPLOYMENT,
            True,
            "new deployment file",
            "A deployment with a local model, scoring script and conda environment.",
            prefix,
        ),
        Item("Managed online endpoint", "snippet", _ENDPOINT, True, "new endpoint file", "An endpoint with key authentication.", prefix),
        Item("Model", "snippet", _MODEL, True, "new model file", "A model to register from local files.", prefix),
    ]
