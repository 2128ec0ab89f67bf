"""Endpoint, deployment and model name rules (Azure ML's, which a schema cannot fully express)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...findings import Finding, Severity
from ...names import MODEL_NAME, ONLINE_NAME
from ..context import Context
from ..kinds import Kind
from ..nodes import value_span
from ..parsing import Parsed
from ..references import is_placeholder


def check(kind: Kind, parsed: Parsed, ctx: Context) -> Iterator[Finding]:
    data = parsed.data
    if not isinstance(data, dict):
        return
    if kind.is_endpoint or kind.is_deployment:
        yield from _resource_name(kind, parsed, data.get("name"))
    if kind.is_deployment:
        yield from _referenced_endpoint_name(parsed, data.get("endpoint_name"))
    if kind is Kind.KUBERNETES_ONLINE_DEPLOYMENT:
        yield from _kubernetes_total(parsed, data)
    if kind is Kind.MODEL:
        yield from _model_name(parsed, data.get("name"))


def name_problem(name: str) -> str | None:
    """Why `name` cannot name an endpoint or deployment, or None."""
    if not 3 <= len(name) <= 32:
        return f"it is {len(name)} characters long; names are 3 to 32 characters"
    if not name[0].isalpha() or not name[0].isascii():
        return "names start with a letter"
    if not ONLINE_NAME.fullmatch(name):
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c == "-"))})
        if bad:
            return f"names hold only letters, digits and '-' (not {', '.join(repr(c) for c in bad)})"
        return "names do not end with '-'"
    return None


def _resource_name(kind: Kind, parsed: Parsed, name) -> Iterator[Finding]:
    if not isinstance(name, str) or is_placeholder(name):
        return
    problem = name_problem(name)
    span = value_span(parsed.root, ("name",))
    what = "endpoint" if kind.is_endpoint else "deployment"
    if problem:
        suggestion = _repair(name)
        hint = f" Try '{suggestion}'." if suggestion and not name_problem(suggestion) else ""
        # The Azure ML CLI checks endpoint names (when it loads the file or creates the endpoint) and
        # online deployment names (before it sends the deployment); batch deployment names it leaves
        # to the service.
        if kind.is_endpoint or kind.is_online_deployment:
            severity, who = Severity.ERROR, " The Azure ML CLI refuses it."
        else:
            severity, who = Severity.WARNING, " The Azure ML CLI does not check batch deployment names; the service's name rule does."
        yield Finding("AMLD110", severity, f"Invalid {what} name '{name}': {problem}.{who}{hint}", span)
    elif "--" in name:
        yield Finding(
            "AMLD110",
            Severity.WARNING,
            f"'{name}' has a double dash: the Azure ML CLI accepts it, but the documentation allows single dashes only.",
            span,
        )


def _referenced_endpoint_name(parsed: Parsed, name) -> Iterator[Finding]:
    if not isinstance(name, str) or is_placeholder(name):
        return
    problem = name_problem(name)
    if problem:
        suggestion = _repair(name)
        hint = f" Did you mean '{suggestion}'?" if suggestion and not name_problem(suggestion) else ""
        yield Finding(
            "AMLD110",
            Severity.ERROR,
            f"No endpoint can be called '{name}' ({problem}), so creating this deployment fails: it has no endpoint to join.{hint}",
            value_span(parsed.root, ("endpoint_name",)),
        )


def _kubernetes_total(parsed: Parsed, data: dict) -> Iterator[Finding]:
    endpoint, deployment = data.get("endpoint_name"), data.get("name")
    if not (isinstance(endpoint, str) and isinstance(deployment, str)):
        return
    if is_placeholder(endpoint) or is_placeholder(deployment):
        return
    total = len(endpoint) + len(deployment)
    if not 6 <= total <= 62:
        yield Finding(
            "AMLD111",
            Severity.ERROR,
            f"On Kubernetes the endpoint and deployment names together must be 6 to 62 characters "
            f"('{endpoint}' + '{deployment}' is {total}).",
            value_span(parsed.root, ("name",)),
        )


def _model_name(parsed: Parsed, name) -> Iterator[Finding]:
    if isinstance(name, str) and not is_placeholder(name) and not MODEL_NAME.fullmatch(name):
        yield Finding(
            "AMLD110",
            Severity.ERROR,
            f"Invalid model name '{name}': use letters, digits, '-', '_' and '.', starting with a letter or digit, up to 255 characters.",
            value_span(parsed.root, ("name",)),
        )


def _repair(name: str) -> str:
    fixed = re.sub(r"[^a-zA-Z0-9-]+", "-", name).strip("-")
    return fixed[:32].rstrip("-")
