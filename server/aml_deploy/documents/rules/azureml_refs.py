"""`azureml:` references to registered assets: are they well formed?"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...findings import Finding, Severity
from ..context import Context
from ..kinds import Kind
from ..nodes import value_span
from ..parsing import Parsed
from ..references import is_placeholder

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"
_FORMS = [
    re.compile(rf"^azureml:{_NAME}:[A-Za-z0-9_.\-]+\Z"),  # name:version
    re.compile(rf"^azureml:{_NAME}@[A-Za-z0-9_.\-]+\Z"),  # name@label
    re.compile(rf"^azureml:{_NAME}\Z"),  # name (default version)
    re.compile(r"^azureml:/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices/.+\Z", re.I),
    re.compile(rf"^azureml://registries/{_NAME}/(models|environments|components|data)/{_NAME}"
               rf"(/versions/[A-Za-z0-9_.\-]+|/labels/[A-Za-z0-9_.\-]+)?\Z"),
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
    body = value[len("azureml:"):]
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
        value = parsed.data
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
                yield Finding("AMLD301", Severity.ERROR, missing, span)
