"""How a server command answers on the wire: its result as it is, or, for an error meant for the
user, {"error": message, "code": code}; the extension shows the message and branches on the code.
Commands that wait on Docker, builds or file copies run on worker threads, never the event loop."""

from __future__ import annotations

import functools
from collections.abc import Callable

from ..errors import AmlDeployError
from .server import AmlDeployServer


def error_result(err: AmlDeployError) -> dict:
    return {"error": str(err), "code": err.code}


def command(server: AmlDeployServer, name: str, *, thread: bool = False) -> Callable:
    """Register the decorated function as the server command `name`."""

    def register(function: Callable) -> Callable:
        @functools.wraps(function)  # pygls reads the parameters' types through the wrapper
        def run(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except AmlDeployError as err:
                return error_result(err)

        handler = server.thread()(run) if thread else run
        server.command(name)(handler)
        return function

    return register
