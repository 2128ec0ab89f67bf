"""Completion: keys valid at the cursor, enum and boolean values, and snippets for new files."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .cursor import Cursor, json_cursor, yaml_cursor
from .kinds import Kind
from .schemas import allows_any_key, describe, known_keys, subschemas_at
from .validate import SCHEMA_HOST


@dataclass(frozen=True)
class Item:
    label: str
    kind: str  # "key" | "value" | "snippet"
    insert: str  # snippet syntax when `snippet`
    snippet: bool = False
    detail: str | None = None
    documentation: str | None = None
    prefix_length: int = 0  # characters before the cursor the item replaces


def complete(path: str, text: str, line: int, col: int, kind: Kind | None) -> list[Item]:
    is_json = path.lower().endswith(".json")
    if kind is Kind.SCORING_SCRIPT or path.lower().endswith(".py"):
        return []  # scripts have no schema: nothing of ours to offer
    lines = text.split("\n")
    if kind is None:
        return [] if is_json else _new_file_snippets(lines, line, col)
    cursor = json_cursor(text, _offset(lines, line, col)) if is_json else yaml_cursor(lines, line, col)
    if cursor is None:
        return []
    if cursor.mode == "key":
        return _keys(kind, cursor, is_json)
    return _values(kind, cursor, is_json)


def _offset(lines: list[str], line: int, col: int) -> int:
    return sum(len(text) + 1 for text in lines[:line]) + col


def _keys(kind: Kind, cursor: Cursor, is_json: bool) -> list[Item]:
    schemas = subschemas_at(kind, cursor.path)
    if not schemas or (allows_any_key(schemas) and not known_keys(schemas)):
        return []
    items = []
    for name in known_keys(schemas):
        if name in cursor.siblings:
            continue
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
    if is_json:
        value = {"object": "{$0}", "array": "[$0]", "string": '"$0"'}.get(kind if isinstance(kind, str) else "", "$0")
        return f'"{name}": {value}'
    if kind == "object":
        return f"{name}:\n  $0"
    if kind == "array":
        return f"{name}:\n  - $0"
    if info.get("enum"):
        choices = ",".join(str(v) for v in info["enum"])
        return f"{name}: ${{1|{choices}|}}"
    return f"{name}: $0"


def _values(kind: Kind, cursor: Cursor, is_json: bool) -> list[Item]:
    if cursor.path == ["$schema"]:
        return [
            Item(label=SCHEMA_HOST + f"{k.value}.schema.json", kind="value", insert=SCHEMA_HOST + f"{k.value}.schema.json",
                 detail=k.title, prefix_length=len(cursor.prefix))
            for k in Kind if not k.is_v1 and k is not Kind.CONDA
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
        items.append(Item(label=value, kind="value", insert=insert, detail=_type_label(info),
                          documentation=info.get("description"), prefix_length=len(cursor.prefix)))
    return items


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
    parts = [info.get("description", "")]
    if "default" in info:
        parts.append(f"Default: `{json.dumps(info['default'])}`")
    return "\n\n".join(p for p in parts if p) or None


# -- snippets for an empty file --------------------------------------------------------------

_ENDPOINT = f"""$schema: {SCHEMA_HOST}managedOnlineEndpoint.schema.json
name: ${{1:my-endpoint}}
auth_mode: ${{2|key,aml_token,aad_token|}}
$0"""

_DEPLOYMENT = f"""$schema: {SCHEMA_HOST}managedOnlineDeployment.schema.json
name: ${{1:blue}}
endpoint_name: ${{2:my-endpoint}}
model:
  path: ${{3:./model}}
code_configuration:
  code: ${{4:./src}}
  scoring_script: ${{5:score.py}}
environment:
  conda_file: ${{6:./environment/conda.yaml}}
  image: ${{7:mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest}}
instance_type: ${{8:Standard_DS3_v2}}
instance_count: ${{9:1}}
$0"""

_MODEL = f"""$schema: {SCHEMA_HOST}model.schema.json
name: ${{1:my-model}}
path: ${{2:./model}}
type: ${{3|custom_model,mlflow_model,triton_model|}}
$0"""


def _new_file_snippets(lines: list[str], line: int, col: int) -> list[Item]:
    """Offered in a YAML file that has nothing but comments yet."""
    content = [text for i, text in enumerate(lines) if i != line and text.strip() and not text.strip().startswith("#")]
    current = lines[line][:col] if line < len(lines) else ""
    if content or current.strip().startswith("#") or current.startswith(" "):
        return []
    prefix = len(current)
    return [
        Item("Managed online endpoint", "snippet", _ENDPOINT, True, "new endpoint file", "An endpoint with key authentication.", prefix),
        Item("Managed online deployment", "snippet", _DEPLOYMENT, True, "new deployment file",
             "A deployment with a local model, scoring script and conda environment.", prefix),
        Item("Model", "snippet", _MODEL, True, "new model file", "A model to register from local files.", prefix),
    ]
