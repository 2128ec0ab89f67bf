"""A deployment's endpoint_name should name an endpoint defined next to it."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding, Fix, Severity, TextEdit
from ..context import Context
from ..endpoint_files import EndpointFile, endpoints_in
from ..kinds import Kind
from ..nodes import value_span
from ..parsing import Parsed
from ..references import is_placeholder
from ..suggest import did_you_mean


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
        message = (
            f"No endpoint named '{name}' in this folder ({_listing(endpoints)}); the Azure ML CLI does not look "
            "here, but the deployment joins only an endpoint of that name."
        )
        fixes: tuple[Fix, ...] = ()
        if suggestion:
            message = message[:-1] + f" Did you mean '{suggestion}'?"
            fixes = (Fix(f"Change to '{suggestion}'", (TextEdit(span, suggestion),)),)
        yield Finding("AMLD113", Severity.WARNING, message, span, fixes)
        return
    wanted = Kind.KUBERNETES_ONLINE_ENDPOINT if kind is Kind.KUBERNETES_ONLINE_DEPLOYMENT else Kind.MANAGED_ONLINE_ENDPOINT
    if not batch and all(e.kind is not wanted for e in matching):
        yield Finding(
            "AMLD113",
            Severity.WARNING,
            f"This is a {kind.label}, but '{name}' is a {matching[0].kind.label} ({matching[0].path.name}); "
            "the service refuses to add it there.",
            span,
        )


def _listing(endpoints: list[EndpointFile]) -> str:
    return ", ".join(f"{e.path.name} defines '{e.name}'" for e in endpoints)
