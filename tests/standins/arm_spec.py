"""The official Container Instances spec (Swagger 2.0, api-version 2025-09-01) turned into checks: which
operation a request path names, whether its path and query parameters are valid, and whether a body is
valid against the operation's schema (jsonschema + referencing, Draft 4, as Swagger 2.0 schemas are)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_ROOT = Path(__file__).parent / "spec"
ACI_SPEC = (
    SPEC_ROOT / "specification/containerinstance/resource-manager/Microsoft.ContainerInstance/stable/2025-09-01/containerInstance.json"
)
COMMON_TYPES = SPEC_ROOT / "specification/common-types/resource-management/v6"
EXAMPLES = SPEC_ROOT / "examples"
API_VERSION = "2025-09-01"


@dataclass(frozen=True)
class Problem:
    """One thing the spec rejects: `target` is where (a parameter name or a JSON path), `message` what."""

    target: str
    message: str


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    parameters: tuple[dict, ...]  # resolved Swagger parameter objects
    body_schema: dict | None
    responses: dict[str, dict]
    long_running: bool


@dataclass(frozen=True)
class Match:
    operation: Operation
    path_params: dict[str, str]


def _json_path(path) -> str:
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


class ArmSpec:
    def __init__(self, spec_file: Path = ACI_SPEC) -> None:
        self.uri = spec_file.resolve().as_uri()
        self.document = json.loads(spec_file.read_text())
        resources = [(self.uri, self.document)]
        for path in COMMON_TYPES.glob("*.json"):
            resources.append((path.resolve().as_uri(), json.loads(path.read_text())))
        self.registry = Registry().with_resources(
            (uri, Resource.from_contents(contents, default_specification=DRAFT4)) for uri, contents in resources
        )
        self.api_version = self.document["info"]["version"]

    # --- routing --------------------------------------------------------------------------------------
    @cached_property
    def operations(self) -> list[Operation]:
        found = []
        for template, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method, spec in item.items():
                if method == "parameters":
                    continue
                parameters = tuple(self._resolve(p) for p in [*shared, *spec.get("parameters", [])])
                body = next((p["schema"] for p in parameters if p["in"] == "body"), None)
                found.append(
                    Operation(
                        operation_id=spec["operationId"],
                        method=method.upper(),
                        template=template,
                        parameters=parameters,
                        body_schema=body,
                        responses=spec["responses"],
                        long_running=bool(spec.get("x-ms-long-running-operation")),
                    )
                )
        return found

    def _resolve(self, node: dict) -> dict:
        if "$ref" not in node:
            return node
        resolver = self.registry.resolver(base_uri=self.uri)
        return resolver.lookup(node["$ref"]).contents

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern, Operation]]:
        patterns = []
        for operation in self.operations:
            regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(operation.template))
            # ARM paths are case-insensitive apart from the values in them
            patterns.append((re.compile(f"^{regex}$", re.IGNORECASE), operation))
        return patterns

    def match(self, method: str, path: str) -> Match | None:
        for pattern, operation in self._patterns:
            found = pattern.match(path.rstrip("/"))
            if found and operation.method == method.upper():
                return Match(operation, found.groupdict())
        return None

    def path_exists(self, path: str) -> bool:
        return any(pattern.match(path.rstrip("/")) for pattern, _ in self._patterns)

    # --- parameters and bodies ------------------------------------------------------------------------
    def check_parameters(self, match: Match, query: dict[str, list[str]]) -> list[Problem]:
        problems = []
        for parameter in match.operation.parameters:
            name, where = parameter["name"], parameter["in"]
            if where == "path":
                value: Any = match.path_params.get(name)
            elif where == "query":
                values = query.get(name)
                value = values[0] if values else None
            else:
                continue
            if value is None:
                if parameter.get("required"):
                    problems.append(Problem(name, f"the {where} parameter '{name}' is required"))
                continue
            value, error = _coerce(value, parameter.get("type", "string"))
            if error:
                problems.append(Problem(name, f"'{name}' {error}"))
                continue
            schema = {
                key: parameter[key]
                for key in ("type", "format", "pattern", "minLength", "maxLength", "enum", "minimum", "maximum")
                if key in parameter
            }
            for error in Draft4Validator(schema, format_checker=FormatChecker()).iter_errors(value):
                problems.append(Problem(name, f"'{name}': {error.message}"))
        return problems

    def check_body(self, match: Match, body: Any) -> list[Problem]:
        if match.operation.body_schema is None:
            return []
        if body is None:
            return [Problem("$", "the request body is required")]
        return self.check(match.operation.body_schema, body)

    def check(self, schema: dict, instance: Any) -> list[Problem]:
        """Problems of `instance` against `schema` (which may `$ref` the spec's definitions)."""
        if schema.get("$ref", "").startswith("#"):  # operation schemas refer into this document
            schema = {**schema, "$ref": self.uri + schema["$ref"]}
        validator = Draft4Validator(schema, registry=self.registry)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [Problem(_json_path(error.absolute_path), error.message) for error in errors]

    def definition(self, name: str) -> dict:
        return {"$ref": f"{self.uri}#/definitions/{name}"}

    def check_response(self, match: Match, status: int, body: Any) -> list[Problem]:
        """The stand-in checks its own answers, so that it answers as the spec says ARM does."""
        response = match.operation.responses.get(str(status))
        if response is None:
            return [Problem("status", f"{status} is not a response of {match.operation.operation_id}")]
        if "schema" not in response or body is None:
            return []
        return self.check(response["schema"], body)


def _coerce(value: str, kind: str) -> tuple[Any, str | None]:
    if kind == "integer":
        try:
            return int(value), None
        except ValueError:
            return value, f"must be an integer, not '{value}'"
    if kind == "boolean":
        if value.lower() in ("true", "false"):
            return value.lower() == "true", None
        return value, f"must be true or false, not '{value}'"
    return value, None
