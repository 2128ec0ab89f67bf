"""A deployment's endpoint_name should name an endpoint defined next to it."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterator, NamedTuple

from ...findings import Finding, Fix, Severity, TextEdit
from ..context import Context
from ..kinds import Kind, detect
from ..nodes import value_span
from ..parsing import Parsed, parse
from ..references import is_placeholder
from ..suggest import did_you_mean

YAML_SUFFIXES = (".yml", ".yaml")


class EndpointFile(NamedTuple):
    path: Path
    name: str
    kind: Kind


def check(kind: Kind, parsed: Parsed, ctx: Context) -> Iterator[Finding]:
    if not kind.is_deployment or not isinstance(parsed.data, dict):
        return
    name = parsed.data.get("endpoint_name")
    if not isinstance(name, str) or is_placeholder(name):
        return
    batch = not kind.is_online_deployment
    endpoints = [e for e in endpoints_in(ctx.folder, ctx) if (e.kind is Kind.BATCH_ENDPOINT) == batch]
    if not endpoints:
        return
    span = value_span(parsed.root, ("endpoint_name",))
    matching = [e for e in endpoints if e.name == name]
    if not matching:
        names = sorted({e.name for e in endpoints})
        suggestion = did_you_mean(name, names) or (names[0] if len(names) == 1 else None)
        message = f"No endpoint named '{name}' in this folder ({_listing(endpoints)})."
        fixes = ()
        if suggestion:
            message = message[:-1] + f" Did you mean '{suggestion}'?"
            fixes = (Fix(f"Change to '{suggestion}'", (TextEdit(span, suggestion),)),)
        yield Finding("AMLD113", Severity.WARNING, message, span, fixes)
        return
    wanted = Kind.KUBERNETES_ONLINE_ENDPOINT if kind is Kind.KUBERNETES_ONLINE_DEPLOYMENT else Kind.MANAGED_ONLINE_ENDPOINT
    if not batch and all(e.kind is not wanted for e in matching):
        yield Finding(
            "AMLD113", Severity.WARNING,
            f"This is a {kind.title}, but '{name}' is a {matching[0].kind.title} ({matching[0].path.name}).", span,
        )


def endpoints_in(folder: Path, ctx: Context) -> list[EndpointFile]:
    found = []
    ctx.depends_on.add(str(folder))  # a new endpoint file next to this one changes the answer
    for path in ctx.files.list_dir(folder):
        if path.suffix.lower() not in YAML_SUFFIXES or path == ctx.path:
            continue
        text = ctx.read(path)
        if text is None:
            continue
        info = _endpoint_info(path.name, text)
        if info is not None:
            found.append(EndpointFile(path, *info))
    return found


@functools.lru_cache(maxsize=512)
def _endpoint_info(filename: str, text: str) -> tuple[str, Kind] | None:
    parsed = parse(text)
    detection = detect(filename, text, parsed.data, parsed.leading_comments)
    if detection is None or not detection.kind.is_endpoint or not isinstance(parsed.data, dict):
        return None
    name = parsed.data.get("name")
    return (name, detection.kind) if isinstance(name, str) else None


def _listing(endpoints: list[EndpointFile]) -> str:
    return ", ".join(f"{e.path.name} defines '{e.name}'" for e in endpoints)
