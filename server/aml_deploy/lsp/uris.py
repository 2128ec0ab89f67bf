"""File URIs <-> paths."""

from __future__ import annotations

from pathlib import Path

from pygls import uris


def to_path(uri: str) -> Path | None:
    path = uris.to_fs_path(uri)
    return Path(path) if path else None


def to_uri(path: Path | str) -> str:
    return uris.from_fs_path(str(path)) or Path(path).as_uri()


def path_argument(value: str) -> Path:
    """A command argument that is a file URI or a plain path."""
    return (to_path(value) or Path(value)) if value.startswith("file:") else Path(value)
