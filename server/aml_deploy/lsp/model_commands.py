"""Server commands behind the Models view: thin wrappers around the registry.

Command names carry the `amlDeploy.server.` prefix so that they never collide with the
extension's own commands (vscode-languageclient registers every server command)."""

from __future__ import annotations

from pathlib import Path

import attrs
from lsprotocol import types as lsp

from ..deploy.local.holds import deployment_is_alive
from ..documents.model_file import model_fields
from ..errors import InvalidConfiguration
from ..registry.names import NAME
from ..registry.store import group_by_name, human_size
from .commands import command
from .server import AmlDeployServer
from .uris import path_argument


@attrs.define
class RegisterArgs:
    path: str
    name: str
    version: str | None = None
    description: str = ""
    tags: dict = attrs.field(factory=dict)
    type: str = "custom_model"
    properties: dict = attrs.field(factory=dict)
    progressToken: str | None = None


@attrs.define
class RegisterFileArgs:
    file: str  # path or file URI of a model YAML
    progressToken: str | None = None


@attrs.define
class VersionArgs:
    name: str
    version: str
    force: bool = False


def register(server: AmlDeployServer) -> None:
    command(server, "amlDeploy.server.listModels")(list_models)
    command(server, "amlDeploy.server.registerModel", thread=True)(register_model)
    command(server, "amlDeploy.server.registerModelFile", thread=True)(register_model_file)
    command(server, "amlDeploy.server.deleteModel", thread=True)(delete_model)
    command(server, "amlDeploy.server.modelFiles", thread=True)(model_files)  # may re-hash a changed model


def list_models(ls: AmlDeployServer) -> dict:
    registry = ls.model_registry()
    models = group_by_name(registry.list(include_archived=True))
    return {
        "registry": str(registry.root),
        "namePattern": NAME.pattern,
        "models": [{"name": name, "versions": [v.to_dict() for v in versions]} for name, versions in models.items()],
    }


def register_model(ls: AmlDeployServer, args: RegisterArgs) -> dict:
    token = args.progressToken
    if token:
        ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title=f"Registering {args.name}", percentage=0))
    last = [-1]

    def report(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if token and percent != last[0]:
            last[0] = percent
            message = f"{human_size(done)} of {human_size(total)}"
            ls.work_done_progress.report(token, lsp.WorkDoneProgressReport(message=message, percentage=percent))

    try:
        model = ls.model_registry().register(
            Path(args.path),
            args.name,
            args.version,
            description=args.description,
            tags=args.tags,
            properties=args.properties,
            model_type=args.type,
            progress=report,
        )
    finally:
        if token:
            ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd())
    ls.checks.submit("registry-changed", lambda: _recheck_deployments(ls))
    return model.to_dict()


def register_model_file(ls: AmlDeployServer, args: RegisterFileArgs) -> dict:
    """What a model YAML describes (as `aml-deploy model create --file` registers it)."""
    file = path_argument(args.file)
    fields = model_fields(file)
    missing = [key for key in ("name", "path") if not fields.get(key)]
    if missing:
        raise InvalidConfiguration(f"{file.name} names no {' and no '.join(missing)}: a model YAML to register needs both.")
    return register_model(
        ls,
        RegisterArgs(
            path=str(fields["path"]),
            name=fields["name"],
            version=fields.get("version"),
            description=fields.get("description") or "",
            tags=fields.get("tags") or {},
            type=fields.get("type") or "custom_model",
            properties=fields.get("properties") or {},
            progressToken=args.progressToken,
        ),
    )


def delete_model(ls: AmlDeployServer, args: VersionArgs) -> dict:
    model = ls.model_registry().delete(args.name, args.version, force=args.force, is_alive=deployment_is_alive)
    ls.checks.submit("registry-changed", lambda: _recheck_deployments(ls))
    return model.to_dict()


def model_files(ls: AmlDeployServer, args: VersionArgs) -> dict:
    registry = ls.model_registry()
    model = registry.show(args.name, args.version, with_files=True)
    root = registry.mount_path(args.name, args.version)
    files = [str(root / f["relpath"]) if model.is_folder else str(root) for f in model.files]
    return {"root": str(root), "files": files}


def _recheck_deployments(ls: AmlDeployServer) -> None:
    """Model references in deployments may now resolve (or no longer): check them again."""
    ls.session.recheck_kind(lambda kind: kind.is_deployment)
