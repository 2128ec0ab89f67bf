"""The aml-deploy command line: the same operations as the language server's commands."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import AmlDeployError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    signal.signal(signal.SIGTERM, _terminated)  # clean up as for Ctrl+C: nothing half-started is left
    try:
        return args.handler(args)
    except AmlDeployError as err:
        return _fail(args, str(err), err.exit_code)
    except KeyboardInterrupt:
        print("aml-deploy: interrupted; what it had started was removed.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:
        if _is_connection_error(err):
            return _fail(
                args,
                f"Lost the connection to the Docker engine ({_engine_message(err)}). What was being "
                "created may still be there: see aml-deploy online-endpoint list --local.",
            )
        if _is_engine_error(err):
            return _fail(args, f"The Docker engine refused: {_engine_message(err)}")
        raise


def _terminated(_signal, _frame) -> None:
    raise KeyboardInterrupt


def _fail(args: argparse.Namespace, message: str, exit_code: int = 1) -> int:
    command = " ".join(p for p in (getattr(args, "group_name", None), getattr(args, "command_name", None)) if p)
    print(f"aml-deploy{' ' + command if command else ''}: {message}", file=sys.stderr)
    if args.verbose:
        import traceback

        traceback.print_exc()
    return exit_code


def _is_connection_error(err: Exception) -> bool:
    import requests

    return isinstance(err, (requests.ConnectionError, ConnectionError)) or "Connection aborted" in str(err)


def _is_engine_error(err: Exception) -> bool:
    module = type(err).__module__
    return module.startswith(("docker.", "requests.", "urllib3."))


def _engine_message(err: Exception) -> str:
    explanation = getattr(err, "explanation", None)
    return str(explanation or err).strip()


def _parser() -> argparse.ArgumentParser:
    from . import models, online, service, validate

    parser = argparse.ArgumentParser(prog="aml-deploy", description="Validate, debug and deploy Azure ML scoring endpoints.")
    parser.add_argument("--version", action="version", version=f"aml-deploy {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is happening to stderr")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    validate.add_parser(commands)
    models.add_parser(commands)
    online.add_parsers(commands)
    online.add_environment_parsers(commands)
    service.add_parser(commands)
    lsp = commands.add_parser("lsp", help="run the language server on stdio (what the VS Code extension starts)")
    lsp.set_defaults(handler=_lsp)
    return parser


def _lsp(args: argparse.Namespace) -> int:
    # No collections while the server's modules load (about 100 ms of start-up); the server
    # collects once and turns collection back on after its initialize result has gone out.
    gc.disable()
    from ..lsp.server import serve

    serve()
    return 0
