"""Check one configuration file: parse, decide its kind, validate against its schema, run the rules."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .. import files
from ..errors import InvalidConfiguration
from ..findings import Finding, Fix, Severity, Span, TextEdit
from . import schema_check
from .context import Context
from .kinds import Detection, Kind, detect
from .parsing import MAX_BYTES, Parsed, parse
from .references import Reference, local_references
from .rules import RULES

log = logging.getLogger(__name__)

CONFIG_SUFFIXES = (".yml", ".yaml", ".json")
SCHEMA_HOST = "https://azuremlschemas.azureedge.net/latest/"


@dataclass
class Result:
    path: Path
    detection: Detection | None
    findings: list[Finding] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    depends_on: set[str] = field(default_factory=set)
    parsed: Parsed | None = None
    text: str = ""  # what was checked (positions refer to it)

    @property
    def kind(self) -> Kind | None:
        return self.detection.kind if self.detection else None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)


def validate_text(path: Path, text: str, ctx: Context, size: int | None = None) -> Result:
    """Check `text` as `path`; `size`: the size on disk when `text` is only the file's beginning."""
    surrogate = _LONE_SURROGATE.search(text)
    if surrogate is not None:  # an editor can hold one; no parser can read it, so check the rest without it
        result = validate_text(path, _LONE_SURROGATE.sub("\ufffd", text), ctx, size)
        result.text = text
        result.findings.insert(0, _surrogate_finding(text, surrogate.start()))
        return result
    parsed = parse(text, is_json=path.suffix.lower() == ".json", size=size)
    detection = detect(str(path), text, parsed.data, parsed.leading_comments, ctx.referenced_as)
    result = Result(path, detection, parsed=parsed, text=text)
    if detection is None:
        return result  # not an Azure ML file: leave it alone
    result.findings.extend(parsed.findings)
    if parsed.ok:
        result.findings.extend(_checks(detection, parsed, ctx))
    if parsed.data is not None:  # templates too: what they refer to matters to other files
        result.references = _guarded(local_references, detection.kind, parsed.data, ctx.folder)
    result.findings.sort(key=Finding.sort_key)
    result.depends_on = set(ctx.depends_on)
    return result


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_finding(text: str, offset: int) -> Finding:
    line = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return Finding(
        "AMLD005",
        Severity.ERROR,
        f"A lone surrogate (U+{ord(text[offset]):04X}) is not a character a file can hold: delete it.",
        Span(line, col, line, col + 1),
    )


def validate_file(path: Path, ctx: Context, explicit: bool = False) -> Result:
    """Check a file on disk. `explicit`: the user named it, so report it even if it is unreadable."""
    try:
        raw, size_on_disk = files.read_head(path, MAX_BYTES)
    except files.UnreadableFile as err:
        result = Result(path, None)
        if explicit:
            result.findings.append(Finding("AMLD005", Severity.ERROR, f"Cannot read the file: {err.why}.", Span.point()))
        return result
    if len(raw) > MAX_BYTES:  # parse() reports the size; a cut-off character does not matter
        return validate_text(path, raw.decode("utf-8-sig", errors="replace"), ctx, size_on_disk)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return _undecodable(path, raw, err, ctx, explicit)
    return validate_text(path, text, ctx)


def validate_or_refuse(path: Path, ctx: Context, consequence: str, error: type[InvalidConfiguration] = InvalidConfiguration) -> Result:
    """Check a file the user gave a command; with any error, refuse (raise `error`) with every
    error's place and `consequence` (what was therefore not done)."""
    result = validate_file(path, ctx, explicit=True)
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    if errors:
        lines = [f"{path}:{f.span.start_line + 1}:{f.span.start_col + 1}: {f.code} {f.message}" for f in errors]
        raise error(
            f"{path.name} has {len(errors)} error(s); {consequence}:\n" + "\n".join(lines), findings=[(str(path), f) for f in errors]
        )
    return result


def _undecodable(path: Path, raw: bytes, err: UnicodeDecodeError, ctx: Context, explicit: bool) -> Result:
    text = raw.decode("utf-8-sig", errors="replace")
    parsed = parse(text, is_json=path.suffix.lower() == ".json")
    detection = detect(str(path), text, parsed.data, parsed.leading_comments, ctx.referenced_as)
    result = Result(path, detection, parsed=parsed, text=text)
    if detection is not None or explicit:
        line = raw.count(b"\n", 0, err.start)
        col = len(raw[raw.rfind(b"\n", 0, err.start) + 1 : err.start].decode("utf-8", errors="replace"))
        result.findings.append(
            Finding(
                "AMLD005",
                Severity.ERROR,
                f"The file is not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}); save it as UTF-8.",
                Span(line, col, line, col + 1),
            )
        )
    return result


def _checks(detection: Detection, parsed: Parsed, ctx: Context) -> list[Finding]:
    kind = detection.kind
    findings = list(_guarded(schema_check.check, kind, parsed))
    for rule in RULES:
        findings.extend(_guarded(rule, kind, parsed, ctx))
    if detection.how == "content" and not kind.is_v1 and kind is not Kind.CONDA:
        findings.append(_missing_schema_hint(kind, parsed))
    return findings


T = TypeVar("T")


def _guarded(check: Callable[..., Iterable[T]], *args: Any) -> list[T]:
    """A bug in one rule must not take the others (or the language server) down with it."""
    try:
        return list(check(*args))
    except Exception:  # logged with its traceback
        log.exception("rule %s failed on %s", getattr(check, "__module__", check), args[-1])
        return []


def _missing_schema_hint(kind: Kind, parsed: Parsed) -> Finding:
    url = SCHEMA_HOST + f"{kind.value}.schema.json"
    return Finding(
        "AMLD010",
        Severity.HINT,
        f"Recognised as a {kind.label} by its content; add a $schema line so every editor and the Azure ML CLI agree on the kind.",
        Span.point(),
        (Fix("Add $schema line", (TextEdit(Span(0, 0, 0, 0), f"$schema: {url}\n"),)),),
    )
