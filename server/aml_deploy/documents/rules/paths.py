"""Every local path a file names must exist, be the right sort (file or folder), and stay in the workspace."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ...findings import CreateFile, Finding, Fix, Severity, Span, TextEdit
from ...script_templates import new_script
from ..context import Context
from ..kinds import Kind
from ..nodes import value_span
from ..parsing import Parsed
from ..references import Reference, Role, is_placeholder, local_references

_WHAT = {
    Role.MODEL: "model.path",
    Role.CODE: "The code folder",
    Role.SCORING_SCRIPT: "The scoring script",
    Role.CONDA: "The conda file",
    Role.BUILD_CONTEXT: "The Docker build context",
    Role.DOCKERFILE: "The Dockerfile",
    Role.COMPONENT: "The component file",
    Role.SOURCE_DIRECTORY: "sourceDirectory",
    Role.ENTRY_SCRIPT: "The entry script",
    Role.EXTRA_STEPS: "The extra Dockerfile steps file",
    Role.CERTIFICATE: "The certificate file",
}


def check(kind: Kind, parsed: Parsed, ctx: Context) -> Iterator[Finding]:
    missing: set[Role] = set()
    references = local_references(kind, parsed.data, ctx.folder)
    code = next((r.resolved for r in references if r.role in (Role.CODE, Role.SOURCE_DIRECTORY) and r.resolved), None)
    for ref in references:
        span = value_span(parsed.root, ref.field)
        path = ref.resolved
        if path is None:  # a placeholder
            if ref.parent in missing or not is_placeholder(ref.raw):
                continue  # only its folder is a placeholder
            yield Finding(
                "AMLD124",
                Severity.INFO,
                f"'{ref.raw}' is a placeholder; replace it with a real path before deploying.",
                span,
            )
            continue
        if ref.parent in missing:
            yield Finding(
                "AMLD121" if ref.role is Role.SCORING_SCRIPT else "AMLD120",
                Severity.ERROR,
                f"{_WHAT[ref.role]} '{ref.raw}' cannot exist: the folder it is relative to is missing.",
                span,
            )
            continue
        finding = _problem(ref, path, ctx, span, code)
        if finding is not None:
            missing.add(ref.role)
            yield finding
        elif not ctx.inside_workspace(path):
            yield Finding(
                "AMLD123",
                Severity.WARNING,
                f"{_WHAT[ref.role]} '{ref.raw}' is outside the workspace ({ref.resolved}); "
                "AML Deploy will not deploy files from outside it.",
                span,
            )


def _problem(ref: Reference, path: Path, ctx: Context, span: Span, code: Path | None) -> Finding | None:
    """What is wrong with the file or folder at `path` (the reference resolved), if anything."""
    if not ctx.exists(path):
        return _missing(ref, path, ctx, span, code)
    if ref.expects == "dir" and not ctx.is_dir(path):
        return Finding("AMLD120", Severity.ERROR, f"{_WHAT[ref.role]} '{ref.raw}' is a file; it must be a folder.", span)
    if ref.expects == "file" and ctx.is_dir(path):
        return Finding("AMLD120", Severity.ERROR, f"{_WHAT[ref.role]} '{ref.raw}' is a folder; it must be a file.", span)
    special = ctx.special_file(path) if not ctx.is_dir(path) else None
    if special:  # a FIFO or a device: never read, and never deployable
        return Finding("AMLD120", Severity.ERROR, f"{_WHAT[ref.role]} '{ref.raw}' is {special}.", span)
    return None


def _missing(ref: Reference, path: Path, ctx: Context, span: Span, code: Path | None) -> Finding:
    where = _relative(path, ctx)
    if ref.role in (Role.SCORING_SCRIPT, Role.ENTRY_SCRIPT):
        fixes: tuple[Fix, ...] = ()
        if ref.parent is not None and code is not None:
            fixes = tuple(
                Fix(f"Change to '{found}' (relative to the code folder)", (TextEdit(span, found),), preferred=n == 0)
                for n, found in enumerate(_scripts_in(code, ref, ctx))
            )
        if ref.raw.endswith(".py") and ctx.is_dir(path.parent):
            fixes += (Fix(f"Create {ref.raw} with init() and run()", creates=(CreateFile(str(path), new_script()),), preferred=not fixes),)
        base = "the code folder" if ref.parent is Role.CODE else ("sourceDirectory" if ref.parent else "this file's folder")
        return Finding(
            "AMLD121",
            Severity.ERROR,
            f"The scoring script '{ref.raw}' does not exist (looked for {where}; it is relative to {base}).",
            span,
            fixes,
        )
    if ref.role is Role.COMPONENT:  # the Azure ML CLI loads it with the deployment, and refuses a missing one
        return Finding("AMLD120", Severity.ERROR, f"The component file '{ref.raw}' does not exist (looked for {where}).", span)
    if ref.role is Role.DOCKERFILE:
        return Finding("AMLD122", Severity.ERROR, f"No Dockerfile at {where} (dockerfile_path is relative to build.path).", span)
    return Finding(
        "AMLD120",
        Severity.ERROR,
        f"{_WHAT[ref.role]} '{ref.raw}' does not exist (looked for {where}; paths are relative to "
        f"{'sourceDirectory' if ref.parent is Role.SOURCE_DIRECTORY else 'this file'}).",
        span,
    )


def _scripts_in(code: Path, ref: Reference, ctx: Context, limit: int = 3) -> list[str]:
    """Paths (relative to the code folder) of the script the reference was probably meant to name:
    the path as written but taken from this file's folder (`src/score.py` with `code: ./src`), then
    files of its name in the code folder, shallowest first."""
    found: list[str] = []
    as_written = (ctx.folder / ref.raw).resolve()
    if ctx.is_file(as_written) and code.resolve() in as_written.parents:
        found.append(as_written.relative_to(code.resolve()).as_posix())
    name = PurePosixPath(ref.raw.replace("\\", "/")).name
    folders, depth = [code], 0
    while folders and depth < 4 and len(found) < limit:
        for candidate in (folder / name for folder in folders):
            relative = candidate.relative_to(code).as_posix()
            if relative not in found and relative != ref.raw and ctx.is_file(candidate):
                found.append(relative)
        folders = [
            p for folder in folders for p in ctx.files.list_dir(folder) if ctx.files.is_dir(p) and not p.name.startswith((".", "__"))
        ][:200]
        depth += 1
    return found[:limit]


def _relative(path: Path, ctx: Context) -> str:
    try:
        return os.path.relpath(path, ctx.folder)
    except ValueError:
        return str(path)
