"""Server commands behind the Endpoints view, Deploy/Debug Locally and the CodeLens: thin
wrappers around a deployment target. They run on worker threads: a build can take minutes."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
from lsprotocol import types as lsp

from ..deploy.failures import failure_finding
from ..deploy.requests import EMPTY_REQUEST
from ..deploy.spec import from_config
from ..deploy.state import DeploymentState
from ..deploy.target import Target
from ..deploy.targets import get_target
from ..findings import Finding
from .commands import command
from .server import AmlDeployServer
from .uris import path_argument


@attrs.define
class DeployArgs:
    config: str  # path or file URI of the deployment YAML / inferenceconfig.json
    debug: bool = False
    name: str | None = None
    endpointName: str | None = None
    deploymentConfig: str | None = None
    progressToken: str | None = None


@attrs.define
class EndpointArgs:
    endpoint: str
    keyType: str | None = None
    traffic: dict | None = None
    mirror: dict | None = None


@attrs.define
class DeploymentArgs:
    endpoint: str
    deployment: str | None = None
    body: str | None = None
    lines: int = 500
    timeout: float = 600.0


def register(server: AmlDeployServer) -> None:
    command(server, "amlDeploy.server.listEndpoints", thread=True)(list_endpoints)
    command(server, "amlDeploy.server.deploy", thread=True)(deploy)
    command(server, "amlDeploy.server.waitReady", thread=True)(wait_ready)
    command(server, "amlDeploy.server.invoke", thread=True)(invoke)
    command(server, "amlDeploy.server.sampleRequest", thread=True)(sample_request)
    command(server, "amlDeploy.server.logs", thread=True)(logs)
    command(server, "amlDeploy.server.deleteDeployment", thread=True)(delete_deployment)
    command(server, "amlDeploy.server.getCredentials", thread=True)(get_credentials)
    command(server, "amlDeploy.server.regenerateKeys", thread=True)(regenerate_keys)
    command(server, "amlDeploy.server.setTraffic", thread=True)(set_traffic)


def _target(ls: AmlDeployServer, progress=None) -> Target:
    return get_target("local", registry=ls.model_registry(), progress=progress)


def list_endpoints(ls: AmlDeployServer, *options: dict) -> dict:
    """Every local endpoint; with {"workspace": [folders]}, those whose endpoint file or deployment
    configurations lie in one of the folders (the engine is shared by every project on it)."""
    endpoints = _target(ls).list_endpoints()
    folders = (options[0] or {}).get("workspace") if options and isinstance(options[0], dict) else None
    if folders is not None:
        roots = [path_argument(folder) for folder in folders]
        endpoints = [e for e in endpoints if any(_inside(file, roots) for file in _files_of(e))]
    return {"endpoints": endpoints}


def _files_of(endpoint: dict) -> list[str]:
    return [f for f in [endpoint.get("file"), *(d.get("config") for d in endpoint.get("deployments", []))] if f]


def _inside(file: str, roots: list[Path]) -> bool:
    path = Path(file)
    return any(path == root or root in path.parents for root in roots)


def deploy(ls: AmlDeployServer, args: DeployArgs) -> dict:
    token = args.progressToken
    title = "Starting a debug session" if args.debug else "Deploying locally"
    if token:
        ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title=title, message="checking the configuration"))

    def report(message: str) -> None:
        if token:
            ls.work_done_progress.report(token, lsp.WorkDoneProgressReport(message=message[-120:]))

    config = path_argument(args.config)
    try:
        spec = from_config(
            config,
            endpoint=args.endpointName,
            deployment=args.name,
            deployment_config=path_argument(args.deploymentConfig) if args.deploymentConfig else None,
            workspace=ls.workspace_root(config),
            registry=ls.model_registry(),
        )
        state = _target(ls, report).deploy(spec, debug=args.debug)
    finally:
        if token:
            ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd())
    _show_failure(ls, spec.script_path, state)
    return state.to_dict()


def wait_ready(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    """After a debugger attached: wait until init() returns (or the server fails)."""
    return _target(ls).wait_ready(args.endpoint, args.deployment, args.timeout).to_dict()


def invoke(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    answer = _target(ls).invoke(args.endpoint, args.deployment, args.body.encode() if args.body else None)
    return {"deployment": answer.deployment, "status": answer.status, "body": answer.body, "explanation": answer.explanation}


def sample_request(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    """A request to start from; an empty {"data": []} when the deployment offers none."""
    deployment, body = _target(ls).sample_request(args.endpoint, args.deployment)
    if body is None:
        return {"deployment": deployment, "body": EMPTY_REQUEST}
    try:
        return {"deployment": deployment, "body": json.dumps(json.loads(body), indent=2)}
    except ValueError:
        return {"deployment": deployment, "body": body.decode("utf-8", errors="replace")}


def logs(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    return {"text": "\n".join(_target(ls).logs(args.endpoint, args.deployment, args.lines))}


def delete_deployment(ls: AmlDeployServer, args: DeploymentArgs) -> dict:
    if args.deployment:
        return _target(ls).delete_deployment(args.endpoint, args.deployment)
    return _target(ls).delete_endpoint(args.endpoint)


def get_credentials(ls: AmlDeployServer, args: EndpointArgs) -> dict:
    return _target(ls).get_credentials(args.endpoint)


def regenerate_keys(ls: AmlDeployServer, args: EndpointArgs) -> dict:
    _target(ls).regenerate_keys(args.endpoint, args.keyType or "primary")
    return {"endpoint": args.endpoint, "regenerated": args.keyType or "primary"}  # the keys stay on the server


def set_traffic(ls: AmlDeployServer, args: EndpointArgs) -> dict:
    return _target(ls).set_traffic(args.endpoint, args.traffic, args.mirror)


def _show_failure(ls: AmlDeployServer, script: Path, state: DeploymentState) -> None:
    """A failed start becomes a diagnostic on the line of the user's code that raised; a success
    clears it."""
    failure = state.failure
    target: Path = script
    findings: list[Finding] = []
    text: str | None = None
    if failure is not None and failure.path is not None:
        text = ls.session.files.read_text(failure.path) or ""
        finding = failure_finding(failure, f"local deployment {state.endpoint}/{state.deployment}", text)
        if finding is not None:
            target, findings = failure.path, [finding]
    ls.checks.submit(f"runtime:{target}", lambda: ls.session.set_runtime_findings(target, findings, text))
