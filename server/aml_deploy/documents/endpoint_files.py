"""Endpoint files next to a deployment: what they are called and where the name is written."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple

from ..findings import Span
from .context import Context
from .kinds import Kind, detect
from .nodes import value_span
from .parsing import parse

YAML_SUFFIXES = (".yml", ".yaml")


class EndpointFile(NamedTuple):
    path: Path
    name: str
    kind: Kind


def endpoints_in(folder: Path, ctx: Context) -> list[EndpointFile]:
    found = []
    # A file appearing in or leaving the folder changes the answer, and so does an edit of an
    # endpoint file; an edit of any other sibling does not (checking 200 deployments in one
    # folder must not make each depend on the other 199).
    ctx.depends_on.add(str(folder))
    for path in ctx.files.list_dir(folder):
        if path.suffix.lower() not in YAML_SUFFIXES or path == ctx.path:
            continue
        text = ctx.files.read_text(path)
        info = _endpoint_info(path.name, text) if text is not None else None
        if info is not None:
            ctx.depends_on.add(str(path))
            found.append(EndpointFile(path, *info))
    return found


@functools.lru_cache(maxsize=512)
def _endpoint_info(filename: str, text: str) -> tuple[str, Kind] | None:
    parsed = parse(text)
    detection = detect(filename, text, parsed.data, parsed.leading_comments)
    if detection is None or not detection.kind.is_endpoint or not isinstance(parsed.data, dict):
        return None
    name = parsed.data.get("name")
    return (name, detection.kind) if isinstance(name, str) else None


def endpoint_name_span(ctx: Context, name: str) -> tuple[Path, Span] | None:
    """The endpoint file next to ctx.path that defines `name`, and the span of its name."""
    for endpoint in endpoints_in(ctx.folder, ctx):
        if endpoint.name == name:
            text = ctx.read(endpoint.path) or ""
            return endpoint.path, value_span(parse(text).root, ("name",))
    return None
