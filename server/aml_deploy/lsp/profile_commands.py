"""Server commands behind Profile… (on a local deployment, or on a v1 configuration) and Apply
Recommendation: thin wrappers around `profiling`. A profile runs for a minute or two on a worker
thread and reports its progress (the current concurrency level) as work-done progress."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import attrs
from lsprotocol import types as lsp

from ..deploy.local.operations import LocalEndpoints
from ..deploy.spec import from_config
from ..profiling import ProfileOptions, Targets, chart
from ..profiling.errors import ProfileError
from ..profiling.inputs import read_requests
from ..profiling.recommend import Recommendation
from ..profiling.results import check_name
from ..profiling.run import Progress, profile_deployment
from ..profiling.write import recommendation_edits
from . import convert
from .commands import command
from .server import AmlDeployServer
from .uris import path_argument, to_uri

_running: dict[str, threading.Event] = {}  # progress token -> the event that cancels that profile
_lock = threading.Lock()


@attrs.define
class ProfileArgs:
    endpoint: str | None = None  # a local deployment: endpoint and deployment
    deployment: str | None = None
    config: str | None = None  # its file (to start it when it is not running), or a v1 inferenceconfig.json
    models: list[str] = attrs.field(factory=list)  # v1: azureml:name:version
    name: str | None = None  # v1: the profile's (and its temporary service's) name
    requestFile: str | None = None
    duration: float | None = None
    maxConcurrency: int | None = None
    targetRps: float | None = None
    targetLatencyMs: float | None = None
    progressToken: str | None = None


@attrs.define
class CancelArgs:
    progressToken: str


@attrs.define
class ApplyArgs:
    file: str  # path or file URI of the deployment YAML or deploymentconfig.json
    recommendation: dict = attrs.field(factory=dict)


def register(server: AmlDeployServer) -> None:
    command(server, "amlDeploy.server.profile", thread=True)(profile)
    command(server, "amlDeploy.server.cancelProfile")(cancel_profile)
    command(server, "amlDeploy.server.recommendationEdit", thread=True)(recommendation_edit)


def profile(ls: AmlDeployServer, args: ProfileArgs) -> dict:
    token = args.progressToken
    stop = threading.Event()
    if token:
        with _lock:
            _running[token] = stop
        ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title="Profiling", message="starting", percentage=0, cancellable=True))

    def report(progress: Progress) -> None:
        if token:
            ls.work_done_progress.report(
                token, lsp.WorkDoneProgressReport(message=progress.message, percentage=int(progress.fraction * 100))
            )

    try:
        result = _profile(ls, args, report, stop)
    finally:
        if token:
            with _lock:
                _running.pop(token, None)
            ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd())
    return result


def _profile(ls: AmlDeployServer, args: ProfileArgs, report, stop: threading.Event) -> dict:
    config = path_argument(args.config).resolve() if args.config else None
    workspace = ls.workspace_root(config) if config else None
    registry = ls.model_registry()
    target = LocalEndpoints(registry=registry)  # profiling runs on the local Docker engine
    if args.endpoint:
        endpoint, deployment = args.endpoint, args.deployment
        load_spec = (
            (lambda: from_config(config, endpoint=endpoint, deployment=deployment, workspace=workspace, registry=registry))
            if config
            else None
        )
    elif config is not None and args.name:  # a v1 configuration, run as a temporary service named after the profile
        endpoint, deployment = check_name(args.name), "default"
        load_spec = lambda: from_config(config, endpoint=args.name, models=args.models, workspace=workspace, registry=registry)
    else:
        raise ProfileError("Profile a local deployment (endpoint and deployment) or a v1 configuration (config, name, models).")
    bodies = read_requests(path_argument(args.requestFile)) if args.requestFile else None
    defaults = ProfileOptions()
    options = ProfileOptions(
        duration=args.duration or defaults.duration,
        max_concurrency=args.maxConcurrency or defaults.max_concurrency,
        targets=Targets(args.targetRps, args.targetLatencyMs),
    )
    result = profile_deployment(
        target, endpoint, deployment, load_spec=load_spec, bodies=bodies, options=options, name=args.name, on_progress=report, stop=stop
    )
    svg = chart.render(result, "svg")
    return {
        "profile": result.to_dict(),
        "chartSvg": svg.decode() if svg else None,
        "chartHint": None if svg else chart.INSTALL_HINT,
        "writeTargets": _write_targets(result.config, config),
    }


def _write_targets(deployment_config: str | None, given: Path | None) -> list[str]:
    """Where Apply Recommendation can write: the deployment YAML, or for a v1 configuration the
    ACI/AKS deploymentconfig*.json files beside it."""
    source = given or (Path(deployment_config) if deployment_config else None)
    if source is None:
        return []
    if source.suffix.lower() != ".json":
        return [str(source)]
    return [str(p) for p in sorted(source.parent.glob("*deploymentconfig*.json")) if _is_published_config(p)]


def _is_published_config(path: Path) -> bool:
    import json

    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("computeType", "")).lower() in ("aci", "aks", "aksendpoint")
    except (OSError, ValueError, AttributeError):
        return False


def cancel_profile(ls: AmlDeployServer, args: CancelArgs) -> dict:
    with _lock:
        stop = _running.get(args.progressToken)
    if stop is not None:
        stop.set()
    return {"cancelled": stop is not None}


def recommendation_edit(ls: AmlDeployServer, args: ApplyArgs) -> dict:
    """The WorkspaceEdit that puts the recommendation into the file as the editor holds it."""
    path = path_argument(args.file).resolve()
    names = {f.name for f in dataclasses.fields(Recommendation)}
    try:
        recommendation = Recommendation(**{k: v for k, v in args.recommendation.items() if k in names})
    except TypeError as err:
        raise ProfileError(f"Not a recommendation a profile gives: {err}") from None
    uri = to_uri(path)
    document = ls.workspace.text_documents.get(uri)
    text = document.source if document is not None else (ls.session.files.read_text(path) or "")
    written = recommendation_edits(path, text, recommendation, ls.workspace_root(path))
    lines = text.splitlines(True) or [""]
    edits = [lsp.TextEdit(range=convert.to_range(e.span, lines, ls.workspace.position_codec), new_text=e.new_text) for e in written.edits]
    version = document.version if document is not None else None
    edit = lsp.WorkspaceEdit(
        document_changes=[
            lsp.TextDocumentEdit(text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=edits)
        ]
    )
    return {"edit": edit, "fields": written.fields, "file": str(path)}
