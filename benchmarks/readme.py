"""Print a benchmark's table and, when asked, write it into benchmarks/README.md between its markers."""

from __future__ import annotations

import datetime
import platform
from pathlib import Path

README = Path(__file__).with_name("README.md")


def publish(name: str, lines: list[str], update_readme: bool) -> None:
    """Print the table made of `lines`; with --update-readme, also write it as README section `name`."""
    table = "\n".join(lines)
    print(table)
    if update_readme:
        update_section(README, name, table)


def update_section(readme: Path, name: str, table: str) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    stamp = (
        f"_Measured {datetime.date.today().isoformat()} on {platform.node() or 'this machine'} "
        f"({platform.machine()}, Python {platform.python_version()})._"
    )
    block = f"{begin}\n{stamp}\n\n{table}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + f"\n\n{block}\n"
    readme.write_text(text, encoding="utf-8")
