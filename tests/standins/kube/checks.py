"""What the API server checks before it stores an object: the OpenAPI schema of Kubernetes 1.30
(kubernetes-validate's strict JSON schemas: unknown fields and wrong types are refused) and the
validation rules a schema cannot express (names, probes, selectors, resources, HPA bounds).

Stricter than a real server in one respect, on purpose: unknown fields are always refused (a real
server drops them with a warning unless the client asks fieldValidation=Strict).
"""

from __future__ import annotations

import functools
import re

import jsonschema
from kubernetes.utils.quantity import parse_quantity
from kubernetes_validate import utils as kv
from referencing import Registry, Resource

from .errors import invalid
from .resources import Kind

SCHEMA_VERSION = "1.30.0"
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@functools.cache
def _validator(kind: str, api_version: str) -> jsonschema.Validator:
    folder = f"kubernetes-json-schema/v{SCHEMA_VERSION}-local-strict"
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = kv.schema_contents(f"{folder}/{kind.lower()}-{group_version}.json", SCHEMA_VERSION)
    definitions = kv.schema_contents(f"{folder}/_definitions.json", SCHEMA_VERSION)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _path(error: jsonschema.ValidationError) -> str:
    out = ""
    for step in error.absolute_path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _schema_causes(obj: dict) -> list[dict]:
    causes = []
    for error in _validator(obj["kind"], obj["apiVersion"]).iter_errors(obj):
        field = _path(error)
        if error.validator == "additionalProperties":
            for name in sorted(set(error.instance) - set(error.schema.get("properties", {}))):
                full = f"{field}.{name}" if field else name
                causes.append({"reason": "FieldValueInvalid", "field": full, "message": f'unknown field "{full}"'})
        else:
            causes.append(
                {
                    "reason": "FieldValueInvalid",
                    "field": field or "<root>",
                    "message": f"Invalid value: {error.instance!r}: {error.message}",
                }
            )
    return causes


def check(kind: Kind, obj: dict) -> None:
    """Raises the API server's 422 Invalid when the object breaks the schema or a validation rule."""
    causes = _schema_causes(obj) or _rule_causes(kind, obj)
    if causes:
        raise invalid(kind, (obj.get("metadata") or {}).get("name", ""), causes)


def _cause(field: str, value, message: str) -> dict:
    return {"reason": "FieldValueInvalid", "field": field, "message": f"Invalid value: {value!r}: {message}"}


def _rule_causes(kind: Kind, obj: dict) -> list[dict]:
    meta = obj.get("metadata") or {}
    name = meta.get("name", "")
    causes = []
    short = kind.kind in ("Namespace", "Service")
    pattern, limit = (_LABEL, 63) if short else (_SUBDOMAIN, 253)
    if not name or not pattern.match(name) or len(name) > limit:
        rule = "RFC 1123 label" if short else "RFC 1123 subdomain"
        causes.append(
            _cause(
                "metadata.name",
                name,
                f"a lowercase {rule} must consist of lower case "
                "alphanumeric characters or '-', and must start and end with an alphanumeric "
                "character",
            )
        )
    for value in (meta.get("labels") or {}).values():
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            causes.append(
                _cause(
                    "metadata.labels",
                    value,
                    "a valid label must be an empty string or consist "
                    "of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                    "alphanumeric character",
                )
            )
    spec = obj.get("spec") or {}
    if kind.kind == "Deployment":
        causes += _deployment_causes(spec)
    if kind.kind == "HorizontalPodAutoscaler":
        low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 0)
        if low < 1:
            causes.append(_cause("spec.minReplicas", low, "must be greater than or equal to 1"))
        if high < low:
            causes.append(_cause("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`"))
    return causes


def _deployment_causes(spec: dict) -> list[dict]:
    causes = []
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        causes.append(_cause("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"))
    pod = (spec.get("template") or {}).get("spec") or {}
    for i, container in enumerate(pod.get("containers") or []):
        at = f"spec.template.spec.containers[{i}]"
        for probe in ("livenessProbe", "startupProbe"):
            threshold = (container.get(probe) or {}).get("successThreshold", 1)
            if threshold != 1:
                causes.append(_cause(f"{at}.{probe}.successThreshold", threshold, "must be 1"))
        resources = container.get("resources") or {}
        for resource, request in (resources.get("requests") or {}).items():
            limit = (resources.get("limits") or {}).get(resource)
            try:
                too_big = limit is not None and parse_quantity(request) > parse_quantity(limit)
            except ValueError:
                causes.append(
                    _cause(
                        f"{at}.resources.requests[{resource}]",
                        request,
                        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                    )
                )
                continue
            if too_big:
                causes.append(_cause(f"{at}.resources.requests", request, f"must be less than or equal to {resource} limit of {limit}"))
    return causes
