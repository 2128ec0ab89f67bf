"""Markdown as a reader sees it: rendered by a CommonMark renderer, tags dropped, entities decoded."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark")


def rendered(markdown: str) -> str:
    text = re.sub(r"<[^>]+>", "", _RENDERER.render(markdown))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()
