"""Plain text inside the Markdown that hover and completion show. Schema descriptions and what
users write (model descriptions, tags) are plain text: `azureml:<name>:<version>` must not read
as an HTML tag, nor `_private_` as emphasis."""

from __future__ import annotations

import re

# Characters that start inline Markdown (CommonMark lets any ASCII punctuation be backslash-escaped,
# and VS Code's renderer follows it). An underscore inside a word (auth_mode) never emphasises.
_INLINE = re.compile(r"([\\`*\[\]<>{}|~&!#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# What starts a block at the beginning of a line: a list item, a heading underline.
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+=])", re.MULTILINE)


def escape(text: str) -> str:
    """`text` as Markdown that renders as `text`."""
    escaped = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"{m[1]}{m[2]}\\{m[3]}" if m[2] else f"{m[4]}\\{m[5]}", escaped)


def code(text: str) -> str:
    """`text` as an inline code span, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"
