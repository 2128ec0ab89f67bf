#!/usr/bin/env python3
"""Print the Debian mirror this machine's apt uses for a suite, read the way apt reads it.

apt reads /etc/apt/sources.list, then the *.list (one-line format) and *.sources (deb822) files
of /etc/apt/sources.list.d/ in name order; either may be absent. Comment lines are skipped:
Debian's own debian.sources keeps unreachable snapshot.debian.org URLs in comments.
The mirror is the first `deb` source that serves the suite itself (bookworm, not bookworm-security
or bookworm-updates) with its main component, from an http(s) or file URI.

    python3 scripts/debian_mirror.py [--suite bookworm] [--etc /etc/apt]
prints "URI<TAB>where it was found", or exits 1 saying what was searched.
Standard library only: it runs before any virtual environment exists.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

SCHEMES = ("http://", "https://", "file:")


@dataclass(frozen=True)
class Source:
    types: tuple[str, ...]
    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]
    origin: str  # file and line, for messages


def source_files(etc: Path) -> list[Path]:
    """The files apt reads, in the order it reads them (only the existing ones)."""
    files = [etc / "sources.list"] if (etc / "sources.list").is_file() else []
    parts = etc / "sources.list.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources") and p.is_file())
    return files


def read_sources(path: Path) -> list[Source]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_deb822(text, str(path)) if path.suffix == ".sources" else parse_one_line(text, str(path))


def parse_one_line(text: str, name: str) -> list[Source]:
    """`deb [option=value ...] URI SUITE [COMPONENT...]` lines; '#' starts a comment."""
    sources = []
    for number, line in enumerate(text.splitlines(), 1):
        words = _strip_comment(line).split()
        if not words:
            continue
        kind, rest = words[0], words[1:]
        if rest and rest[0].startswith("["):  # options: [arch=amd64 signed-by=/usr/share/keyrings/x.gpg]
            while rest and not rest[0].endswith("]"):
                rest = rest[1:]
            rest = rest[1:]
        if len(rest) < 2:
            continue
        sources.append(Source((kind,), (rest[0],), (rest[1],), tuple(rest[2:]), f"{name}:{number}"))
    return sources


def parse_deb822(text: str, name: str) -> list[Source]:
    """Stanzas of `Field: value` lines separated by blank lines; '#' lines are comments anywhere,
    lines starting with a space continue the previous field (Signed-By may hold a whole key)."""
    sources = []
    for number, fields in _stanzas(text):
        if fields.get("enabled", "yes").strip().lower() == "no":
            continue
        sources.append(
            Source(
                tuple(fields.get("types", "").split()),
                tuple(fields.get("uris", "").split()),
                tuple(fields.get("suites", "").split()),
                tuple(fields.get("components", "").split()),
                f"{name}:{number}",
            )
        )
    return sources


def _stanzas(text: str):
    fields: dict[str, str] = {}
    start, last = 0, None
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                yield start, fields
            fields, last = {}, None
            continue
        if line[0] in " \t":
            if last:
                fields[last] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep:
            continue
        if not fields:
            start = number
        last = key.strip().lower()
        fields[last] = value.strip()
    if fields:
        yield start, fields


def _strip_comment(line: str) -> str:
    """A '#' at the start of the line or after a space starts a comment (not one inside a URI)."""
    stripped = line.strip()
    if stripped.startswith("#"):
        return ""
    cut = stripped.find(" #")
    return stripped if cut < 0 else stripped[:cut]


def find_mirror(etc: Path, suite: str) -> tuple[str, str] | None:
    """(URI, origin) of the first deb source that serves `suite`, or None."""
    for path in source_files(etc):
        for source in read_sources(path):
            if "deb" not in source.types or suite not in source.suites or "main" not in source.components:
                continue
            for uri in source.uris:
                if uri.startswith(SCHEMES):
                    return uri.rstrip("/"), source.origin
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="bookworm")
    parser.add_argument("--etc", type=Path, default=Path("/etc/apt"), help="apt's configuration folder")
    args = parser.parse_args(argv)
    found = find_mirror(args.etc, args.suite)
    if found is None:
        searched = ", ".join(str(p) for p in source_files(args.etc)) or f"no sources files in {args.etc}"
        print(
            f"No 'deb' source for suite {args.suite} (component main, an http(s) or file URI) in the apt sources ({searched}).",
            file=sys.stderr,
        )
        return 1
    print("\t".join(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
