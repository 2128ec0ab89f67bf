"""'Did you mean ...?' for misspelled keys and values."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable


def _words(name: str) -> frozenset[str]:
    """camelCase / snake_case / kebab-case words, lower-cased, with a trailing 'd' or 's' dropped
    so that enableAppInsights and appInsightsEnabled share the same words."""
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)
    return frozenset(part.lower().rstrip("ds") or part.lower() for part in parts)


def _squash(name: str) -> str:
    return re.sub(r"[-_.\s]", "", name).lower()


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    candidates = [c for c in candidates if c != word]
    squashed = _squash(word)
    for candidate in candidates:
        if _squash(candidate) == squashed:
            return candidate
    words = _words(word)
    if len(words) > 1:
        for candidate in candidates:
            if _words(candidate) == words:
                return candidate
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.75)
    if close:
        return close[0]
    close = difflib.get_close_matches(word.lower(), [c.lower() for c in candidates], n=1, cutoff=0.75)
    if close:
        return next(c for c in candidates if c.lower() == close[0])
    return None


def one_of(values: Iterable[str]) -> str:
    values = [str(v) for v in values]
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " or " + values[-1]
