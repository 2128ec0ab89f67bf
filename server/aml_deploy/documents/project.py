"""Validate many files at once (the CLI's `validate PATH...`), with cross-file knowledge."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .context import Context, Files, ModelLookup
from .validate import CONFIG_SUFFIXES, Result, validate_file
from .workspace import WorkspaceIndex, expand


def validate_paths(paths: Iterable[Path], workspace: Path | None = None,
                   registry: ModelLookup | None = None) -> list[Result]:
    files = expand([Path(p).absolute() for p in paths], CONFIG_SUFFIXES)
    index = WorkspaceIndex()
    shared = Files()
    results: dict[Path, Result] = {}
    for path, explicit in files:
        result = validate_file(path, Context(path, workspace, shared, registry), explicit)
        index.record(path, result.kind, result.references, result.depends_on)
        results[path] = result
    # Conda files are only ours once a deployment or environment names them.
    for path, explicit in files:
        if results[path].kind is None and index.referenced_as(path):
            ctx = Context(path, workspace, shared, registry, referenced_as=index.referenced_as(path))
            results[path] = validate_file(path, ctx, explicit)
    return [results[path] for path, _ in files]
