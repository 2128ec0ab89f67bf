"""Manifests checked before anything is sent: Kubernetes' own OpenAPI schema in strict mode
(kubernetes-validate: unknown fields and wrong types), then the rules a schema cannot express
(rules.py), which a real API server or the cluster would refuse later."""

from __future__ import annotations

from dataclasses import dataclass

import kubernetes_validate
from kubernetes_validate.utils import SchemaNotFoundError, VersionNotSupportedError

DEFAULT_VERSION = "1.30"


@dataclass(frozen=True)
class ManifestFinding:
    index: int  # the object's position in the list checked
    kind: str
    name: str
    namespace: str | None
    field: str  # e.g. "spec.template.spec.containers[0].livenessProbe.successThreshold"; "" for the object
    message: str  # what is wrong and what to change
    rule: str  # "schema", "name", "namespace", "probe", "selector", "resources", "autoscaler", ...
    severity: str = "error"  # "error" refuses the set; "warning" is worth saying, not blocking

    @property
    def object(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"

    def __str__(self) -> str:
        return f"{self.object}: {self.field + ': ' if self.field else ''}{self.message}"


def validate_manifests(objects: list[dict], version: str = DEFAULT_VERSION) -> list[ManifestFinding]:
    """Every problem of `objects` for Kubernetes `version` (1.25 and later), errors and warnings."""
    from .rules import object_rules, set_rules

    findings: list[ManifestFinding] = []
    schema_ok = []
    for index, obj in enumerate(objects):
        problem = _schema_problem(obj, version)
        if problem:
            findings.append(_finding(index, obj, problem[0], problem[1], "schema"))
        else:
            schema_ok.append(index)
            findings += [_finding(index, obj, f, m, r, s) for f, m, r, s in object_rules(obj)]
    for index, field, message, rule, severity in set_rules(objects, schema_ok):
        findings.append(_finding(index, objects[index], field, message, rule, severity))
    return findings


def errors_only(findings: list[ManifestFinding]) -> list[ManifestFinding]:
    return [f for f in findings if f.severity == "error"]


def _finding(index: int, obj: dict, field: str, message: str, rule: str, severity: str = "error") -> ManifestFinding:
    meta: dict = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    return ManifestFinding(
        index, str(obj.get("kind", "?")), str(meta.get("name", "?")), meta.get("namespace"), field, message, rule, severity
    )


def _schema_problem(obj: dict, version: str) -> tuple[str, str] | None:
    if not isinstance(obj, dict) or not obj.get("apiVersion") or not obj.get("kind"):
        return "", "not a Kubernetes object: it needs apiVersion and kind"
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        return _path(error.absolute_path), _schema_message(error)
    except SchemaNotFoundError:
        return "kind", f"Kubernetes {version} has no kind {obj['kind']} in {obj['apiVersion']}: check apiVersion and kind"
    except VersionNotSupportedError:
        raise ValueError(f"Kubernetes {version} is newer than the schemas kubernetes-validate has") from None
    return None


def _path(steps) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _schema_message(error) -> str:
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))
        return (
            f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}: remove it or "
            f"check its spelling (known here: {', '.join(known)})"
        )
    if error.validator == "required":
        return f"{error.message}: add it"
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"{error.instance!r} has the wrong type: write {' or '.join(t for t in wanted if t != 'null')}"
    return error.message
