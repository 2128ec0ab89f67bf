"""Requests to start from: the example the scoring script declares (inference-schema's
`input_sample`, published in the server's swagger document), else a request file kept beside the
deployment's configuration."""

from __future__ import annotations

import json
from pathlib import Path

from .. import files
from .errors import DeployError

MAX_REQUEST = 64 * 1024 * 1024  # a request body AML Deploy reads from a file (the profiler's limit too)


def swagger_example(document: dict | None) -> bytes | None:
    """The example input of a swagger 2 or 3 document generated from @input_schema."""
    if not document:
        return None
    definitions = document.get("definitions") or (document.get("components") or {}).get("schemas") or {}
    example = (definitions.get("ServiceInput") or {}).get("example")
    # The server's generic document for an undecorated run() has an empty example.
    return json.dumps(example).encode() if example else None


def request_file_beside(config: str | Path | None) -> Path | None:
    """A `*request*.json` next to the configuration (sample-request.json, say)."""
    if not config:
        return None
    return next(iter(sorted(Path(config).parent.glob("*request*.json"))), None)


def read_request(path: str | Path) -> bytes:
    """A request file's bytes: a regular file of at most MAX_REQUEST bytes (a FIFO or /dev/zero is named,
    never read)."""
    try:
        return files.read_bytes(path, MAX_REQUEST)
    except files.UnreadableFile as err:
        raise DeployError(f"Cannot read the request file {err}") from None


EMPTY_REQUEST = json.dumps({"data": []}, indent=2)
