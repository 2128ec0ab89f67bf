"""Deployment and endpoint settings a schema cannot check: VM sizes, limits, combinations,
and the places where the documentation and the Azure ML CLI disagree. What the CLI (azure-ai-ml)
refuses before it sends anything is an error; what it accepts and only the documentation or the
service's limits forbid is a warning that says which."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from ...findings import Finding, Fix, Severity, TextEdit
from ...resources import data_path
from ..context import Context
from ..kinds import Kind
from ..nodes import key_span, value_span
from ..parsing import Parsed
from ..references import is_placeholder
from ..suggest import did_you_mean

SKU_FILE = data_path("managed-online-skus.tsv")
SMALL_SKUS = {"standard_ds1_v2", "standard_ds2_v2"}
MANAGED_TIMEOUT_MS = 180_000
PROMPT_FLOW_TIMEOUT_MS = 300_000
KUBERNETES_TIMEOUT_MS = 300_000


@functools.cache
def sku_table() -> list[tuple[str, int, str]]:
    """(SKU as documented, cores, GPUs as documented: "0", "2", "1/6" of one) for every size
    managed online endpoints offer."""
    rows = []
    for line in SKU_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("family\t") or not line.strip():
            continue
        _family, sku, gpus, cores = line.split("\t")[:4]
        rows.append((sku, int(cores), gpus))
    return rows


@functools.cache
def managed_skus() -> dict[str, str]:
    """lower-cased SKU -> SKU as documented."""
    return {sku.lower(): sku for sku, _cores, _gpus in sku_table()}


def check(kind: Kind, parsed: Parsed, ctx: Context) -> Iterator[Finding]:
    data = parsed.data
    if not isinstance(data, dict):
        return
    if kind.is_online_deployment:
        yield from _timeout(kind, parsed, data)
        yield from _docs_required(parsed, data)
        yield from _data_collector(parsed, data.get("data_collector"))
    if kind is Kind.MANAGED_ONLINE_DEPLOYMENT:
        yield from _instance_type(parsed, data.get("instance_type"))
        yield from _managed_scale(parsed, data.get("scale_settings"))
    if kind.is_deployment and isinstance(data.get("environment"), dict):
        yield from _environment(parsed, data["environment"], ("environment",), inline=True)
    if kind is Kind.ENVIRONMENT:
        yield from _environment(parsed, data, (), inline=False)
    if kind.is_endpoint:
        yield from _identity(parsed, data.get("identity"))
        yield from _traffic(parsed, data)


def _instance_type(parsed: Parsed, value: Any) -> Iterator[Finding]:
    if not isinstance(value, str) or is_placeholder(value):
        return
    span = value_span(parsed.root, ("instance_type",))
    skus = managed_skus()
    if value.lower() in SMALL_SKUS:
        yield Finding(
            "AMLD141",
            Severity.WARNING,
            f"{value} is too small for most models (the Azure ML CLI warns too); use Standard_DS3_v2 or larger.",
            span,
        )
    elif value.lower() not in skus:
        suggestion = did_you_mean(value.lower(), list(skus))
        fixes: tuple[Fix, ...] = ()
        message = f"'{value}' is not a VM size managed online endpoints offer (the Azure ML CLI accepts it; the service refuses it)"
        if suggestion:
            message += f". Did you mean '{skus[suggestion]}'?"
            fixes = (Fix(f"Change to '{skus[suggestion]}'", (TextEdit(span, skus[suggestion]),)),)
        else:
            message += "; see https://learn.microsoft.com/azure/machine-learning/reference-managed-online-endpoints-vm-sku-list."
        yield Finding("AMLD140", Severity.WARNING, message, span, fixes)


def _timeout(kind: Kind, parsed: Parsed, data: dict) -> Iterator[Finding]:
    settings = data.get("request_settings")
    timeout = settings.get("request_timeout_ms") if isinstance(settings, dict) else None
    if not isinstance(timeout, int) or isinstance(timeout, bool):
        return
    span = value_span(parsed.root, ("request_settings", "request_timeout_ms"))
    managed = kind is Kind.MANAGED_ONLINE_DEPLOYMENT
    hard_limit = PROMPT_FLOW_TIMEOUT_MS if managed else KUBERNETES_TIMEOUT_MS
    if timeout > hard_limit:
        yield Finding(
            "AMLD142",
            Severity.ERROR,
            f"request_timeout_ms is {timeout}; Azure allows at most {MANAGED_TIMEOUT_MS if managed else hard_limit}"
            + (" (300000 for prompt flow deployments)." if managed else "."),
            span,
        )
    elif managed and timeout > MANAGED_TIMEOUT_MS:
        yield Finding(
            "AMLD142",
            Severity.WARNING,
            f"request_timeout_ms is {timeout}; the service allows managed endpoints at most {MANAGED_TIMEOUT_MS} "
            "unless the deployment serves a prompt flow (the Azure ML CLI does not check it).",
            span,
        )


def _docs_required(parsed: Parsed, data: dict) -> Iterator[Finding]:
    """Fields the documentation calls required and the Azure ML CLI does not."""
    if "instance_count" not in data and "scale_settings" not in data:
        yield Finding(
            "AMLD147",
            Severity.WARNING,
            "instance_count is not set: the documentation requires it (the Azure ML CLI does not); set it, at least 3 for production.",
            key_span(parsed.root, ()),
        )
    model = data.get("model")
    mlflow = isinstance(model, dict) and str(model.get("type", "")).lower().replace("_", "") == "mlflowmodel"
    if "code_configuration" in data and "environment" not in data and not mlflow:
        yield Finding(
            "AMLD147",
            Severity.WARNING,
            "A scoring script needs an environment to run in; the documentation requires environment when "
            "code_configuration is set (the Azure ML CLI does not).",
            key_span(parsed.root, ("code_configuration",)),
        )


def _managed_scale(parsed: Parsed, scale: Any) -> Iterator[Finding]:
    if isinstance(scale, dict) and str(scale.get("type", "")).lower().replace("_", "") == "targetutilization":
        yield Finding(
            "AMLD145",
            Severity.ERROR,
            "Managed online deployments support only scale_settings type: default (the Azure ML CLI refuses "
            "target_utilization when it creates the deployment); configure autoscale in Azure Monitor.",
            value_span(parsed.root, ("scale_settings", "type")),
        )


def _environment(parsed: Parsed, env: dict, prefix: tuple, inline: bool) -> Iterator[Finding]:
    has_image, has_build = "image" in env, "build" in env
    if has_image and has_build:
        yield Finding(
            "AMLD143",
            Severity.ERROR,
            "Give image or build, not both: the environment is built from one of them.",
            key_span(parsed.root, prefix + ("build",)),
        )
    elif not has_image and not has_build and "inference_config" not in env:
        if inline:
            yield Finding(
                "AMLD144",
                Severity.WARNING,
                "This inline environment has no image or build: the Azure ML CLI accepts it, but the documentation "
                "requires an image with conda_file, and local deployment needs one.",
                key_span(parsed.root, prefix),
            )
        else:
            yield Finding(
                "AMLD144",
                Severity.ERROR,
                'An environment needs an image or a build context (Azure ML: "Docker image or Dockerfile is required").',
                key_span(parsed.root, prefix),
            )


def _data_collector(parsed: Parsed, collector: Any) -> Iterator[Finding]:
    if not isinstance(collector, dict):
        return
    rate = collector.get("rolling_rate")
    if isinstance(rate, str) and rate.lower() in ("month", "year"):
        yield Finding(
            "AMLD147",
            Severity.ERROR,
            f"rolling_rate '{rate}' is in the documentation, but the Azure ML CLI (azure-ai-ml 1.35) refuses it: use minute, hour or day.",
            value_span(parsed.root, ("data_collector", "rolling_rate")),
        )
    collections = collector.get("collections")
    for name, collection in (collections or {}).items() if isinstance(collections, dict) else ():
        data = collection.get("data") if isinstance(collection, dict) else None
        version = data.get("version") if isinstance(data, dict) else None
        if isinstance(version, int) and not isinstance(version, bool):
            path = ("data_collector", "collections", name, "data", "version")
            span = value_span(parsed.root, path)
            yield Finding(
                "AMLD147",
                Severity.ERROR,
                f"The documentation writes the version as a number, but the Azure ML CLI refuses one: write it as text, '{version}'.",
                span,
                (Fix(f"Quote it: '{version}'", (TextEdit(span, f"'{version}'"),)),),
            )


def _identity(parsed: Parsed, identity: Any) -> Iterator[Finding]:
    if not isinstance(identity, dict):
        return
    identities = identity.get("user_assigned_identities")
    if not isinstance(identities, list):
        return
    if len(identities) > 1:
        yield Finding(
            "AMLD146",
            Severity.ERROR,
            f"Only one user-assigned identity is supported ({len(identities)} given).",
            key_span(parsed.root, ("identity", "user_assigned_identities")),
        )
    for index, item in enumerate(identities):
        if isinstance(item, str):
            yield Finding(
                "AMLD147",
                Severity.ERROR,
                'The documentation lists plain resource ids, but the Azure ML CLI refuses them ("Not a valid mapping '
                f'type"): write - resource_id: {item}',
                value_span(parsed.root, ("identity", "user_assigned_identities", index)),
            )


def _traffic(parsed: Parsed, data: dict) -> Iterator[Finding]:
    traffic = data.get("traffic")
    if isinstance(traffic, dict) and traffic:
        percents = [p for p in (_percent(v) for v in traffic.values()) if p is not None]
        if len(percents) == len(traffic):  # every value a number
            total = sum(percents)
            span = key_span(parsed.root, ("traffic",))
            if total > 100:
                yield Finding("AMLD146", Severity.ERROR, f"traffic adds up to {total}%; at most 100.", span)
            elif total not in (0, 100):
                yield Finding(
                    "AMLD146",
                    Severity.WARNING,
                    f"traffic adds up to {total}%; the documentation requires 0 or 100 (the CLI accepts less).",
                    span,
                )
    mirror = data.get("mirror_traffic")
    if isinstance(mirror, dict) and mirror:
        span = key_span(parsed.root, ("mirror_traffic",))
        if len(mirror) > 1:
            yield Finding(
                "AMLD146",
                Severity.WARNING,
                "mirror_traffic may name one deployment only (the Azure ML CLI accepts more; the service refuses them).",
                span,
            )
        if any((_percent(v) or 0) > 50 for v in mirror.values()):
            yield Finding(
                "AMLD146",
                Severity.WARNING,
                "mirror_traffic may copy at most 50% of traffic (the Azure ML CLI accepts more; the service refuses it).",
                span,
            )


def _percent(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
