"""Where the project's data files are: inside the package when installed from a wheel or the
VS Code extension, at the top of the source checkout otherwise (schemas/ and docs/ live there)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    packaged = PACKAGE / "_data" / name
    if packaged.exists():
        return packaged
    return PACKAGE.parent.parent / name
