"""Our schemas: valid JSON Schema, and a description on every field (hover shows it)."""

import json

import jsonschema
import pytest

from aml_deploy.documents.kinds import Kind
from aml_deploy.documents.schemas import SCHEMA_DIR, describe, known_keys, subschemas_at


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("*.schema.json")), ids=lambda p: p.name)
def test_schema_is_valid_2020_12(path):
    jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def _fields(kind: Kind, path=(), depth=0):
    schemas = subschemas_at(kind, list(path))
    for name in known_keys(schemas):
        child = list(path) + [name]
        yield child
        if depth < 4:
            yield from _fields(kind, child, depth + 1)


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.SCORING_SCRIPT], ids=lambda k: k.value)
def test_every_field_has_a_description(kind):
    undescribed = [".".join(map(str, path)) for path in _fields(kind) if not describe(subschemas_at(kind, path)).get("description")]
    assert undescribed == []


def test_every_kind_has_a_schema_file():
    for kind in (k for k in Kind if k is not Kind.SCORING_SCRIPT):
        assert (SCHEMA_DIR / f"{kind.value}.schema.json").exists()
