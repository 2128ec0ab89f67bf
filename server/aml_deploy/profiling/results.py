"""A profile's files: its results as JSON and, beside them, its chart."""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import chart
from .errors import ProfileError
from .report import Profile

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{0,99}$")


def check_name(name: str) -> str:
    if not NAME.match(name or ""):
        raise ProfileError(
            f"Invalid profile name {name!r}: use letters, digits, '-', '_' and '.', starting with a letter "
            "or digit (it names the result files)."
        )
    return name


def save(profile: Profile, folder: Path) -> tuple[Path, Path | None]:
    """(the results file, the chart file or None); both named after the profile."""
    check_name(profile.name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        image = chart.render(profile, "png")
        picture = folder / f"{profile.name}.profile.png" if image is not None else None
        if picture is not None and image is not None:
            picture.write_bytes(image)
            profile.chart = str(picture)
        data = folder / f"{profile.name}.profile.json"
        data.write_text(json.dumps(profile.to_dict(), indent=2) + "\n", encoding="utf-8")
    except OSError as err:
        raise ProfileError(f"Cannot write the results into {folder}: {err.strerror or err}.") from None
    return data, picture
