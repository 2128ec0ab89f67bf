"""Plain findings and spans <-> LSP types. Spans count code points; LSP counts the client's
units (UTF-16 for VS Code), so every conversion goes through the document's lines."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types as lsp
from pygls.workspace.position_codec import PositionCodec, ServerTextPosition

from ..codes import editor_docs_url
from ..findings import Finding, Fix, Span

SOURCE = "aml-deploy"


def to_range(span: Span, lines: Sequence[str], codec: PositionCodec) -> lsp.Range:
    start = _position(span.start_line, span.start_col, lines, codec)
    end = _position(span.end_line, span.end_col, lines, codec)
    return lsp.Range(start=start, end=end)


def _position(line: int, col: int, lines: Sequence[str], codec: PositionCodec) -> lsp.Position:
    if line >= len(lines):
        return lsp.Position(line=len(lines), character=0)
    text = lines[line].rstrip("\r\n")
    return codec.position_to_client_units(lines, ServerTextPosition(line, min(col, len(text))))


def from_position(position: lsp.Position, lines: Sequence[str], codec: PositionCodec) -> tuple[int, int]:
    if position.line >= len(lines):
        # The empty last line of a text that ends with a newline (pygls would clamp it to the end of
        # the line before, into that line's value).
        return len(lines), 0
    server = codec.position_from_client_units(lines, lsp.Position(line=position.line, character=position.character))
    return server.line, server.character


def to_diagnostic(finding: Finding, lines: Sequence[str], codec: PositionCodec) -> lsp.Diagnostic:
    tags = [lsp.DiagnosticTag.Deprecated] if finding.code == "AMLD109" else None
    return lsp.Diagnostic(
        range=to_range(finding.span, lines, codec),
        message=finding.message,
        severity=lsp.DiagnosticSeverity(int(finding.severity)),
        code=finding.code,
        code_description=lsp.CodeDescription(href=editor_docs_url(finding.code)),
        source=SOURCE,
        tags=tags,
    )


def to_code_action(
    fix: Fix, finding: Finding, diagnostic: lsp.Diagnostic, uri: str, version: int | None, lines: Sequence[str], codec: PositionCodec
) -> lsp.CodeAction:
    changes: list = []
    for create in fix.creates:
        target = Path(create.path).as_uri()
        changes.append(lsp.CreateFile(uri=target, options=lsp.CreateFileOptions(ignore_if_exists=True)))
        changes.append(
            lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=target, version=None),
                edits=[lsp.TextEdit(range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(0, 0)), new_text=create.content)],
            )
        )
    edits = [lsp.TextEdit(range=to_range(e.span, lines, codec), new_text=e.new_text) for e in fix.edits if e.path is None]
    if edits:
        changes.append(
            lsp.TextDocumentEdit(text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=edits)
        )
    command = fix.command
    return lsp.CodeAction(
        title=fix.title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=fix.preferred,
        edit=lsp.WorkspaceEdit(document_changes=changes) if changes else None,
        command=lsp.Command(title=fix.title, command=command.name, arguments=list(command.arguments)) if command else None,
    )
