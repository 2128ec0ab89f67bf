"""Every diagnostic code, with a short title. docs/diagnostics.md explains each one."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

from .resources import data_path

DOCS_FILE = data_path("docs") / "diagnostics.md"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    title: str


_ALL = [
    # The file itself
    Code("AMLD001", "syntax-error", "YAML or JSON syntax error"),
    Code("AMLD002", "duplicate-key", "Duplicate key"),
    Code("AMLD003", "template", "Template with {{ }} placeholders"),
    Code("AMLD004", "not-validated", "Too large, too deep or an alias bomb: not validated"),
    Code("AMLD005", "unreadable", "Unreadable or not UTF-8"),
    Code("AMLD010", "missing-schema", "No $schema line"),
    # Schema
    Code("AMLD101", "unknown-key", "Unknown key"),
    Code("AMLD102", "wrong-type", "Wrong type of value"),
    Code("AMLD103", "invalid-value", "Value not among the allowed ones"),
    Code("AMLD104", "missing-key", "Missing required key"),
    Code("AMLD105", "cli-supplied", "Required key left to the command line"),
    Code("AMLD106", "invalid-format", "Value in the wrong format"),
    Code("AMLD107", "out-of-range", "Value out of range"),
    Code("AMLD108", "spelling", "Accepted, but not the documented spelling"),
    Code("AMLD109", "deprecated", "Deprecated key"),
    # Names and links between files
    Code("AMLD110", "invalid-name", "Invalid endpoint, deployment or model name"),
    Code("AMLD111", "kubernetes-name-length", "Kubernetes endpoint and deployment names too long or short together"),
    Code("AMLD113", "endpoint-mismatch", "endpoint_name does not match the endpoint next to it"),
    # Local paths
    Code("AMLD120", "missing-path", "Local path does not exist or is the wrong sort"),
    Code("AMLD121", "missing-scoring-script", "Scoring script does not exist"),
    Code("AMLD122", "missing-dockerfile", "Dockerfile does not exist"),
    Code("AMLD123", "outside-workspace", "Path outside the workspace"),
    Code("AMLD124", "placeholder-path", "Placeholder instead of a path"),
    # References and settings
    Code("AMLD130", "malformed-reference", "Malformed azureml: reference"),
    Code("AMLD140", "unknown-instance-type", "Unknown VM size"),
    Code("AMLD141", "small-instance-type", "VM size too small"),
    Code("AMLD142", "request-timeout", "Request timeout above Azure's limit"),
    Code("AMLD143", "image-and-build", "Both image and build"),
    Code("AMLD144", "no-image", "Environment without image or build"),
    Code("AMLD145", "managed-autoscale", "target_utilization on a managed deployment"),
    Code("AMLD146", "limits", "Traffic, mirror traffic or identity limits"),
    Code("AMLD147", "docs-vs-cli", "The documentation and the Azure ML CLI disagree"),
    Code("AMLD150", "conda-unusable", "Conda file cannot be used"),
    Code("AMLD151", "no-inference-server", "Environment lacks the inference server"),
    # Azure ML v1 JSON
    Code("AMLD161", "v1-auth-conflict", "authEnabled and tokenAuthEnabled together"),
    Code("AMLD162", "v1-namespace", "Invalid Kubernetes namespace"),
    Code("AMLD163", "v1-settings-conflict", "v1 settings that conflict or are incomplete"),
    Code("AMLD164", "v1-autoscale", "Autoscaler and numReplicas disagree"),
    Code("AMLD165", "v1-environment-exclusive", "Keys that cannot be combined with environment"),
    Code("AMLD166", "v1-extra-steps-spelling", "extraDockerFileSteps is ignored"),
    Code("AMLD167", "v1-entry-script", "Entry script cannot be imported"),
    Code("AMLD168", "v1-ignored-key", "Key ignored for this computeType"),
    Code("AMLD169", "v1-retired", "Retired v1 web service"),
    Code("AMLD170", "aci-not-honoured", "ACI setting that Container Instances cannot honour"),
    # Publishing to Kubernetes without the Azure ML extension
    Code("AMLD171", "kubernetes-not-honoured", "Setting plain Kubernetes cannot honour"),
    # Scoring scripts
    Code("AMLD200", "script-syntax", "Syntax error in the scoring script"),
    Code("AMLD201", "missing-init-run", "init() or run() missing"),
    Code("AMLD202", "init-signature", "init() cannot be called with no arguments"),
    Code("AMLD203", "run-signature", "run() cannot be called the way the server calls it"),
    Code("AMLD204", "rawhttp-with-schema", "@rawhttp together with @input_schema/@output_schema"),
    Code("AMLD205", "raw-types-without-rawhttp", "AMLRequest/AMLResponse without @rawhttp"),
    Code("AMLD206", "input-schema-name", "@input_schema names a parameter run() does not have"),
    Code("AMLD207", "missing-global", "init() sets a local that run() reads as a global"),
    Code("AMLD208", "error-as-success", "run() returns exceptions as normal results"),
    Code("AMLD209", "import-time-loading", "Model loaded at import time"),
    Code("AMLD210", "v1-api", "Azure ML v1 API in a v2 deployment"),
    Code("AMLD211", "sklearn-externals-joblib", "sklearn.externals.joblib no longer exists"),
    Code("AMLD212", "missing-model-file", "Path under AZUREML_MODEL_DIR does not exist"),
    Code("AMLD213", "missing-package", "Imported package not in the environment"),
    # The local model registry
    Code("AMLD301", "unknown-model", "Model not in the local registry"),
    # Local deployments
    Code("AMLD401", "local-init-failed", "The local deployment failed on this line"),
]

CODES: dict[str, Code] = {code.code: code for code in _ALL}


def docs_url(code: str) -> str:
    base = os.environ.get("AML_DEPLOY_DOCS_URL") or DOCS_FILE.as_uri()
    return f"{base}#{code.lower()}"


def editor_docs_url(code: str) -> str:
    """The link an editor opens for `code`: the documentation site's anchor when one is configured,
    else the shipped diagnostics.md at the line of the code's section (VS Code opens a file URI at
    the `#L<line>` its fragment names; it knows no HTML anchors in a file)."""
    if os.environ.get("AML_DEPLOY_DOCS_URL"):
        return docs_url(code)
    line = _section_lines().get(code)
    return DOCS_FILE.as_uri() + (f"#L{line}" if line else "")


@functools.cache
def _section_lines() -> dict[str, int]:
    """Code -> 1-based line of its `### AMLDnnn` heading in diagnostics.md."""
    try:
        lines = DOCS_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    found = (re.match(r"#+\s+(AMLD\d{3})\b", text) for text in lines)
    return {match[1]: number for number, match in enumerate(found, start=1) if match}
