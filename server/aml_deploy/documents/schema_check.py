"""JSON Schema validation with findings at the exact spot.

Ranges follow yaml-language-server: a wrong value marks the value, an unknown key marks the
key, a missing key marks the parent's key (or the first line at the root).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema

import yaml

from ..findings import Finding, Fix, Severity, Span, TextEdit
from .kinds import Kind
from .nodes import key_span, locate, value_span
from .parsing import Parsed
from .schemas import canonical_enum_value, describe, known_keys, root_schema, subschemas_at, validator_for, walk
from .suggest import did_you_mean, one_of

# Required fields the Azure ML CLI lets you give on the command line instead.
CLI_SUPPLIED = {"name": "--name", "endpoint_name": "--endpoint-name", "compute": "--set compute=..."}

_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    bool: "true/false",
    int: "a whole number",
    float: "a number",
    type(None): "empty (null)",
}
_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "empty",
}


def check(kind: Kind, parsed: Parsed) -> list[Finding]:
    findings: list[Finding] = []
    if parsed.data is None:
        return [_empty_finding(kind)]
    for error in validator_for(kind).iter_errors(parsed.data):
        findings.extend(_findings_for(error, kind, parsed))
    findings.extend(_annotation_hints(kind, parsed))
    return _unique(findings)


def _empty_finding(kind: Kind) -> Finding:
    return Finding("AMLD104", Severity.ERROR, f"The file is empty; a {kind.label} file is a mapping of keys.", Span.point())


def _findings_for(error: jsonschema.ValidationError, kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    path = list(error.absolute_path)
    handler = _HANDLERS.get(error.validator, _generic)
    yield from handler(error, path, kind, parsed)


def _unknown_keys(error: jsonschema.ValidationError, path: list[str | int], kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    if not isinstance(error.instance, dict):
        return
    known = known_keys(subschemas_at(kind, path))
    severity = Severity.WARNING if root_schema(kind).get("x-unknown-key-severity") == "warning" else Severity.ERROR
    where = f" in {_dotted(path)}" if path else ""
    for key in error.instance:
        if key in known:
            continue
        suggestion = did_you_mean(key, known)
        span = key_span(parsed.root, path + [key])
        if kind.is_v1:
            message = f"Unknown key '{key}'{where}: Azure ML v1 silently ignores it."
        else:
            message = f"Unknown key '{key}'{where}: the Azure ML CLI rejects it."
        fixes: tuple[Fix, ...] = ()
        if suggestion:
            message += f" Did you mean '{suggestion}'?"
            fixes = (Fix(f"Rename to '{suggestion}'", (TextEdit(span, suggestion),)),)
        else:
            message += f" Known keys here: {one_of(sorted(k for k in known if not k.startswith('$')))}."
        yield Finding("AMLD101", severity, message, span, fixes)


def _required(error: jsonschema.ValidationError, path: list[str | int], kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    if not isinstance(error.instance, dict):
        return
    for name in error.validator_value:
        if name in error.instance:
            continue
        span = key_span(parsed.root, path)
        if not path and name in CLI_SUPPLIED and (kind.is_deployment or kind.is_endpoint):
            yield Finding(
                "AMLD105",
                Severity.INFO,
                f"'{name}' is not set here, so it must be given on the command line ({CLI_SUPPLIED[name]}).",
                span,
            )
            continue
        where = f"'{_dotted(path)}'" if path else f"a {kind.label}"
        yield Finding("AMLD104", Severity.ERROR, f"Missing required key '{name}' in {where}.", span)


def _type(error: jsonschema.ValidationError, path: list[str | int], kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    expected: list[str] = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
    wanted = one_of(_TYPE_WORDS.get(t, t) for t in expected)
    actual = _JSON_TYPES.get(type(error.instance), type(error.instance).__name__)
    message = f"'{_dotted(path)}' should be {wanted}, not {actual}"
    if isinstance(error.instance, (str, int, float, bool)):
        message += f" ({_show(error.instance)})"
    severity = Severity.ERROR
    if _coercible(error.instance, expected):
        # marshmallow, which the Azure ML CLI validates with, converts these.
        severity = Severity.WARNING
        message += "; Azure ML converts it, but write it as " + wanted
    elif "string" in expected and isinstance(error.instance, bool):
        message += f". Quote it: '{str(error.instance).lower()}'"
    yield Finding("AMLD102", severity, message + ".", value_span(parsed.root, path))


def _coercible(value: Any, expected: list[str]) -> bool:
    if isinstance(value, bool):
        return False
    if "integer" in expected and isinstance(value, float):
        return True
    if isinstance(value, str) and ("integer" in expected or "number" in expected):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return isinstance(value, str) and "boolean" in expected and value.lower() in ("true", "false", "yes", "no")


def _enum(error: jsonschema.ValidationError, path: list[str | int], kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    allowed = [str(v) for v in error.validator_value]
    span = value_span(parsed.root, path)
    message = f"{_show(error.instance)} is not a valid value for '{_dotted(path)}': use {one_of(allowed)}."
    suggestion = did_you_mean(str(error.instance), allowed) if isinstance(error.instance, str) else None
    fixes: tuple[Fix, ...] = ()
    if suggestion:
        message = message[:-1] + f". Did you mean '{suggestion}'?"
        fixes = (Fix(f"Change to '{suggestion}'", (TextEdit(span, _requote(parsed.root, path, suggestion)),)),)
    yield Finding("AMLD103", Severity.ERROR, message, span, fixes)


def _pattern(error: jsonschema.ValidationError, path: list[str | int], kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    explanation = error.schema.get("x-message") or f"it must match {error.validator_value}"
    span = value_span(parsed.root, path)
    fixes: tuple[Fix, ...] = ()
    prefix = error.schema.get("x-fix-prefix")
    if prefix and isinstance(error.instance, str) and _REFERENCE_LIKE.match(error.instance):
        fixed = prefix + error.instance
        fixes = (Fix(f"Change to '{fixed}'", (TextEdit(span, _requote(parsed.root, path, fixed)),)),)
    yield Finding("AMLD106", Severity.ERROR, f"{_show(error.instance)} is not valid for '{_dotted(path)}': {explanation}", span, fixes)


_REFERENCE_LIKE = re.compile(r"^[A-Za-z0-9][\w.-]*(:[\w.-]+|@[\w.-]+)$")


def _range(error: jsonschema.ValidationError, path: list[str | int], kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    limits = {
        "minimum": "at least {}",
        "maximum": "at most {}",
        "exclusiveMinimum": "more than {}",
        "exclusiveMaximum": "less than {}",
        "minLength": "at least {} characters long",
        "maxLength": "at most {} characters long",
        "minItems": "a list of at least {} items",
        "maxItems": "a list of at most {} items",
    }
    rule = limits[error.validator].format(error.validator_value)
    documented_only = error.schema.get("x-severity") == "warning"
    yield Finding(
        "AMLD107",
        Severity.WARNING if documented_only else Severity.ERROR,
        f"'{_dotted(path)}' must be {rule} (it is {_show(error.instance)})"
        + (": the documented limit, which the Azure ML CLI does not check." if documented_only else "."),
        value_span(parsed.root, path),
    )


def _alternatives(error: jsonschema.ValidationError, path: list[str | int], kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    """oneOf/anyOf: report the errors of the branch whose type fits the value."""
    branches: dict[int, list[jsonschema.ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [i for i, errors in branches.items() if not any(e.validator == "type" and not e.relative_path for e in errors)]
    if len(fitting) == 1:
        for sub in branches[fitting[0]]:
            yield from _findings_for(sub, kind, parsed)
        return
    if not fitting:
        types: list[str] = []
        for sub in error.context or ():
            if sub.validator == "type" and not sub.relative_path:
                wanted = sub.validator_value
                types.extend(wanted if isinstance(wanted, list) else [wanted])
        wanted = one_of(dict.fromkeys(_TYPE_WORDS.get(t, t) for t in types)) or "something else"
        actual = _JSON_TYPES.get(type(error.instance), "this")
        yield Finding("AMLD102", Severity.ERROR, f"'{_dotted(path)}' should be {wanted}, not {actual}.", value_span(parsed.root, path))
        return
    from jsonschema.exceptions import best_match

    best = best_match(error.context or ())
    if best is None:
        yield from _generic(error, path, kind, parsed)
    else:
        yield from _findings_for(best, kind, parsed)


def _generic(error: jsonschema.ValidationError, path: list[str | int], kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    yield Finding("AMLD102", Severity.ERROR, f"'{_dotted(path)}': {error.message}.", value_span(parsed.root, path))


_HANDLERS = {
    "additionalProperties": _unknown_keys,
    "unevaluatedProperties": _unknown_keys,
    "required": _required,
    "type": _type,
    "x-aml-enum": _enum,
    "enum": _enum,
    "const": _enum,
    "pattern": _pattern,
    "oneOf": _alternatives,
    "anyOf": _alternatives,
    **{
        name: _range
        for name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems")
    },
}


# ----------------------------------------------------------------------------------------
# Hints that are not schema errors


def _annotation_hints(kind: Kind, parsed: Parsed) -> Iterator[Finding]:
    """Hints from schema annotations: deprecated keys, and enum values Azure ML accepts but
    that are not spelled the documented way (auth_mode: Key)."""
    for path, value, schemas in walk(kind, parsed.data):
        info = describe(schemas)
        if info.get("deprecated") and path:
            why = info.get("description", "")
            message = why if why.lower().startswith("deprecated") else f"Deprecated. {why}"
            yield Finding("AMLD109", Severity.HINT, f"'{_dotted(path)}': {message}".strip(), key_span(parsed.root, path))
        allowed = info.get("enum")
        if not allowed or not isinstance(value, str):
            continue
        canonical = canonical_enum_value(value, allowed)
        if canonical and canonical != value:
            span = value_span(parsed.root, path)
            yield Finding(
                "AMLD108",
                Severity.HINT,
                f"'{value}' is accepted for '{_dotted(path)}'; the documented spelling is '{canonical}'.",
                span,
                (Fix(f"Change to '{canonical}'", (TextEdit(span, _requote(parsed.root, path, canonical)),)),),
            )


# ----------------------------------------------------------------------------------------


def _requote(root: yaml.Node | None, path: list, text: str) -> str:
    """`text` wrapped in the same quotes as the value it replaces."""
    _, node = locate(root, path)
    style = getattr(node, "style", None)
    return f"{style}{text}{style}" if style in ("'", '"') else text


def _dotted(path: list) -> str:
    out = ""
    for segment in path:
        out += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if out else str(segment))
    return out or "(top level)"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    unique = []
    for finding in findings:
        key = (finding.code, finding.span, finding.message)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique
