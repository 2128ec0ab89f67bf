"""`aml-deploy validate PATH...`: the checking session over the command line's files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import report


def add_parser(commands) -> None:
    validate = commands.add_parser(
        "validate",
        help="check configuration files and scoring scripts",
        description="Check Azure ML endpoint, deployment, model and environment YAML, "
        "v1 inferenceconfig.json / deploymentconfig.json, conda files and scoring scripts. "
        "Exit code 1 when any error is found.",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders (searched recursively)")
    validate.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    validate.add_argument("--workspace", type=Path, help="warn about paths that leave this folder")
    validate.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..checking import check_paths
    from ..registry import Registry
    from ..registry.lookup import ModelRegistryLookup

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"aml-deploy validate: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    workspace = args.workspace.resolve() if args.workspace else None
    results = check_paths(args.paths, workspace, ModelRegistryLookup(Registry()))
    items = [(str(r.path), f) for r in results for f in r.findings]
    output = {"text": report.text, "json": report.as_json, "sarif": report.sarif}[args.format](items)
    if output:
        print(output)
    if args.format == "text":
        checked = sum(1 for r in results if r.kind is not None)
        errors = sum(r.errors for r in results)
        print(f"{checked} file(s) checked, {errors} error(s).", file=sys.stderr)
    return 1 if any(r.errors for r in results) else 0
