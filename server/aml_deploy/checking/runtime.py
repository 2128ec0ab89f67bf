"""Findings a deployment reported on a script's lines ("init() failed here"), kept on their lines
while the script is edited: a line moved by edits above it takes its finding along; a line that
changed, or went, drops it (the next deploy tells whether the fix worked)."""

from __future__ import annotations

import dataclasses
from difflib import SequenceMatcher

from ..findings import Finding


class RuntimeFindings:
    def __init__(self) -> None:
        self._by_path: dict[str, tuple[str, list[Finding]]] = {}  # path -> (the text they point into, findings)

    def set(self, path: str, findings: list[Finding], text: str) -> bool:
        """Remember `findings` (on lines of `text`); False when there was nothing to change."""
        if findings:
            self._by_path[path] = (text, findings)
            return True
        return self._by_path.pop(path, None) is not None

    def on(self, path: str, text: str) -> list[Finding]:
        """The findings for `path` as it reads now."""
        entry = self._by_path.get(path)
        if entry is None:
            return []
        then, findings = entry
        if then != text:
            findings = [moved for moved in (follow(f, then, text) for f in findings) if moved is not None]
            if findings:
                self._by_path[path] = (text, findings)
            else:
                del self._by_path[path]
        return findings


def follow(finding: Finding, then: str, now: str) -> Finding | None:
    """`finding` on its line(s) in `now`, or None when they changed or are gone."""
    old, new = then.splitlines(), now.splitlines()
    span = finding.span
    for tag, i1, i2, j1, _j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal" and i1 <= span.start_line and span.end_line < i2:
            shift = j1 - i1
            moved = dataclasses.replace(span, start_line=span.start_line + shift, end_line=span.end_line + shift)
            return dataclasses.replace(finding, span=moved)
    return None
