"""The aml-deploy command line: the same operations as the language server's commands."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from pathlib import Path
from typing import Sequence

from .. import __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aml-deploy", description="Validate, debug and deploy Azure ML scoring endpoints.")
    parser.add_argument("--version", action="version", version=f"aml-deploy {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is happening to stderr")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    validate = commands.add_parser("validate", help="check configuration files and scoring scripts",
                                   description="Check Azure ML endpoint, deployment, model and environment YAML, "
                                   "v1 inferenceconfig.json / deploymentconfig.json, conda files and scoring scripts. "
                                   "Exit code 1 when any error is found.")
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders (searched recursively)")
    validate.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    validate.add_argument("--workspace", type=Path, help="warn about paths that leave this folder")
    validate.set_defaults(handler=_validate)

    from .models import add_parser as add_model_commands

    add_model_commands(commands)

    from .online import add_parsers as add_local_commands

    add_local_commands(commands)

    lsp = commands.add_parser("lsp", help="run the language server on stdio (what the VS Code extension starts)")
    lsp.set_defaults(handler=_lsp)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from .. import report
    from ..checking.paths import validate_paths

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"aml-deploy validate: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    from ..registry import Registry
    from ..registry.lookup import ModelRegistryLookup

    workspace = args.workspace.resolve() if args.workspace else None
    results = validate_paths(args.paths, workspace=workspace, registry=ModelRegistryLookup(Registry()))
    items = [(str(r.path), f) for r in results for f in r.findings]
    output = {"text": report.text, "json": report.as_json, "sarif": report.sarif}[args.format](items)
    if output:
        print(output)
    if args.format == "text":
        checked = sum(1 for r in results if r.kind is not None)
        errors = sum(r.errors for r in results)
        print(f"{checked} file(s) checked, {errors} error(s).", file=sys.stderr)
    return 1 if any(r.errors for r in results) else 0


def _lsp(args: argparse.Namespace) -> int:
    # No collections while the server's modules load (about 100 ms of start-up); the server
    # collects once and turns collection back on after its initialize result has gone out.
    gc.disable()
    from ..lsp.server import serve

    serve()
    return 0
