"""Rules of Azure ML v1's inferenceconfig.json and deploymentconfig.json (azureml-core's own
checks, which ran only when the service was deployed)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any, TypeGuard

from ...findings import Finding, Fix, Severity, TextEdit
from ..context import Context
from ..kinds import Kind
from ..nodes import key_span, value_span
from ..parsing import Parsed
from ..schemas import canonical_enum_value, root_schema

_NAMESPACE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")
_ENVIRONMENT_EXCLUSIVE = ("runtime", "condaFile", "extraDockerfileSteps", "extraDockerFileSteps", "enableGpu", "cudaVersion", "baseImage")
COMPUTE_TYPES = ("local", "aci", "aks", "aksendpoint")


def check(kind: Kind, parsed: Parsed, ctx: Context) -> Iterator[Finding]:
    data = parsed.data
    if not isinstance(data, dict):
        return
    if kind is Kind.INFERENCE_CONFIG:
        yield from _inference_config(parsed, data)
    elif kind is Kind.DEPLOYMENT_CONFIG:
        yield from _deployment_config(parsed, data)


def _inference_config(parsed: Parsed, data: dict) -> Iterator[Finding]:
    if isinstance(data.get("environment"), dict):
        for key in _ENVIRONMENT_EXCLUSIVE:
            if key in data:
                yield Finding(
                    "AMLD165",
                    Severity.ERROR,
                    f"'{key}' cannot be combined with environment: put it in the environment definition instead.",
                    key_span(parsed.root, (key,)),
                )
        docker = data["environment"].get("docker")
        if isinstance(docker, dict) and docker.get("baseImage") and docker.get("baseDockerfile"):
            yield Finding(
                "AMLD165",
                Severity.ERROR,
                "Give docker.baseImage or docker.baseDockerfile, not both.",
                key_span(parsed.root, ("environment", "docker", "baseDockerfile")),
            )
    if "extraDockerFileSteps" in data:
        span = key_span(parsed.root, ("extraDockerFileSteps",))
        yield Finding(
            "AMLD166",
            Severity.WARNING,
            "Azure ML v1 reads extraDockerfileSteps (lower-case 'f'); this spelling, from the documentation's table, is ignored.",
            span,
            (Fix("Rename to 'extraDockerfileSteps'", (TextEdit(span, "extraDockerfileSteps"),)),),
        )
    entry = data.get("entryScript")
    if isinstance(entry, str) and entry:
        problem = _entry_script_problem(entry)
        if problem:
            yield Finding("AMLD167", Severity.ERROR, problem, value_span(parsed.root, ("entryScript",)))
    if "cudaVersion" in data and data.get("enableGpu") is not True:
        yield Finding(
            "AMLD163",
            Severity.WARNING,
            "cudaVersion has no effect unless enableGpu is true.",
            key_span(parsed.root, ("cudaVersion",)),
        )


def _entry_script_problem(entry: str) -> str | None:
    name = PurePath(entry).name
    if not name.endswith(".py"):
        return f"The entry script '{entry}' must be a .py file: Azure ML v1 supports Python scoring scripts only."
    module = name[:-3]
    if not module.isidentifier() or keyword.iskeyword(module):
        return f"'{name}' cannot be imported as a module: the file name must be a valid Python identifier."
    return None


def _deployment_config(parsed: Parsed, data: dict) -> Iterator[Finding]:
    compute = canonical_enum_value(data.get("computeType"), COMPUTE_TYPES)
    if compute is None:
        return  # the schema reports a missing or unknown computeType
    if compute in ("aci", "aks", "aksendpoint"):
        yield Finding(
            "AMLD169",
            Severity.INFO,
            f"{compute.upper() if compute != 'aksendpoint' else 'AKS endpoint'} web services belong to Azure ML v1, "
            "whose CLI and SDK are retired; managed or Kubernetes online endpoints replace them.",
            value_span(parsed.root, ("computeType",)),
        )
    yield from _keys_for_other_compute(parsed, data, compute)
    if compute in ("aks", "aksendpoint"):
        yield from _aks(parsed, data)
    if compute == "aci":
        yield from _aci(parsed, data)


def _keys_for_other_compute(parsed: Parsed, data: dict, compute: str) -> Iterator[Finding]:
    properties = root_schema(Kind.DEPLOYMENT_CONFIG)["properties"]
    for key in data:
        types = properties.get(key, {}).get("x-compute-types")
        if types and compute not in types:
            yield Finding(
                "AMLD168",
                Severity.WARNING,
                f"'{key}' is read only for computeType {' / '.join(types)}; with {compute} Azure ML ignores it.",
                key_span(parsed.root, (key,)),
            )


def _aks(parsed: Parsed, data: dict) -> Iterator[Finding]:
    if data.get("authEnabled") is True and data.get("tokenAuthEnabled") is True:
        yield Finding(
            "AMLD161",
            Severity.ERROR,
            "authEnabled and tokenAuthEnabled cannot both be true: choose key or token auth.",
            key_span(parsed.root, ("tokenAuthEnabled",)),
        )
    namespace = data.get("namespace")
    if isinstance(namespace, str) and not _NAMESPACE.match(namespace):
        yield Finding(
            "AMLD162",
            Severity.ERROR,
            f"Invalid namespace '{namespace}': lowercase letters, digits and '-', starting and ending with a letter "
            "or digit, at most 63 characters.",
            value_span(parsed.root, ("namespace",)),
        )
    yield from _autoscale(parsed, data)
    yield from _limits(parsed, data.get("containerResourceRequirements"))


def _autoscale(parsed: Parsed, data: dict) -> Iterator[Finding]:
    scaler = data.get("autoScaler")
    if not isinstance(scaler, dict):
        scaler = {}
    enabled = scaler.get("autoscaleEnabled")
    replicas = "numReplicas" in data
    if enabled is True and replicas:
        yield Finding(
            "AMLD164",
            Severity.ERROR,
            "numReplicas fixes the replica count, so it cannot be set with autoscaleEnabled: true.",
            key_span(parsed.root, ("numReplicas",)),
        )
    if enabled is False:
        if not replicas:
            yield Finding(
                "AMLD164",
                Severity.ERROR,
                "With autoscaleEnabled: false, set numReplicas.",
                value_span(parsed.root, ("autoScaler", "autoscaleEnabled")),
            )
        for key in ("minReplicas", "maxReplicas", "refreshPeriodInSeconds", "targetUtilization"):
            if key in scaler:
                yield Finding(
                    "AMLD164",
                    Severity.ERROR,
                    f"{key} applies only when autoscaling is on.",
                    key_span(parsed.root, ("autoScaler", key)),
                )
    low, high = scaler.get("minReplicas"), scaler.get("maxReplicas")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        yield Finding(
            "AMLD164",
            Severity.ERROR,
            f"minReplicas ({low}) is more than maxReplicas ({high}).",
            value_span(parsed.root, ("autoScaler", "minReplicas")),
        )


def _limits(parsed: Parsed, resources: Any) -> Iterator[Finding]:
    if not isinstance(resources, dict):
        return
    for request, limit in (("cpu", "cpuLimit"), ("memoryInGB", "memoryInGBLimit")):
        low, high = resources.get(request), resources.get(limit)
        if _number(low) and _number(high) and high < low:
            yield Finding(
                "AMLD163",
                Severity.ERROR,
                f"{limit} ({high}) is below {request} ({low}).",
                value_span(parsed.root, ("containerResourceRequirements", limit)),
            )


def aci_not_honoured(data: dict) -> list[tuple[str, str]]:
    """(key, why) for settings of an ACI deploymentconfig.json that Container Instances cannot honour
    as Azure ML v1 did: AML Deploy publishes without them (the ACI target shows the same warnings)."""
    found = []
    if data.get("appInsightsEnabled") is True:
        found.append(
            (
                "appInsightsEnabled",
                "appInsightsEnabled: Container Instances has no Application Insights "
                "integration (Azure ML v1 added it itself); the service is published without it (read its logs with "
                "aml-deploy service get-logs).",
            )
        )
    if "vnetName" in data or "subnetName" in data:
        key = "vnetName" if "vnetName" in data else "subnetName"
        found.append(
            (
                key,
                "vnetName/subnetName: Container Instances joins a virtual network by subnet resource id, and a "
                "group in a subnet has no public address for its front; the service is published with a public "
                "address, outside the network.",
            )
        )
    if any(key in data for key in ("vaultBaseUrl", "keyName", "keyVersion")):
        key = next(k for k in ("vaultBaseUrl", "keyName", "keyVersion") if k in data)
        found.append(
            (
                key,
                "vaultBaseUrl/keyName/keyVersion: a customer-managed key also needs a managed identity with "
                "access to the vault, which the v1 settings cannot name; the group is encrypted with Microsoft's key.",
            )
        )
    return found


def _aci(parsed: Parsed, data: dict) -> Iterator[Finding]:
    for key, why in aci_not_honoured(data):
        yield Finding("AMLD170", Severity.WARNING, f"Not honoured on ACI: {why}", key_span(parsed.root, (key,)))
    if data.get("sslEnabled") is True:
        missing = [key for key in ("sslCertificate", "sslKey", "cname") if not data.get(key)]
        if missing:
            yield Finding(
                "AMLD163",
                Severity.ERROR,
                f"sslEnabled needs {', '.join(missing)}.",
                value_span(parsed.root, ("sslEnabled",)),
            )
    for group in (("vnetName", "subnetName"), ("vaultBaseUrl", "keyName", "keyVersion")):
        present = [key for key in group if key in data]
        if present and len(present) < len(group):
            missing = [key for key in group if key not in data]
            yield Finding(
                "AMLD163",
                Severity.ERROR,
                f"{' and '.join(group)} go together: add {', '.join(missing)}.",
                key_span(parsed.root, (present[0],)),
            )


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
