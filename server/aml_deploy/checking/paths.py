"""Validate many files at once (the CLI's `validate PATH...`), with cross-file knowledge."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..scoring.check import SCRIPT_SUFFIXES, check_script, read_script
from ..documents.context import Context, Files, ModelLookup
from ..documents.validate import CONFIG_SUFFIXES, Result, validate_file
from ..documents.workspace import WorkspaceIndex, expand


def validate_paths(paths: Iterable[Path], workspace: Path | None = None,
                   registry: ModelLookup | None = None) -> list[Result]:
    """Configuration files first (they say which scripts are scoring scripts), then scripts."""
    files = expand([Path(p).absolute() for p in paths], CONFIG_SUFFIXES + SCRIPT_SUFFIXES)
    index = WorkspaceIndex()
    shared = Files()
    results: dict[Path, Result] = {}
    scripts = [(p, e) for p, e in files if p.suffix.lower() in SCRIPT_SUFFIXES]
    for path, explicit in files:
        if path.suffix.lower() in SCRIPT_SUFFIXES:
            continue
        result = validate_file(path, Context(path, workspace, shared, registry), explicit)
        index.record(path, result.kind, result.references, result.depends_on)
        results[path] = result
    # Conda files are only ours once a deployment or environment names them.
    for path, explicit in files:
        if path in results and results[path].kind is None and index.referenced_as(path):
            ctx = Context(path, workspace, shared, registry, referenced_as=index.referenced_as(path))
            results[path] = validate_file(path, ctx, explicit)
    for path, _ in scripts:
        text = read_script(path)
        results[path] = check_script(path, text, index, Context(path, workspace, shared, registry)) if text is not None \
            else Result(path, None)
    return [results[path] for path, _ in files]
