"""Help while editing: completion, hover, go to definition, quick fixes and the Deploy CodeLens."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp

from ..documents import completion, navigation
from ..documents.kinds import Kind
from ..findings import Span
from ..scoring.lenses import entry_point_lines
from . import convert
from .file_kinds import deployments_using
from .server import AmlDeployServer
from .uris import to_path, to_uri


def register(server: AmlDeployServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[":", " ", '"']))(on_completion)
    server.feature(lsp.TEXT_DOCUMENT_HOVER)(on_hover)
    server.feature(lsp.TEXT_DOCUMENT_DEFINITION)(on_definition)
    server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))(on_code_action)
    server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)(on_code_lens)


def _document(ls: AmlDeployServer, uri: str):
    return ls.workspace.get_text_document(uri), to_path(uri)


def _position(ls: AmlDeployServer, document, position: lsp.Position) -> tuple[int, int]:
    return convert.from_position(position, document.lines, ls.workspace.position_codec)


async def on_completion(ls: AmlDeployServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
    document, path = _document(ls, params.text_document.uri)
    if path is None:
        return None
    # The kind is all completion needs, and an edit rarely changes it: a result a keystroke old will do.
    result = ls.session.results.get(str(path)) or await ls.checks.current(path, document.source)
    line, col = _position(ls, document, params.position)
    kind = result.kind if result else None
    items = completion.complete(str(path), document.source, line, col, kind, ls.session.context(path) if kind else None)
    return lsp.CompletionList(is_incomplete=False, items=[_completion_item(i, n, params.position) for n, i in enumerate(items)])


def _completion_item(item: completion.Item, order: int, position: lsp.Position) -> lsp.CompletionItem:
    kinds = {"key": lsp.CompletionItemKind.Property, "value": lsp.CompletionItemKind.Value, "snippet": lsp.CompletionItemKind.Snippet}
    start = lsp.Position(line=position.line, character=max(position.character - item.prefix_length, 0))
    return lsp.CompletionItem(
        label=item.label,
        label_details=lsp.CompletionItemLabelDetails(description=item.description) if item.description else None,
        kind=kinds[item.kind],
        detail=item.detail,
        documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=item.documentation) if item.documentation else None,
        sort_text=f"{order:04d}",  # the order complete() chose, not the alphabet's ('$schema' first)
        filter_text=item.filter_text,
        insert_text_format=lsp.InsertTextFormat.Snippet if item.snippet else lsp.InsertTextFormat.PlainText,
        text_edit=lsp.TextEdit(range=lsp.Range(start=start, end=position), new_text=item.insert),
    )


async def _current(ls: AmlDeployServer, uri: str):
    """(document, path, the result for the editor's current text or None)."""
    document, path = _document(ls, uri)
    if path is None:
        return document, None, None
    return document, path, await ls.checks.current(path, document.source)


async def _at_cursor(ls: AmlDeployServer, params: lsp.HoverParams | lsp.DefinitionParams):
    """(document, path, checked result, line, column) for a request on a configuration file, or None."""
    document, path, result = await _current(ls, params.text_document.uri)
    if path is None or result is None or result.kind is None or result.parsed is None:
        return None
    line, col = _position(ls, document, params.position)
    return document, path, result, line, col


async def on_hover(ls: AmlDeployServer, params: lsp.HoverParams) -> lsp.Hover | None:
    located = await _at_cursor(ls, params)
    if located is None:
        return None
    document, path, result, line, col = located
    found = navigation.hover(result.kind, result.parsed, line, col, ls.session.context(path))
    if found is None:
        return None
    text, span = found
    hover_range = convert.to_range(span, document.lines, ls.workspace.position_codec) if span else None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text), range=hover_range)


async def on_definition(ls: AmlDeployServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    located = await _at_cursor(ls, params)
    if located is None:
        return None
    _document_, path, result, line, col = located
    target = navigation.definition(result.kind, result.parsed, line, col, ls.session.context(path))
    if target is None:
        return None
    target_path, span = target
    if span is None:
        return lsp.Location(uri=to_uri(target_path), range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(0, 0)))
    lines = (ls.session.files.read_text(target_path) or "").splitlines(True)
    return lsp.Location(uri=to_uri(target_path), range=convert.to_range(span, lines, ls.workspace.position_codec))


async def on_code_action(ls: AmlDeployServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    document, path, result = await _current(ls, params.text_document.uri)
    if result is None or result.text != document.source:
        return []  # fixes computed from other text would edit the wrong places
    codec = ls.workspace.position_codec
    wanted = Span(*_position(ls, document, params.range.start), *_position(ls, document, params.range.end))
    actions = []
    for finding in result.findings:
        if not finding.fixes or not finding.span.overlaps(wanted):
            continue
        diagnostic = convert.to_diagnostic(finding, document.lines, codec)
        for fix in finding.fixes:
            actions.append(convert.to_code_action(fix, finding, diagnostic, document.uri, document.version, document.lines, codec))
    return actions


async def on_code_lens(ls: AmlDeployServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    """Deploy locally | Debug: at the top of a deployment file, and above init() and run() once
    for each online deployment that uses the script."""
    document, path, result = await _current(ls, params.text_document.uri)
    if path is None or result is None or result.kind is None:
        return []
    if result.kind.is_online_deployment:
        return _deploy_lenses(0, path)
    if result.kind is not Kind.SCORING_SCRIPT:
        return []
    deployments = [d for d in deployments_using(ls, path) if ls.session.index.kind(d["config"]) is not Kind.INFERENCE_CONFIG]
    return [
        lens
        for line in entry_point_lines(document.source).values()
        for user in deployments
        for lens in _deploy_lenses(line, Path(user["config"]), label=f" {_deployment_label(user)}")
    ]


def _deployment_label(user: dict) -> str:
    """endpoint/deployment as the file names them, else the file's name."""
    if isinstance(user.get("name"), str) and isinstance(user.get("endpoint"), str):
        return f"{user['endpoint']}/{user['name']}"
    return Path(user["config"]).name


def _deploy_lenses(line: int, config: Path, label: str = "") -> list[lsp.CodeLens]:
    where = lsp.Range(start=lsp.Position(line, 0), end=lsp.Position(line, 0))
    uri = to_uri(config)
    return [
        lsp.CodeLens(
            range=where, command=lsp.Command(title=f"$(play) Deploy locally{label}", command="amlDeploy.deployLocally", arguments=[uri])
        ),
        lsp.CodeLens(
            range=where, command=lsp.Command(title=f"$(debug-alt) Debug{label}", command="amlDeploy.debugLocally", arguments=[uri])
        ),
    ]
