"""The pygls language server. Handlers convert positions and types and call the capability
packages; they hold no domain logic of their own."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..documents import completion, navigation
from ..documents.kinds import Kind
from ..registry import Registry
from ..registry.lookup import ModelRegistryLookup
from ..scoring.lenses import entry_point_lines
from ..scoring.uses import SCRIPT_ROLES
from . import convert
from .checking import Checker, to_path, to_uri
from .client_log import log_to_client

log = logging.getLogger(__name__)

WATCHED = "**/*.{yml,yaml,YAML,YML,json,py,txt}"


class AmlDeployServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(name="aml-deploy", version=__version__, max_workers=4)
        self.checker = Checker(self)
        self.options: dict = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    def on_loop(self, function, *args) -> None:
        """Run `function` on the event loop: commands that run on worker threads change the
        checker's state only through here."""
        if self.loop is None:
            function(*args)
        else:
            self.loop.call_soon_threadsafe(function, *args)

    def registry(self):
        """What configuration checks ask about `azureml:` models (None: checks turned off)."""
        if self.options.get("modelReferences") == "off":
            return None
        return ModelRegistryLookup(self.model_registry())

    def model_registry(self) -> Registry:
        configured = self.options.get("registryPath")
        return Registry(Path(configured).expanduser()) if configured else Registry()

    def report_server_error(self, error: Exception, source) -> None:
        # Log instead of popping up "Error in server" at the user for every hiccup.
        log.error("internal error (%s): %r", getattr(source, "__name__", source), error, exc_info=error)


server = AmlDeployServer()


def errors_as_results(*errors: type[Exception]):
    """For a server command: the expected failures (bad configuration, Docker down, a missing model)
    come back as {"error": message}, which the extension shows as it is, not as a JSON-RPC error."""

    def decorate(command):
        @functools.wraps(command)  # pygls reads the parameters' types through the wrapper
        def run(*args, **kwargs):
            try:
                return command(*args, **kwargs)
            except errors as err:
                return {"error": str(err)}

        return run

    return decorate


def _document(ls: AmlDeployServer, uri: str):
    document = ls.workspace.get_text_document(uri)
    path = to_path(uri)
    return document, path


def _position(ls: AmlDeployServer, document, position: lsp.Position) -> tuple[int, int]:
    return convert.from_position(position, document.lines, ls.workspace.position_codec)


# -- lifecycle -------------------------------------------------------------------------------


@server.feature(lsp.INITIALIZE)
def on_initialize(ls: AmlDeployServer, params: lsp.InitializeParams) -> None:
    ls.options = {k: v for k, v in dict(params.initialization_options or {}).items() if v is not None}


@server.feature(lsp.INITIALIZED)
async def on_initialized(ls: AmlDeployServer, params: lsp.InitializedParams) -> None:
    ls.loop = asyncio.get_running_loop()
    log_to_client(ls)
    _settle_start_up_objects()
    watchers = [lsp.FileSystemWatcher(glob_pattern=WATCHED)]
    try:
        await ls.client_register_capability_async(
            lsp.RegistrationParams(registrations=[
                lsp.Registration(id="aml-deploy-watch", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                 register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))
            ])
        )
    except Exception as err:  # noqa: BLE001 - a client without dynamic registration still works
        log.info("file watching not available: %r", err)
    roots = [p for p in (to_path(f.uri) for f in ls.workspace.folders.values()) if p is not None]
    if ls.options.get("scanWorkspace", True) and roots:
        count = await ls.checker.scan(roots)
        log.info("checked %d files in %s", count, ", ".join(map(str, roots)))


# -- documents -------------------------------------------------------------------------------


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def on_open(ls: AmlDeployServer, params: lsp.DidOpenTextDocumentParams) -> None:
    path = to_path(params.text_document.uri)
    if path is not None:
        ls.checker.check_with_dependents(path)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def on_change(ls: AmlDeployServer, params: lsp.DidChangeTextDocumentParams) -> None:
    path = to_path(params.text_document.uri)
    if path is not None:
        ls.checker.check_with_dependents(path)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def on_close(ls: AmlDeployServer, params: lsp.DidCloseTextDocumentParams) -> None:
    path = to_path(params.text_document.uri)
    if path is not None:
        ls.checker.check_with_dependents(path)  # back to what is on disk (or gone)


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def on_files_changed(ls: AmlDeployServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    for change in params.changes:
        path = to_path(change.uri)
        if path is None:
            continue
        membership = change.type != lsp.FileChangeType.Changed
        if change.type == lsp.FileChangeType.Deleted:
            if to_uri(path) not in ls.workspace.text_documents:
                ls.checker.forget(path)
            ls.checker.recheck_dependents(path, membership)
        elif to_uri(path) not in ls.workspace.text_documents:  # open files follow the editor's text
            ls.checker.check_with_dependents(path, membership)
        else:
            ls.checker.recheck_dependents(path, membership)


# -- editing help ----------------------------------------------------------------------------


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[":", " ", '"']))
def on_completion(ls: AmlDeployServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
    document, path = _document(ls, params.text_document.uri)
    if path is None:
        return None
    result = ls.checker.check(path) if str(path) not in ls.checker.results else ls.checker.results[str(path)]
    line, col = _position(ls, document, params.position)
    items = completion.complete(str(path), document.source, line, col, result.kind if result else None)
    return lsp.CompletionList(is_incomplete=False, items=[_completion_item(i, params.position) for i in items])


def _completion_item(item: completion.Item, position: lsp.Position) -> lsp.CompletionItem:
    kinds = {"key": lsp.CompletionItemKind.Property, "value": lsp.CompletionItemKind.Value,
             "snippet": lsp.CompletionItemKind.Snippet}
    start = lsp.Position(line=position.line, character=max(position.character - item.prefix_length, 0))
    return lsp.CompletionItem(
        label=item.label,
        kind=kinds[item.kind],
        detail=item.detail,
        documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=item.documentation) if item.documentation else None,
        insert_text_format=lsp.InsertTextFormat.Snippet if item.snippet else lsp.InsertTextFormat.PlainText,
        text_edit=lsp.TextEdit(range=lsp.Range(start=start, end=position), new_text=item.insert),
    )


def _at_cursor(ls: AmlDeployServer, params: lsp.TextDocumentPositionParams):
    """(document, path, checked result, line, column) for a request on a configuration file, or None."""
    document, path = _document(ls, params.text_document.uri)
    result = ls.checker.results.get(str(path)) if path else None
    if result is None or result.kind is None or result.parsed is None:
        return None
    line, col = _position(ls, document, params.position)
    return document, path, result, line, col


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def on_hover(ls: AmlDeployServer, params: lsp.HoverParams) -> lsp.Hover | None:
    located = _at_cursor(ls, params)
    if located is None:
        return None
    document, path, result, line, col = located
    found = navigation.hover(result.kind, result.parsed, line, col, ls.checker.context(path))
    if found is None:
        return None
    text, span = found
    hover_range = convert.to_range(span, document.lines, ls.workspace.position_codec) if span else None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text), range=hover_range)


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def on_definition(ls: AmlDeployServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    located = _at_cursor(ls, params)
    if located is None:
        return None
    _document_, path, result, line, col = located
    target = navigation.definition(result.kind, result.parsed, line, col, ls.checker.context(path))
    if target is None:
        return None
    target_path, span = target
    if span is None:
        return lsp.Location(uri=to_uri(target_path), range=lsp.Range(start=lsp.Position(0, 0), end=lsp.Position(0, 0)))
    lines = (ls.checker.files.read_text(target_path) or "").splitlines(True)
    return lsp.Location(uri=to_uri(target_path), range=convert.to_range(span, lines, ls.workspace.position_codec))


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
def on_code_action(ls: AmlDeployServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    document, path = _document(ls, params.text_document.uri)
    result = ls.checker.results.get(str(path)) if path else None
    if result is None:
        return []
    codec = ls.workspace.position_codec
    wanted = convert.from_position(params.range.start, document.lines, codec), convert.from_position(params.range.end, document.lines, codec)
    actions = []
    for finding in result.findings:
        if not finding.fixes or not _touches(finding.span, wanted):
            continue
        diagnostic = convert.to_diagnostic(finding, document.lines, codec)
        for fix in finding.fixes:
            actions.append(convert.to_code_action(fix, finding, diagnostic, document.uri, document.version, document.lines, codec))
    return actions


def _touches(span, wanted: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    (start_line, start_col), (end_line, end_col) = wanted
    return not ((span.end_line, span.end_col) < (start_line, start_col) or (end_line, end_col) < (span.start_line, span.start_col))


@server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
def on_code_lens(ls: AmlDeployServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    """Deploy locally | Debug: at the top of a deployment file, and above init() and run() once
    for each online deployment that uses the script."""
    document, path = _document(ls, params.text_document.uri)
    result = ls.checker.results.get(str(path)) if path else None
    if result is None or result.kind is None:
        return []
    if result.kind.is_online_deployment:
        return _deploy_lenses(0, path)
    if result.kind is not Kind.SCORING_SCRIPT:
        return []
    users = sorted({source for source, ref in ls.checker.index.referrers(path) if ref.role in SCRIPT_ROLES})
    deployments = [Path(u) for u in users if (ls.checker.index.kind(u) or Kind.MODEL).is_online_deployment]
    return [lens for line in entry_point_lines(document.source).values() for user in deployments
            for lens in _deploy_lenses(line, user, label=f" ({user.name})" if len(deployments) > 1 else "")]


def _deploy_lenses(line: int, config: Path, label: str = "") -> list[lsp.CodeLens]:
    where = lsp.Range(start=lsp.Position(line, 0), end=lsp.Position(line, 0))
    uri = to_uri(config)
    return [
        lsp.CodeLens(range=where, command=lsp.Command(title=f"$(play) Deploy locally{label}", command="amlDeploy.deployLocally",
                                                      arguments=[uri])),
        lsp.CodeLens(range=where, command=lsp.Command(title="$(debug-alt) Debug", command="amlDeploy.debugLocally",
                                                      arguments=[uri])),
    ]


from . import local_commands, model_commands  # noqa: E402,F401 - register the server's commands


def serve() -> None:
    log_file = os.environ.get("AML_DEPLOY_LOG_FILE")
    logging.basicConfig(level=logging.DEBUG if log_file else logging.INFO, filename=log_file,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    if not log_file:  # pygls logs every message at INFO: too much for the editor's output channel
        logging.getLogger("pygls").setLevel(logging.WARNING)
    server.start_io()


def _settle_start_up_objects() -> None:
    """Collects what start-up left behind, then keeps the collector from re-scanning what lives
    as long as the process (those full collections were the latency tail). Start-up may have run
    with collection off (cli.py); it is on from here."""
    gc.collect()
    gc.freeze()
    gc.enable()

