"""The requests a profile sends, from a file: one JSON request, a JSON array of request objects,
or JSON Lines (one request per line)."""

from __future__ import annotations

import json
from pathlib import Path

from .. import files
from .errors import BadRequestFile

MAX_FILE = 64 * 1024 * 1024


def read_requests(path: Path) -> list[bytes]:
    try:
        text = files.read_text(path, MAX_FILE)
    except files.UnreadableFile as err:
        raise BadRequestFile(f"Cannot read the request file {err}") from None
    return parse_requests(text, str(path))


def parse_requests(text: str, where: str = "the request file") -> list[bytes]:
    """Each request's body. A JSON array whose items are all objects is a list of requests (a body
    that is itself an array of numbers or of arrays, like {"data": ...} without the key, is one)."""
    if not text.strip():
        raise BadRequestFile(f"{where} is empty: give one JSON request, a JSON array of requests, or JSON Lines.")
    try:
        whole = json.loads(text)
    except ValueError:
        return _json_lines(text, where)
    if isinstance(whole, list) and whole and all(isinstance(item, dict) for item in whole):
        return [json.dumps(item).encode() for item in whole]
    return [text.strip().encode()]


def _json_lines(text: str, where: str) -> list[bytes]:
    bodies = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            json.loads(line)
        except ValueError as err:
            raise BadRequestFile(
                f"{where}, line {number}: not JSON ({err}). Give one JSON request, a JSON array of "
                "requests, or JSON Lines (one request per line). Nothing was sent."
            ) from None
        bodies.append(line.strip().encode())
    return bodies
