"""The project's JSON Schemas: loading, the x-aml-enum keyword, and schema-at-path lookup.

Validation, hover and completion all ask the same question ("which schema applies here?"),
so they share `subschemas_at`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when first needed: they cost ~65 ms, and the server starts without them
    import jsonschema
    import referencing
    from referencing._core import Resolver  # the class behind Registry.resolver(); not re-exported at the top

from ..resources import data_path
from .kinds import Kind

SCHEMA_DIR = data_path("schemas")
_BASE_URI = "https://aml-deploy.invalid/schemas/"


def schema_path(kind: Kind) -> Path:
    return SCHEMA_DIR / f"{kind.value}.schema.json"


@functools.cache
def _registry() -> referencing.Registry:
    import referencing
    import referencing.jsonschema

    resources = []
    for path in SCHEMA_DIR.glob("*.schema.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        # The files carry no $id so that other validators resolve their relative $refs
        # by file path; in memory each gets one so that ours resolve the same way.
        contents["$id"] = _BASE_URI + path.name
        resource = referencing.jsonschema.DRAFT202012.create_resource(contents)
        resources.append((_BASE_URI + path.name, resource))
    return referencing.Registry().with_resources(resources)


def root_schema(kind: Kind) -> dict:
    return _registry().contents(_BASE_URI + schema_path(kind).name)


def _camel_to_snake(value: str) -> str:
    """The Azure ML SDK's own normalisation (azure.ai.ml._utils.utils.camel_to_snake)."""
    value = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", value)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", value).lower()


def canonical_enum_value(value: Any, allowed: Iterable[str]) -> str | None:
    """The canonical spelling `value` stands for, the way Azure ML compares, or None."""
    if not isinstance(value, str):
        return None
    allowed = list(allowed)
    for candidate in (value, value.lower(), _camel_to_snake(value)):
        if candidate in allowed:
            return candidate
    return None


def _aml_enum(validator, allowed, instance, schema):
    import jsonschema

    if validator.is_type(instance, "string") and canonical_enum_value(instance, allowed) is None:
        yield jsonschema.ValidationError(f"{instance!r} is not one of {', '.join(allowed)}")


@functools.cache
def _validator_class():
    import jsonschema

    return jsonschema.validators.extend(jsonschema.Draft202012Validator, {"x-aml-enum": _aml_enum})


@functools.cache
def validator_for(kind: Kind) -> jsonschema.protocols.Validator:
    return _validator_class()(root_schema(kind), registry=_registry())


# ----------------------------------------------------------------------------------------
# Schema at a path


def _resolver(kind: Kind) -> Resolver:
    return _registry().resolver(base_uri=_BASE_URI + schema_path(kind).name)


def _expand(schema: Any, resolver: Resolver, seen: frozenset = frozenset()) -> Iterator[tuple[dict, Resolver]]:
    """Yield `schema` and every schema it pulls in by $ref/allOf/anyOf/oneOf, with the
    resolver each must use for its own $refs."""
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen = seen | {id(schema)}
    yield schema, resolver
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        yield from _expand(resolved.contents, resolved.resolver, seen)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword, ()):
            yield from _expand(branch, resolver, seen)


def subschemas_at(kind: Kind, path: Iterable[str | int]) -> list[dict]:
    """Every schema (after following refs and combinators) that describes the value at `path`."""
    current = list(_expand(root_schema(kind), _resolver(kind)))
    for segment in path:
        current = _step(current, segment)
        if not current:
            break
    return [schema for schema, _ in current]


def _step(current: list[tuple[dict, Resolver]], segment: str | int) -> list[tuple[dict, Resolver]]:
    following: list[tuple[dict, Resolver]] = []
    for schema, resolver in current:
        child = _child(schema, segment)
        if child is not None:
            following.extend(_expand(child, resolver))
    return following


def walk(kind: Kind, data: Any) -> Iterator[tuple[list[str | int], Any, list[dict]]]:
    """Every value in `data` with the schemas that apply to it, each derived from its parent's."""
    stack: list[tuple[list[str | int], Any, list[tuple[dict, Resolver]]]] = [([], data, list(_expand(root_schema(kind), _resolver(kind))))]
    while stack:
        path, value, current = stack.pop()
        yield path, value, [schema for schema, _ in current]
        children: Iterable[tuple[str | int, Any]]
        if isinstance(value, dict):
            children = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            continue
        for segment, child in reversed(list(children)):
            stack.append((path + [segment], child, _step(current, segment)))


def _child(schema: dict, segment: str | int) -> Any:
    if isinstance(segment, int):
        items = schema.get("items")
        return items if isinstance(items, dict) else None
    properties = schema.get("properties", {})
    if segment in properties:
        return properties[segment]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def known_keys(schemas: list[dict]) -> dict[str, dict]:
    """Property name -> its schema, across all applicable schemas (first description wins)."""
    keys: dict[str, dict] = {}
    for schema in schemas:
        for name, sub in schema.get("properties", {}).items():
            keys.setdefault(name, sub)
    return keys


def allows_any_key(schemas: list[dict]) -> bool:
    """True when the object at this path takes free-form keys (tags, environment_variables)."""
    if not any(s.get("type") == "object" or "properties" in s for s in schemas):
        return True
    closed = any(s.get("additionalProperties") is False or s.get("unevaluatedProperties") is False for s in schemas)
    return not closed


def describe(schemas: list[dict], key: str | None = None) -> dict[str, Any]:
    """The annotations hover and completion show: description, default, enum values, type."""
    info: dict[str, Any] = {}
    for schema in schemas:
        for field in ("description", "default", "examples", "deprecated", "title", "readOnly"):
            if field in schema and field not in info:
                info[field] = schema[field]
        values = schema.get("x-aml-enum") or schema.get("enum")
        if values and "enum" not in info:
            info["enum"] = list(values)
        if "type" in schema and "type" not in info:
            info["type"] = schema["type"]
        if "x-compute-types" in schema and "compute_types" not in info:
            info["compute_types"] = schema["x-compute-types"]
    return info
