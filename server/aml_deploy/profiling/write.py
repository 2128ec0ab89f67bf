"""Putting a recommendation into the configuration that publishing reads: the deployment YAML
(managed: instance_type; Kubernetes: resources.requests) or a v1 deploymentconfig.json (ACI, AKS),
as a minimal text edit (`edit.py`). The file is checked before, and the result again before it is
written: a recommendation never leaves a file that does not validate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import files
from ..documents import Context, validate_text
from ..documents.kinds import Kind
from ..findings import Severity, TextEdit
from . import edit
from .errors import CannotWrite
from .recommend import Recommendation


@dataclass
class Written:
    path: str
    fields: list[str]  # the dotted paths set, e.g. request_settings.request_timeout_ms
    edits: list[TextEdit]
    text: str  # the new text

    def to_dict(self) -> dict:
        return {"path": self.path, "fields": self.fields}


Values = dict[tuple[str, ...], Any]


def values_for(kind: Kind | None, data: Any, recommendation: Recommendation) -> Values:
    """The settings of `recommendation` that a file of `kind` holds."""
    data = data if isinstance(data, dict) else {}
    r = recommendation
    requests: Values = {
        ("request_settings", "max_concurrent_requests_per_instance"): r.max_concurrent_requests_per_instance,
        ("request_settings", "request_timeout_ms"): r.request_timeout_ms,
    }
    count: Values = {("instance_count",): r.instance_count} if r.instance_count is not None else {}
    if kind is Kind.MANAGED_ONLINE_DEPLOYMENT:
        if r.instance_type is None:
            raise CannotWrite("No managed VM size is large enough for this model, so instance_type cannot be set.")
        return {("instance_type",): r.instance_type, **requests, **count}
    if kind is Kind.KUBERNETES_ONLINE_DEPLOYMENT:
        return {
            ("resources", "requests", "cpu"): f"{r.cpu:g}",
            ("resources", "requests", "memory"): f"{r.memory_in_gb:g}Gi",
            **requests,
            **count,
        }
    if kind is Kind.DEPLOYMENT_CONFIG:
        compute = str(data.get("computeType", "")).lower()
        resources: Values = {
            ("containerResourceRequirements", "cpu"): r.cpu,
            ("containerResourceRequirements", "memoryInGB"): r.memory_in_gb,
        }
        if compute == "aci":
            return resources
        if compute in ("aks", "aksendpoint"):
            values: Values = {
                **resources,
                ("maxConcurrentRequestsPerContainer",): r.max_concurrent_requests_per_instance,
                ("scoringTimeoutMs",): r.request_timeout_ms,
            }
            if r.instance_count is not None and "numReplicas" in data:  # with autoscale on, numReplicas is refused
                values[("numReplicas",)] = r.instance_count
            return values
        raise CannotWrite(
            f"This deploymentconfig.json has computeType {compute or 'missing'}; the recommendation is for "
            "publishing: give the ACI or AKS deployment configuration (computeType aci or aks)."
        )
    what = kind.label if kind else "not an Azure ML configuration"
    raise CannotWrite(f"The recommendation goes into an online deployment YAML or a v1 deploymentconfig.json; this file is {what}.")


def recommendation_edits(path: Path, text: str, recommendation: Recommendation, workspace: Path | None = None) -> Written:
    """The edits for `text` (the file's current text, perhaps unsaved in an editor)."""
    context = Context(path, workspace)
    before = validate_text(path, text, context)
    errors = [f for f in before.findings if f.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        raise CannotWrite(
            f"{path.name} has {len(errors)} error(s) (first: line {first.span.start_line + 1}: {first.message}); "
            "fix them first. Nothing was changed."
        )
    values = values_for(before.kind, before.parsed.data if before.parsed else None, recommendation)
    edits = edit.set_values(text, path.suffix.lower() == ".json", values)
    after_text = edit.apply(text, edits)
    after = validate_text(path, after_text, context)
    new_errors = [f for f in after.findings if f.severity is Severity.ERROR]
    if new_errors:  # would be a bug in the edit; never hand the user a broken file
        raise CannotWrite(f"Writing the recommendation would make {path.name} invalid ({new_errors[0].message}); nothing was changed.")
    return Written(str(path), [".".join(p) for p in values], edits, after_text)


def write_recommendation(path: Path, recommendation: Recommendation, workspace: Path | None = None) -> Written:
    """Edit the file on disk."""
    path = Path(path).resolve()
    try:
        raw = files.read_bytes(path)
    except files.UnreadableFile as err:
        raise CannotWrite(f"Cannot read {err}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CannotWrite(f"{path} is not UTF-8 text ({err.reason} at byte {err.start}); nothing was changed.") from None
    written = recommendation_edits(path, text, recommendation, workspace)
    bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    path.write_text(bom + written.text, encoding="utf-8", newline="")
    return written
