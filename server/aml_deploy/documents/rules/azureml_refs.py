"""`azureml:` references to registered assets: are they well formed?"""

from __future__ import annotations

import re
from collections.abc import Iterator
from difflib import get_close_matches
from typing import Any

from ...findings import Command, Finding, Fix, Severity, Span, TextEdit
from ..context import Context, ModelLookup, ModelVersions
from ..kinds import Kind
from ..nodes import value_span
from ..parsing import Parsed
from ..references import is_placeholder

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"
_VERSIONED = re.compile(rf"^azureml:(?P<name>{_NAME})(?::(?P<version>[A-Za-z0-9_.\-]+)|@(?P<label>[A-Za-z0-9_.\-]+))?$")
REGISTER_COMMAND = "amlDeploy.registerModel"  # the editor's Register Model, given a name and version to start from
_FORMS = [
    re.compile(rf"^azureml:{_NAME}:[A-Za-z0-9_.\-]+\Z"),  # name:version
    re.compile(rf"^azureml:{_NAME}@[A-Za-z0-9_.\-]+\Z"),  # name@label
    re.compile(rf"^azureml:{_NAME}\Z"),  # name (default version)
    re.compile(r"^azureml:/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices/.+\Z", re.I),
    re.compile(
        rf"^azureml://registries/{_NAME}/(models|environments|components|data)/{_NAME}"
        rf"(/versions/[A-Za-z0-9_.\-]+|/labels/[A-Za-z0-9_.\-]+)?\Z"
    ),
]
FIELDS = {
    "model": "model",
    "environment": "environment",
    "code_configuration.code": "code",
}


def reference_problem(value: str) -> str | None:
    """Why an azureml: reference is malformed, or None when it is well formed."""
    if any(form.match(value) for form in _FORMS):
        return None
    body = value[len("azureml:") :]
    if not body:
        return "nothing follows 'azureml:'"
    if body.startswith("//"):
        return "registry references look like azureml://registries/<registry>/models/<name>/versions/<version>"
    if body.endswith((":", "@")):
        return f"the {'version' if body.endswith(':') else 'label'} after '{body[-1]}' is missing"
    if body.count(":") > 1:
        return "write azureml:<name>:<version> with one ':'"
    if ":" in body and "@" in body:
        return "give either :<version> or @<label>, not both"
    return "write azureml:<name>:<version> or azureml:<name>@latest; names hold letters, digits, '-', '_' and '.'"


def check(kind: Kind, parsed: Parsed, ctx: Context) -> Iterator[Finding]:
    if not kind.is_deployment or not isinstance(parsed.data, dict):
        return
    for dotted in FIELDS:
        value: Any = parsed.data
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value.startswith("azureml:") or is_placeholder(value):
            continue
        problem = reference_problem(value)
        span = value_span(parsed.root, tuple(dotted.split(".")))
        if problem:
            yield Finding("AMLD130", Severity.ERROR, f"Malformed reference '{value}': {problem}.", span)
        elif dotted == "model" and ctx.registry is not None:
            missing = ctx.registry.problem(value)
            if missing:
                yield Finding("AMLD301", Severity.ERROR, missing, span, model_fixes(value, span, ctx.registry))


def model_fixes(reference: str, span: Span, registry: ModelLookup) -> tuple[Fix, ...]:
    """For a model the registry does not have: the versions it has of that name (the latest first),
    else those of the name it was probably meant to be, and registering it."""
    match = _VERSIONED.match(reference)
    if match is None:
        return ()
    name, version = match["name"], match["version"]
    fixes: list[Fix] = []
    if isinstance(registry, ModelVersions):
        known = registry.versions(name)
        candidate = name
        if not known:
            close = get_close_matches(name, registry.names(), n=1, cutoff=0.6)
            candidate = close[0] if close else name
            known = registry.versions(candidate) if close else []
        for number, have in enumerate(reversed(known[-3:])):
            replacement = f"azureml:{candidate}:{have}"
            which = " (the latest version)" if number == 0 else ""
            fixes.append(Fix(f"Change to {replacement}{which}", (TextEdit(span, replacement),), preferred=number == 0))
    what = f"{name}:{version}" if version else name
    arguments = ({"name": name, "version": version} if version else {"name": name},)
    fixes.append(Fix(f"Register a model as {what}...", preferred=False, command=Command(REGISTER_COMMAND, arguments)))
    return tuple(fixes)
