"""Print findings for people (compiler style), for programs (JSON) and for code scanners (SARIF)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

from . import __version__
from .codes import CODES, docs_url
from .findings import Finding, Severity

Reported = tuple[str, Finding]  # (file path, finding)


def text(items: Iterable[Reported], cwd: str | None = None) -> str:
    lines = []
    for path, f in items:
        shown = _relative(path, cwd)
        lines.append(f"{shown}:{f.span.start_line + 1}:{f.span.start_col + 1}: {f.severity.label} {f.code} {f.message}")
    return "\n".join(lines)


def as_json(items: Iterable[Reported]) -> str:
    return json.dumps([_record(path, f) for path, f in items], indent=2)


def _record(path: str, f: Finding) -> dict:
    return {
        "path": path,
        "line": f.span.start_line + 1,
        "column": f.span.start_col + 1,
        "end_line": f.span.end_line + 1,
        "end_column": f.span.end_col + 1,
        "severity": f.severity.label,
        "code": f.code,
        "message": f.message,
    }


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note", Severity.HINT: "note"}


def sarif(items: Iterable[Reported]) -> str:
    items = list(items)
    used = sorted({f.code for _, f in items})
    rules = [
        {
            "id": code,
            "name": CODES[code].name if code in CODES else code,
            "shortDescription": {"text": CODES[code].title if code in CODES else code},
            "helpUri": docs_url(code),
        }
        for code in used
    ]
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": used.index(f.code),
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(path)},
                        "region": {
                            "startLine": f.span.start_line + 1,
                            "startColumn": f.span.start_col + 1,
                            "endLine": f.span.end_line + 1,
                            "endColumn": f.span.end_col + 1,
                        },
                    }
                }
            ],
        }
        for path, f in items
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "aml-deploy", "version": __version__, "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2)


def _uri(path: str) -> str:
    relative = _relative(path, None)
    return relative.replace(os.sep, "/")


def _relative(path: str, cwd: str | None) -> str:
    cwd = cwd or os.getcwd()
    try:
        relative = os.path.relpath(path, cwd)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative
