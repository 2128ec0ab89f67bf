"""Write a benchmark's latest table into benchmarks/README.md between its markers."""

from __future__ import annotations

import datetime
import platform
from pathlib import Path


def update_section(readme: Path, name: str, table: str) -> None:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    stamp = f"_Measured {datetime.date.today().isoformat()} on {platform.node() or 'this machine'} " \
            f"({platform.machine()}, Python {platform.python_version()})._"
    block = f"{begin}\n{stamp}\n\n{table}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + f"\n\n{block}\n"
    readme.write_text(text, encoding="utf-8")
