"""Server commands behind the Published Services view: publish a local deployment or a v1
configuration to ACI (or, when its deploymentconfig.json says computeType aks, to a Kubernetes cluster), list the
published services (ACI services, Kubernetes endpoints with their
deployments and traffic), keys, logs, update, delete. Thin wrappers around the ACI and Kubernetes
targets; publishing runs on a worker thread and reports its stages as work-done progress."""

from __future__ import annotations

import attrs
from lsprotocol import types as lsp

from ..deploy.aci.settings import AciOptions
from ..deploy.aci.target import AciServices
from ..deploy.failures import failure_finding
from ..deploy.publish import PROVISION, PUSH, RegistrySettings, StageProgress
from ..deploy.spec import from_config, read_deployment_config
from ..deploy.state import DeploymentState
from .commands import command
from .server import AmlDeployServer
from .uris import path_argument


@attrs.define
class PublishArgs:
    config: str  # path or file URI: an inferenceconfig.json or a v2 deployment YAML
    name: str  # the service's name
    deploymentConfig: str | None = None
    models: list[str] = attrs.field(factory=list)
    subscription: str | None = None
    resourceGroup: str | None = None
    location: str | None = None
    registryServer: str | None = None
    registryUsername: str | None = None
    registryPassword: str | None = None  # asked each time by the editor; never stored
    acrName: str | None = None
    acrResourceGroup: str | None = None
    cpu: float | None = None
    memoryGb: float | None = None
    authEnabled: bool | None = None
    dnsNameLabel: str | None = None
    kubeContext: str | None = None  # computeType aks: the kubeconfig context (else computeTargetName, else the current one)
    requestFile: str | None = None
    skipLocalCheck: bool = False
    dryRun: bool = False
    update: bool = False
    progressToken: str | None = None


@attrs.define
class ServiceArgs:
    name: str
    keyType: str = "primary"
    lines: int = 500
    init: bool = False
    models: list[str] = attrs.field(factory=list)
    body: str | None = None
    deleteImage: bool = False
    progressToken: str | None = None


def register(server: AmlDeployServer) -> None:
    command(server, "amlDeploy.server.listPublished", thread=True)(list_published)
    command(server, "amlDeploy.server.showPublished", thread=True)(show_published)
    command(server, "amlDeploy.server.publish", thread=True)(publish)
    command(server, "amlDeploy.server.updatePublished", thread=True)(update_published)
    command(server, "amlDeploy.server.publishedKeys", thread=True)(published_keys)
    command(server, "amlDeploy.server.regeneratePublishedKey", thread=True)(regenerate_key)
    command(server, "amlDeploy.server.publishedLogs", thread=True)(published_logs)
    command(server, "amlDeploy.server.invokePublished", thread=True)(invoke_published)
    command(server, "amlDeploy.server.deletePublished", thread=True)(delete_published)


class _Progress:
    """Work-done progress named by stage; the push reports its bytes as a percentage."""

    def __init__(self, ls: AmlDeployServer, token: str | None, title: str) -> None:
        self.ls, self.token = ls, token
        if token:
            ls.work_done_progress.begin(
                token, lsp.WorkDoneProgressBegin(title=title, message="build: starting", cancellable=False, percentage=0)
            )

    def __call__(self, stage: StageProgress) -> None:
        if not self.token:
            return
        percentage = None
        if stage.stage == PUSH and stage.sent is not None and stage.total:
            percentage = min(100, int(100 * stage.sent / stage.total))
        self.ls.work_done_progress.report(self.token, lsp.WorkDoneProgressReport(message=stage.text()[:160], percentage=percentage))

    def end(self) -> None:
        if self.token:
            self.ls.work_done_progress.end(self.token, lsp.WorkDoneProgressEnd())


def _target(ls: AmlDeployServer, args: PublishArgs | None = None, report=None) -> AciServices:
    if args is None:
        return AciServices(registry=ls.model_registry(), report=report)
    registry = None
    if args.registryServer:
        registry = RegistrySettings(
            args.registryServer,
            username=args.registryUsername,
            password=args.registryPassword,
            acr_name=args.acrName,
            acr_resource_group=args.acrResourceGroup,
        )
    options = AciOptions(
        subscription=args.subscription,
        resource_group=args.resourceGroup,
        location=args.location,
        registry=registry,
        cpu=args.cpu,
        memory_gb=args.memoryGb,
        auth_enabled=args.authEnabled,
        dns_name_label=args.dnsNameLabel,
    )
    deployment_config = path_argument(args.deploymentConfig) if args.deploymentConfig else None
    return AciServices(
        registry=ls.model_registry(),
        report=report,
        options=options,
        check=not args.skipLocalCheck,
        request_file=path_argument(args.requestFile) if args.requestFile else None,
        deployment_config=deployment_config,
        workspace=ls.workspace_root(path_argument(args.config)),
    )


def _published_target(ls: AmlDeployServer, name: str, report=None):
    """The target a published service lives on: Kubernetes, else ACI."""
    from ..deploy.published import PublishedServices

    record = PublishedServices().get(name)
    if record is not None and record.target == "kubernetes":
        from ..deploy.targets import kubernetes_endpoints

        return kubernetes_endpoints()(
            registry=ls.model_registry(), progress=(lambda message: report(StageProgress(PROVISION, message))) if report else None
        )
    return _target(ls, report=report)


def list_published(ls: AmlDeployServer) -> dict:
    """The services as last seen (no Azure call: the view opens at once; showPublished reads the live state)."""
    services = _target(ls).services.list()
    return {
        "services": [
            {
                "name": s.name,
                "target": s.target,
                "state": s.state,
                "scoringUri": s.scoring_uri,
                "image": s.image,
                "resourceGroup": s.settings.get("resource_group"),
                "location": s.settings.get("location"),
                "authMode": s.auth_mode,
                "updated": s.updated,
                "problem": s.problem,
                "config": s.source.get("config"),
                **_on_kubernetes(s),
            }
            for s in services
        ]
    }


def _on_kubernetes(service) -> dict:
    """A Kubernetes endpoint's cluster, namespace and deployments with their traffic, as last published."""
    if service.target != "kubernetes":
        return {}
    described = {d["name"]: d for d in (service.settings.get("front") or {}).get("deployments") or []}
    known = service.settings.get("deployments") or {}
    return {
        "context": service.settings.get("context"),
        "namespace": service.settings.get("namespace"),
        "deployments": [
            {
                "name": name,
                "traffic": (described.get(name) or {}).get("weight", 0),
                "mirror": (described.get(name) or {}).get("mirror", 0),
                "state": (known.get(name) or {}).get("state", "Unknown"),
                "image": (known.get(name) or {}).get("image"),
            }
            for name in sorted(set(described) | set(known))
        ],
    }


def show_published(ls: AmlDeployServer, args: ServiceArgs) -> dict:
    return _published_target(ls, args.name).show_endpoint(args.name)


def publish(ls: AmlDeployServer, args: PublishArgs) -> dict:
    config = path_argument(args.config)
    if args.deploymentConfig:
        workspace = ls.workspace_root(config)
        deployment_config = path_argument(args.deploymentConfig)
        settings = read_deployment_config(deployment_config, workspace)
        if str(settings.get("computeType", "")).lower() == "aks":
            return _publish_to_kubernetes(ls, args, config, deployment_config, workspace)
    progress = _Progress(ls, args.progressToken, f"Publishing {args.name} to ACI")
    try:
        target = _target(ls, args, progress)
        spec = from_config(
            config,
            endpoint=args.name,
            deployment="default" if config.suffix == ".json" else None,
            deployment_config=target.deployment_config,
            models=[_model(m) for m in args.models],
            workspace=target.workspace,
            registry=ls.model_registry(),
        )
        spec.endpoint = args.name
        if not target.deployment_config:
            spec.target_settings = {"computeType": "aci"}
        if args.dryRun:
            return target.plan(spec)
        state = target.deploy(spec)
    finally:
        progress.end()
    _show_failure(ls, spec.script_path, state)
    return {**state.to_dict(), "publish": target.last_run.to_dict()}


def _publish_to_kubernetes(ls: AmlDeployServer, args: PublishArgs, config, deployment_config, workspace) -> dict:
    """A v1 AKS configuration to the cluster of its kubeconfig context, as `model deploy --dc` does it."""
    from ..deploy.targets import kubernetes_endpoints

    progress = _Progress(ls, args.progressToken, f"Publishing {args.name} to Kubernetes")
    settings = {
        "kube_context": args.kubeContext,
        "registry": args.registryServer,
        "registry_username": args.registryUsername,
        "registry_password": args.registryPassword,
        "local_check": False if args.skipLocalCheck else None,
    }
    try:
        target = kubernetes_endpoints()(
            registry=ls.model_registry(),
            progress=lambda message: progress(StageProgress(PROVISION, message)),
            settings=settings,
            deployment_config=deployment_config,
            workspace=workspace,
        )
        spec = from_config(
            config,
            endpoint=args.name,
            deployment="default",
            deployment_config=deployment_config,
            models=[_model(m) for m in args.models],
            workspace=workspace,
            registry=ls.model_registry(),
        )
        spec.endpoint = args.name
        if args.dryRun:
            return {"manifests": target.deployment_manifests(spec)}
        state = target.deploy(spec)
    finally:
        progress.end()
    _show_failure(ls, spec.script_path, state)
    return state.to_dict()


def update_published(ls: AmlDeployServer, args: ServiceArgs) -> dict:
    progress = _Progress(ls, args.progressToken, f"Updating {args.name} on ACI")
    try:
        target = _published_target(ls, args.name, progress)
        state = target.update(args.name, models=[_model(m) for m in args.models])
    finally:
        progress.end()
    if state.failure is not None and state.failure.path is not None:
        _show_failure(ls, state.failure.path, state)
    return {**state.to_dict(), **({"publish": target.last_run.to_dict()} if hasattr(target, "last_run") else {})}


def published_keys(ls: AmlDeployServer, args: ServiceArgs) -> dict:
    return _published_target(ls, args.name).get_credentials(args.name)


def regenerate_key(ls: AmlDeployServer, args: ServiceArgs) -> dict:
    return _published_target(ls, args.name).regenerate_keys(args.name, args.keyType)


def published_logs(ls: AmlDeployServer, args: ServiceArgs) -> dict:
    return {"text": "\n".join(_published_target(ls, args.name).logs(args.name, lines=args.lines, init=args.init))}


def invoke_published(ls: AmlDeployServer, args: ServiceArgs) -> dict:
    answer = _published_target(ls, args.name).invoke(args.name, None, args.body.encode() if args.body else None)
    return {"deployment": answer.deployment, "status": answer.status, "body": answer.body}


def delete_published(ls: AmlDeployServer, args: ServiceArgs) -> dict:
    return _published_target(ls, args.name).delete_endpoint(args.name, delete_image=args.deleteImage)


def _model(value: str) -> str:
    return value if value.startswith("azureml:") or "/" in value else f"azureml:{value}"


def _show_failure(ls: AmlDeployServer, script, state: DeploymentState) -> None:
    """A publish that failed in the user's code puts AMLD401 on that line; a success clears it."""
    failure = state.failure
    if failure is not None and failure.path is not None:
        kind = {"local-check": "local check", "kubernetes": "Kubernetes deployment"}.get(state.target, "ACI service")
        where = f"{kind} {state.endpoint}" + (f"/{state.deployment}" if state.target == "kubernetes" else "")
        finding = failure_finding(failure, where, ls.session.files.read_text(failure.path) or "")
        if finding is not None:
            path = failure.path
            ls.checks.submit(f"runtime:{path}", lambda: ls.session.set_runtime_findings(path, [finding]))
            return
    ls.checks.submit(f"runtime:{script}", lambda: ls.session.set_runtime_findings(script, []))
