"""Server commands behind the editor's Endpoints view, Deploy/Debug commands and CodeLens: thin
wrappers around aml_deploy.local. They run on worker threads: a build can take minutes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import attrs
from lsprotocol import types as lsp

from ..findings import Finding, Severity, Span
from ..deploy.errors import DeployError
from ..deploy.local.operations import LocalEndpoints
from ..deploy.spec import from_config
from .checking import to_path
from .server import AmlDeployServer, errors_as_results, server


@attrs.define
class DeployArgs:
    config: str  # path or file URI of the deployment YAML / inferenceconfig.json
    debug: bool = False
    name: str | None = None
    endpointName: str | None = None
    deploymentConfig: str | None = None
    progressToken: str | None = None


@attrs.define
class DeploymentArgs:
    endpoint: str
    deployment: str | None = None
    body: str | None = None
    lines: int = 500
    timeout: float = 600.0


def _local(ls: AmlDeployServer, progress=None) -> LocalEndpoints:
    return LocalEndpoints(registry=ls.model_registry(), progress=progress)


def _path(value: str) -> Path:
    return to_path(value) if value.startswith("file:") else Path(value)


@server.thread()
@server.command("amlDeploy.server.listEndpoints")
def list_endpoints(ls: AmlDeployServer) -> dict:
    try:
        return {"endpoints": _local(ls).list_endpoints()}
    except DeployError as err:
        return {"endpoints": [], "error": str(err)}


@server.thread()
@server.command("amlDeploy.server.deploy")
@errors_as_results(DeployError)
def deploy(ls: AmlDeployServer, args: DeployArgs) -> dict:
    token = args.progressToken
    title = "Starting a debug session" if args.debug else "Deploying locally"
    if token:
        ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title=title, message="checking the configuration"))

    def report(message: str) -> None:
        if token:
            ls.work_done_progress.report(token, lsp.WorkDoneProgressReport(message=message[-120:]))

    config = _path(args.config)
    try:
        spec = from_config(config, endpoint=args.endpointName, deployment=args.name,
                           deployment_config=_path(args.deploymentConfig) if args.deploymentConfig else None,
                           workspace=ls.checker.workspace_root(config), registry=ls.model_registry())
        state = _local(ls, report).deploy(spec, debug=args.debug)
    finally:
        if token:
            ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd())
    _show_failure(ls, spec.code_dir / spec.scoring_script, state)
    return state.to_dict()


@server.thread()
@server.command("amlDeploy.server.waitReady")
@errors_as_results(DeployError)
def wait_ready(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    """After a debugger attached: wait until init() returns (or the server fails)."""
    local = _local(ls)
    deadline = time.monotonic() + args.timeout
    while True:
        state = local.show_deployment(args.endpoint, args.deployment)
        if state.state in ("Succeeded", "Failed") or time.monotonic() > deadline:
            return state.to_dict()
        time.sleep(0.2)


@server.thread()
@server.command("amlDeploy.server.invoke")
@errors_as_results(DeployError)
def invoke(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    status, body, target = _local(ls).invoke(args.endpoint, args.deployment, args.body.encode() if args.body else None)
    return {"deployment": target.deployment, "status": status, "body": body}


@server.thread()
@server.command("amlDeploy.server.sampleRequest")
@errors_as_results(DeployError)
def sample_request(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    """A request to start from: the script's input_sample, else a sample-request.json next to the
    configuration, else an empty {"data": []}."""
    local = _local(ls)
    target = local.resolve_deployment(args.endpoint, args.deployment)
    try:
        return {"deployment": target.deployment, "body": json.dumps(json.loads(local.sample_request(target)), indent=2)}
    except DeployError:
        pass  # no input_sample: fall back to a request file
    if target.config:
        for candidate in sorted(Path(target.config).parent.glob("*request*.json")):
            return {"deployment": target.deployment, "body": candidate.read_text(encoding="utf-8")}
    return {"deployment": target.deployment, "body": json.dumps({"data": []}, indent=2)}


@server.thread()
@server.command("amlDeploy.server.logs")
@errors_as_results(DeployError)
def logs(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    local = _local(ls)
    name = args.deployment or local.resolve_deployment(args.endpoint, None).deployment
    return {"text": "\n".join(local.logs(args.endpoint, name, args.lines))}


@server.thread()
@server.command("amlDeploy.server.deleteDeployment")
@errors_as_results(DeployError)
def delete_deployment(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    if args.deployment:
        return _local(ls).delete_deployment(args.endpoint, args.deployment)
    return _local(ls).delete_endpoint(args.endpoint)


def _show_failure(ls: AmlDeployServer, script: Path, state) -> None:
    """A failed start becomes a diagnostic on the line of the user's code that raised; a success
    clears it."""
    failure = state.failure
    if failure is None or failure.path is None or failure.line is None:
        ls.on_loop(ls.checker.set_runtime_findings, script, [])
        return
    line = failure.line - 1
    text = ls.checker.files.read_text(failure.path) or ""
    lines = text.splitlines()
    width = len(lines[line]) if line < len(lines) else 1
    indent = len(lines[line]) - len(lines[line].lstrip()) if line < len(lines) else 0
    finding = Finding(
        "AMLD401", Severity.ERROR,
        f"The local deployment {state.endpoint}/{state.deployment} failed here, in {failure.function}(): {failure.message}",
        Span(line, indent, line, max(width, indent + 1)),
    )
    ls.on_loop(ls.checker.set_runtime_findings, failure.path, [finding])
