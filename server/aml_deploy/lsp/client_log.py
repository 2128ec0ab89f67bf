"""The server's log records in the editor's output channel, each at its own level.

VS Code shows everything a server writes to stderr as an error, so once the client is there the
records go to it as `window/logMessage` instead. pygls's own records stay on stderr: they are mostly
about the connection, which may be the thing that is failing."""

from __future__ import annotations

import logging

from lsprotocol import types as lsp

_MESSAGE_TYPES = (
    (logging.ERROR, lsp.MessageType.Error),
    (logging.WARNING, lsp.MessageType.Warning),
    (logging.INFO, lsp.MessageType.Info),
)


def _from_pygls(record: logging.LogRecord) -> bool:
    return record.name == "pygls" or record.name.startswith("pygls.")


class ClientLogHandler(logging.Handler):
    def __init__(self, server) -> None:
        super().__init__(level=logging.INFO)
        self.server = server
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.addFilter(lambda record: not _from_pygls(record))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind = next((kind for level, kind in _MESSAGE_TYPES if record.levelno >= level), lsp.MessageType.Log)
            params = lsp.LogMessageParams(type=kind, message=self.format(record))
            self.server.on_loop(self.server.window_log_message, params)
        except Exception:  # noqa: BLE001 - logging must never raise into the code that logs
            self.handleError(record)


def log_to_client(server) -> None:
    """From now on, records go to the client; stderr keeps only pygls's. A log file, when one is
    configured (AML_DEPLOY_LOG_FILE), keeps everything."""
    root = logging.getLogger()
    for handler in root.handlers:
        if type(handler) is logging.StreamHandler:
            handler.addFilter(_from_pygls)
    root.addHandler(ClientLogHandler(server))
