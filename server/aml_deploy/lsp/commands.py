"""How a server command answers on the wire: its result as it is, or, for an error meant for the
user, {"error": message, "code": code}; the extension shows the message and branches on the code.
Arguments the command cannot use (missing, of the wrong type, too many) are such an error too
("invalid-arguments"), never a JSON-RPC error the extension cannot branch on: the arguments are
structured here, not by pygls. Commands that wait on Docker, builds or file copies run on worker
threads, never the event loop."""

from __future__ import annotations

import inspect
import logging
import typing
from collections.abc import Callable

import attrs
from cattrs import transform_error
from pygls.protocol import default_converter

from ..errors import AmlDeployError
from .server import AmlDeployServer

_CONVERTER = default_converter()
log = logging.getLogger(__name__)


class InvalidArguments(AmlDeployError):
    code = "invalid-arguments"


def error_result(err: AmlDeployError) -> dict:
    return {"error": str(err), "code": err.code}


def command(server: AmlDeployServer, name: str, *, thread: bool = False) -> Callable:
    """Register the decorated function as the server command `name`."""

    def register(function: Callable) -> Callable:
        structure = _structurer(name, function)

        def run(ls: AmlDeployServer, *arguments):  # raw arguments: pygls passes them on as they came
            try:
                return function(ls, *structure(arguments))
            except AmlDeployError as err:
                return error_result(err)
            except Exception as err:  # the editor gets an answer it can show; the log gets the rest
                log.exception("%s failed", name)
                return _unexpected(name, err)

        handler = server.thread()(run) if thread else run
        server.command(name)(handler)
        return function

    return register


def _unexpected(name: str, err: Exception) -> dict:
    """An engine's refusal or lost connection is said as such; anything else is a bug, said as one."""
    if type(err).__module__.startswith(("docker.", "requests.", "urllib3.")) or isinstance(err, ConnectionError):
        return {"error": f"The Docker engine did not do it: {getattr(err, 'explanation', None) or err}", "code": "engine"}
    return {
        "error": f"{name} failed unexpectedly ({type(err).__name__}: {err}); the server's log (AML Deploy: Show Logs) "
        "has the details for a bug report.",
        "code": "internal",
    }


def _structurer(name: str, function: Callable) -> Callable[[tuple], list]:
    """The function's arguments after the server, from the JSON values, by their type hints."""
    hints = typing.get_type_hints(function)
    parameters = list(inspect.signature(function).parameters.values())[1:]
    rest = next((p for p in parameters if p.kind == inspect.Parameter.VAR_POSITIONAL), None)
    fixed = [p for p in parameters if p.kind != inspect.Parameter.VAR_POSITIONAL]

    def structure(arguments: tuple) -> list:
        if len(arguments) < len(fixed) or (rest is None and len(arguments) > len(fixed)):
            wanted = "takes no arguments" if not fixed else f"takes {len(fixed)} argument(s)"
            raise InvalidArguments(f"{name} {wanted}, not {len(arguments)}.")
        values = []
        for parameter, value in zip(fixed, arguments):
            hint = hints.get(parameter.name, typing.Any)
            if attrs.has(hint) and not isinstance(value, dict):  # cattrs would take a string's letters for fields
                raise InvalidArguments(f"{name}: the argument must be an object with its fields, not {type(value).__name__}.")
            try:
                values.append(_CONVERTER.structure(value, hint))
            except Exception as err:  # noqa: BLE001 - whatever cattrs says is wrong with the value is the user's error
                raise InvalidArguments(f"{name}: {'; '.join(_problems(err))}.") from None
        return values + list(arguments[len(fixed) :])

    return structure


def _problems(err: Exception) -> list[str]:
    try:
        return transform_error(err, path="argument")
    except Exception:  # noqa: BLE001 - not a cattrs error: its own words
        return [str(err) or type(err).__name__]
