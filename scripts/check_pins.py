#!/usr/bin/env python3
"""Check that this environment holds the pinned version of every package a distribution needs.

    python scripts/check_pins.py [--constraints scripts/constraints.txt] [aml-deploy[test]]

Walks the installed distribution's requirements (with the extras named, markers evaluated for
this interpreter) and reports each package that scripts/constraints.txt does not pin or that is
installed at another version. `pip install -c` only applies the pins it has; this catches a
dependency added to pyproject.toml without refreshing them (scripts/refresh-pins.sh).
Run it with the environment's own python: it needs `packaging`, which `wheel` brings.
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DEFAULT_CONSTRAINTS = Path(__file__).resolve().parent / "constraints.txt"


def read_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def problems(root: str, pins: dict[str, str]) -> list[str]:
    """What is unpinned or off its pin among `root` (e.g. "aml-deploy[test]") and all it needs."""
    found: list[str] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    start = Requirement(root)
    pending = [(start.name, frozenset(start.extras), None)]
    while pending:
        name, extras, needed_by = pending.pop()
        key = canonicalize_name(name)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            found.append(f"{name} (needed by {needed_by}) is not installed")
            continue
        if needed_by is not None:
            pinned = pins.get(key)
            if pinned is None:
                found.append(f"{name} {dist.version} (needed by {needed_by}) is not pinned")
            elif dist.version != pinned:
                found.append(f"{name} is installed at {dist.version}, pinned at {pinned}")
        for text in dist.requires or ():
            requirement = Requirement(text)
            if _applies(requirement, extras):
                pending.append((requirement.name, frozenset(requirement.extras), dist.metadata["Name"]))
    return sorted(set(found))


def _applies(requirement: Requirement, extras: frozenset[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--constraints", type=Path, default=DEFAULT_CONSTRAINTS)
    parser.add_argument("root", nargs="?", default="aml-deploy")
    args = parser.parse_args(argv)
    pins = read_pins(args.constraints)
    wrong = problems(args.root, pins)
    wrong += _tooling(pins)
    if wrong:
        print(f"This environment is not the pinned set ({args.constraints}):", file=sys.stderr)
        for line in wrong:
            print(f"  {line}", file=sys.stderr)
        print("Run scripts/refresh-pins.sh if pyproject.toml changed, then scripts/setup.sh.", file=sys.stderr)
        return 1
    return 0


def _tooling(pins: dict[str, str]) -> list[str]:
    """pip, setuptools and wheel, which setup.sh installs first (no one's requirement)."""
    off = []
    for name in ("pip", "setuptools", "wheel"):
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "nothing"
        if name in pins and version != pins[name]:
            off.append(f"{name} is installed at {version}, pinned at {pins[name]}")
    return off


if __name__ == "__main__":
    sys.exit(main())
