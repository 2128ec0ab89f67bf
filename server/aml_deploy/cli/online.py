"""`aml-deploy online-endpoint ...` and `aml-deploy online-deployment ...`: the `az ml` commands and
option names, so that `az ml online-deployment create --local -f blue.yml` works with `aml-deploy`
in place of `az ml`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .output import add_format, confirm, print_result

AZURE_ONLY = ("-g", "--resource-group", "-w", "--workspace-name", "--subscription")


def add_parsers(commands) -> None:
    _endpoint_parsers(commands)
    _deployment_parsers(commands)


def _endpoint_parsers(commands) -> None:
    endpoint = commands.add_parser("online-endpoint", help="online endpoints: a stable, authenticated URL for deployments")
    verbs = endpoint.add_subparsers(title="commands", metavar="COMMAND")
    command = _verb(verbs, "online-endpoint", "create", "create an endpoint", _endpoint_create)
    command.add_argument("-f", "--file", type=Path)
    command.add_argument("-n", "--name")
    _publish_options(command)
    command = _verb(verbs, "online-endpoint", "update", "update an endpoint: its file, traffic or mirror traffic", _endpoint_update)
    command.add_argument("-f", "--file", type=Path)
    command.add_argument("-n", "--name")
    command.add_argument("--traffic", type=_shares, help='traffic shares in percent, e.g. "blue=90 green=10"')
    command.add_argument("--mirror-traffic", type=_shares, help='mirrored share in percent, e.g. "green=10" (or "" for none)')
    _publish_options(command)
    command = _verb(verbs, "online-endpoint", "show", "show an endpoint and its deployments", _endpoint_show)
    command.add_argument("-n", "--name", required=True)
    _verb(verbs, "online-endpoint", "list", "list endpoints", _endpoint_list)
    command = _verb(verbs, "online-endpoint", "delete", "delete an endpoint and all its deployments", _endpoint_delete)
    command.add_argument("-n", "--name", required=True)
    command.add_argument("-y", "--yes", action="store_true")
    command = _verb(verbs, "online-endpoint", "invoke", "send a request through the endpoint (with its key)", _invoke)
    command.add_argument("-n", "--name", dest="endpoint_name", required=True)
    command.add_argument("-d", "--deployment-name", dest="name")
    command.add_argument("-r", "--request-file", type=Path)
    command = _verb(verbs, "online-endpoint", "get-logs", "print the container log of the endpoint's deployment", _logs)
    command.add_argument("-n", "--name", dest="endpoint_name", required=True)
    command.add_argument("-d", "--deployment-name", dest="name")
    _log_options(command)
    command = _verb(verbs, "online-endpoint", "get-credentials", "print the endpoint's keys (or a token)", _credentials)
    command.add_argument("-n", "--name", required=True)
    command = _verb(verbs, "online-endpoint", "regenerate-keys", "replace the primary or the secondary key", _regenerate)
    command.add_argument("-n", "--name", required=True)
    command.add_argument("--key-type", choices=("primary", "secondary"), required=True)


def _deployment_parsers(commands) -> None:
    deployment = commands.add_parser("online-deployment", help="deployments: build, run, debug, score")
    verbs = deployment.add_subparsers(title="commands", metavar="COMMAND")
    for verb in ("create", "update"):
        command = _verb(verbs, "online-deployment", verb, f"{verb} a deployment", _deployment_create)
        command.add_argument("-f", "--file", type=Path, required=True, help="an online deployment YAML, or a v1 inferenceconfig.json")
        command.add_argument("-n", "--name", help="the deployment's name (v1: the service's name)")
        command.add_argument("-e", "--endpoint-name")
        command.add_argument("--all-traffic", action="store_true", help="send all of the endpoint's traffic to it")
        command.add_argument("--debug", action="store_true", help="start with debugpy listening, and wait for a debugger before init()")
        command.add_argument("--deployment-config", "--dc", type=Path, help="v1 deploymentconfig.json")
        command.add_argument(
            "-m",
            "--model",
            action="append",
            default=[],
            help="azureml:<name>:<version> from the local registry, or a path (v1; repeatable)",
        )
        command.add_argument("--port", type=_port, help="host port of the scoring URI, 1024-65535 (default: kept, or a free one)")
        command.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for init() (default 600)")
        command.add_argument(
            "--workspace-folder", type=Path, help="refuse files outside it (default: the current folder, if it holds the file)"
        )
        command.add_argument("--ca-bundle", type=Path, help="extra CA bundle for package downloads during the build")
        _publish_options(command)
        command.add_argument(
            "--skip-local-check",
            action="store_true",
            help="Kubernetes: push without first running the image behind a front on this machine",
        )
    command = _verb(verbs, "online-deployment", "rollback", "return a published deployment to its previous revision", _deployment_rollback)
    _names(command)
    command.add_argument("--revision", type=int, help="the revision to return to (default: the one before the current)")
    command = _verb(verbs, "online-deployment", "show", "show a deployment", _deployment_show)
    _names(command)
    command = _verb(verbs, "online-deployment", "list", "list the deployments of an endpoint", _deployment_list)
    command.add_argument("-e", "--endpoint-name")
    command = _verb(verbs, "online-deployment", "delete", "delete a deployment", _deployment_delete)
    _names(command)
    command.add_argument("-y", "--yes", action="store_true")
    command = _verb(verbs, "online-deployment", "get-logs", "print the deployment's container log", _logs)
    _names(command)
    _log_options(command)
    command = _verb(verbs, "online-deployment", "invoke", "send a request to the deployment", _invoke)
    _names(command)
    command.add_argument("-r", "--request-file", type=Path)
    from .profile import add_deployment_parser  # issue 15: profiling

    add_deployment_parser(verbs)


def _shares(text: str) -> dict[str, int]:
    """'blue=90 green=10' (or commas) -> {"blue": 90, "green": 10}."""
    shares: dict[str, int] = {}
    for item in text.replace(",", " ").split():
        name, sep, value = item.partition("=")
        if not sep or not name or not value.isdigit():
            raise argparse.ArgumentTypeError(f'{item!r} is not NAME=PERCENT (e.g. "blue=90 green=10")')
        shares[name] = int(value)
    return shares


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1024 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port AML Deploy can publish: choose one from 1024 to 65535")
    return port


def _verb(verbs, group: str, name: str, help_text: str, handler):
    parser = verbs.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    parser.add_argument("--local", action="store_true", help="on this machine's Docker engine")
    parser.add_argument("--kube-context", help="Kubernetes: the kubeconfig context of the cluster (default: the current one)")
    parser.add_argument("--namespace", help="Kubernetes: the namespace (default: the endpoint's name)")
    add_format(parser)
    for option in AZURE_ONLY:  # accepted for compatibility with scripts written for az; not needed locally
        parser.add_argument(option, dest=f"ignored_{option.strip('-').replace('-', '_')}", help=argparse.SUPPRESS)
    parser.set_defaults(handler=_with_target(handler), command_name=name, group_name=group)
    return parser


def _publish_options(parser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="Kubernetes: print the manifests (multi-document YAML, secrets as placeholders); send nothing",
    )
    parser.add_argument("--registry", help="Kubernetes: the registry the cluster pulls from (default: $AML_DEPLOY_IMAGE_REGISTRY)")
    parser.add_argument(
        "--registry-username", help="with the password in $AML_DEPLOY_REGISTRY_PASSWORD (default: what docker login stored)"
    )


def _names(parser) -> None:
    parser.add_argument("-n", "--name", required=True)
    parser.add_argument("-e", "--endpoint-name", required=True)


def _log_options(parser) -> None:
    parser.add_argument("-l", "--lines", type=int, help="only the last N lines")
    parser.add_argument("--follow", action="store_true", help="keep printing new lines")


def _with_target(handler):
    """The handler with its target: the local Docker engine with --local, else the one the files or
    the endpoint's record name (a Kubernetes cluster)."""

    def run(args: argparse.Namespace) -> int:
        from ..deploy.targets import get_target, remote_target_name

        progress = (lambda message: print(f"  {message}", file=sys.stderr)) if args.format == "text" else None
        settings = {
            "kube_context": args.kube_context,
            "namespace": args.namespace,
            "registry": getattr(args, "registry", None),
            "registry_username": getattr(args, "registry_username", None),
            "local_check": False if getattr(args, "skip_local_check", False) else None,
        }
        name = "local" if args.local else remote_target_name(getattr(args, "file", None), _endpoint_of(args))
        return handler(args, get_target(name, progress=progress, settings=settings))

    return run


def _endpoint_of(args) -> str | None:
    return getattr(args, "endpoint_name", None) or (getattr(args, "name", None) if args.group_name == "online-endpoint" else None)


# -- endpoints ------------------------------------------------------------------------------------


def _dry_run(target, method: str):
    """The target's manifests function for --dry-run (Kubernetes only)."""
    from ..deploy.errors import DeployError

    if not hasattr(target, method):
        raise DeployError("--dry-run prints Kubernetes manifests: leave out --local and give a Kubernetes endpoint.")
    return getattr(target, method)


def _endpoint_create(args, target) -> int:
    if args.dry_run:
        sys.stdout.write(_dry_run(target, "endpoint_manifests")(args.file, args.name))
        return 0
    endpoint = target.create_endpoint(args.file, args.name)
    print_result(
        args,
        endpoint,
        lambda e: f"Endpoint {e['name']} is ready for deployments" + (f" at {e['scoring_uri']}" if e.get("scoring_uri") else "") + ".",
    )
    return 0


def _endpoint_update(args, target) -> int:
    from ..deploy.errors import DeployError

    if args.file is None and args.traffic is None and args.mirror_traffic is None:
        raise DeployError("Nothing to update: give --file, --traffic or --mirror-traffic.")
    if args.dry_run:
        return _endpoint_create(args, target)
    if args.file is not None:
        endpoint = target.create_endpoint(args.file, args.name)
        args.name = endpoint["name"]
    if not args.name:
        raise DeployError("Give the endpoint's name with --name.")
    if args.traffic is not None or args.mirror_traffic is not None:
        endpoint = target.set_traffic(args.name, args.traffic, args.mirror_traffic)
    else:
        endpoint = target.show_endpoint(args.name)
    print_result(args, endpoint, _endpoint_text)
    return 0


def _credentials(args, target) -> int:
    credentials = target.get_credentials(args.name)
    print_result(args, credentials, lambda c: json.dumps(c, indent=2))
    return 0


def _regenerate(args, target) -> int:
    target.regenerate_keys(args.name, args.key_type)
    print_result(
        args,
        {"name": args.name, "regenerated": args.key_type},
        lambda _: (
            f"Regenerated the {args.key_type} key of {args.name}; the other key still works. "
            f"See it with: aml-deploy online-endpoint get-credentials -n {args.name}" + (" --local" if args.local else "")
        ),
    )
    return 0


def _endpoint_show(args, target) -> int:
    print_result(args, target.show_endpoint(args.name), _endpoint_text)
    return 0


def _endpoint_list(args, target) -> int:
    endpoints = target.list_endpoints()
    print_result(args, endpoints, lambda items: "\n\n".join(map(_endpoint_text, items)) or "No local endpoints.")
    return 0


def _endpoint_delete(args, target) -> int:
    confirm(args, f"Delete the {'local ' if args.local else ''}endpoint {args.name} and all its deployments?")
    result = target.delete_endpoint(args.name)
    print_result(args, result, lambda r: f"Deleted {r['name']} ({len(r['deleted_deployments'])} deployment(s)).")
    return 0


def _endpoint_text(endpoint: dict) -> str:
    auth = f"  auth: {endpoint['auth_mode']}" if endpoint.get("auth_mode") else ""
    lines = [f"{endpoint['name']}  {endpoint['provisioning_state']}  {endpoint.get('scoring_uri') or ''}{auth}".rstrip()]
    traffic, mirror = endpoint.get("traffic") or {}, endpoint.get("mirror_traffic") or {}
    for d in endpoint.get("deployments", []):
        share = f"  traffic {traffic.get(d['name'], 0)}%" + (f", mirror {mirror[d['name']]}%" if mirror.get(d["name"]) else "")
        lines.append(f"  {d['name']}  {d['provisioning_state']}{share}  {d.get('scoring_uri') or ''}".rstrip())
        if d.get("problem"):
            lines.append(f"    {d['problem']}")
    lines += [f"  note: {note}" for note in endpoint.get("notes") or []]
    return "\n".join(lines)


# -- deployments ---------------------------------------------------------------------------------


def _deployment_create(args, target) -> int:
    from ..deploy.local.images import ca_bundle
    from ..deploy.spec import from_config

    file = args.file.resolve()
    workspace = args.workspace_folder.resolve() if args.workspace_folder else _default_workspace(file)
    spec = from_config(
        file,
        endpoint=args.endpoint_name,
        deployment=args.name,
        deployment_config=args.deployment_config,
        models=args.model,
        port=args.port,
        workspace=workspace,
        registry=target.registry,
    )
    if args.ca_bundle:
        target.ca = ca_bundle(str(args.ca_bundle))
    if args.dry_run:
        sys.stdout.write(_dry_run(target, "deployment_manifests")(spec, all_traffic=args.all_traffic))
        return 0
    state = target.deploy(spec, debug=args.debug, timeout=args.timeout, must_exist=args.command_name == "update")
    if args.all_traffic and state.state != "Failed":
        target.set_traffic(state.endpoint, {state.deployment: 100})
    print_result(args, state.to_dict(), _deployment_text)
    return 1 if state.state == "Failed" else 0


def _default_workspace(file: Path) -> Path:
    """The current folder when it holds the file, else the file's folder; never / or the home folder."""
    from ..deploy.errors import DeployError
    from ..deploy.spec import too_wide

    here = Path.cwd().resolve()
    for candidate in (here, file.parent) if here in file.parents else (file.parent,):
        if candidate not in too_wide():
            return candidate
    raise DeployError(
        f"{file.parent} is not a workspace AML Deploy will use (it is the root or your home folder): "
        "give --workspace-folder, the folder that holds your project."
    )


def _deployment_rollback(args, target) -> int:
    rollback = getattr(target, "rollback", None)
    if rollback is None:
        from ..deploy.errors import DeployError

        raise DeployError("Only published (Kubernetes) deployments have revisions to return to.")
    state = rollback(args.endpoint_name, args.name, args.revision)
    print_result(args, state.to_dict(), _deployment_text)
    return 1 if state.state == "Failed" else 0


def _deployment_show(args, target) -> int:
    state = target.show_deployment(args.endpoint_name, args.name)
    data = state.to_dict()
    if state.state == "Succeeded":
        data["swagger"] = target.swagger(state)
    print_result(args, data, _deployment_text)
    return 0


def _deployment_list(args, target) -> int:
    states = target.list_deployments(args.endpoint_name)
    print_result(args, [s.to_dict() for s in states], lambda items: "\n".join(map(_deployment_text, items)) or "No local deployments.")
    return 0


def _deployment_delete(args, target) -> int:
    confirm(args, f"Delete the {'local ' if args.local else ''}deployment {args.endpoint_name}/{args.name}?")
    print_result(args, target.delete_deployment(args.endpoint_name, args.name), lambda r: f"Deleted {r['endpoint']}/{r['name']}.")
    return 0


def _deployment_text(d: dict) -> str:
    lines = [f"{d['endpoint']}/{d['name']}: {d['provisioning_state']}" + (f" in {d['seconds']:.1f} s" if d.get("seconds") else "")]
    if d.get("problem"):
        lines.append(f"  {d['problem']}")
    if d.get("scoring_uri"):
        lines.append(f"  scoring URI: {d['scoring_uri']}")
    if d.get("restarted_in_place"):
        lines.append("  restarted the server inside the running container (no rebuild)")
    elif d.get("rebuilt"):
        lines.append(f"  built the environment image {d['image']}")
    lines += [f"  warning: {w}" for w in d.get("warnings", [])]
    failure = d.get("failure")
    if failure:
        where = f" at {failure['path']}:{failure['line']} ({failure['function']})" if failure.get("path") else ""
        lines += [f"  {failure['message']}{where}"]
        if failure.get("log"):
            lines += ["  log:", *("    " + line for line in failure["log"].splitlines()[-25:])]
    if d.get("debug_configuration"):
        lines += [f"  waiting for a debugger on 127.0.0.1:{d['debug_port']}; attach with:", json.dumps(d["debug_configuration"], indent=2)]
    return "\n".join(lines)


# -- both ------------------------------------------------------------------------------------------


def _invoke(args, target) -> int:
    body = _request_file(args.request_file) if args.request_file else None
    answer = target.invoke(args.endpoint_name, args.name, body)
    if args.format == "json":
        print(json.dumps(answer.to_dict(), indent=2))
    else:
        print(answer.body)
        if answer.explanation:
            print(f"aml-deploy: {answer.explanation}", file=sys.stderr)
    return 0 if answer.status < 400 else 1


def _request_file(path: Path) -> bytes:
    from ..deploy.errors import DeployError
    from ..deploy.requests import read_request

    body = read_request(path)
    try:
        json.loads(body)
    except ValueError as err:
        raise DeployError(f"The request file {path} is not valid JSON: {err}. Nothing was sent.") from None
    return body


def _logs(args, target) -> int:
    for line in target.logs(args.endpoint_name, args.name, args.lines, args.follow):
        print(line, flush=args.follow)
    return 0


def add_environment_parsers(commands) -> None:
    environment = commands.add_parser("environment", help="the environment images local deployments are built into")
    verbs = environment.add_subparsers(title="commands", metavar="COMMAND")
    command = _verb(verbs, "environment", "prune", "remove the environment images no local deployment uses", _prune)
    command.add_argument("--dry-run", action="store_true", help="only list them, with their sizes")
    command.add_argument("-y", "--yes", action="store_true")


def _prune(args, target) -> int:
    from ..deploy.local.prune import remove_images, unused_environment_images
    from ..registry.store import human_size

    unused = unused_environment_images(target.client)
    listing = [f"  {i.tag}  {human_size(i.size)}  built {i.created.replace('T', ' ')}" for i in unused]
    if args.dry_run or not unused:
        data = {"images": [i.to_dict() for i in unused], "removed": False}
        print_result(
            args,
            data,
            lambda _: "\n".join(["Environment images no deployment uses:", *listing]) if unused else "No unused environment images.",
        )
        return 0
    if args.format == "text":
        print("\n".join(["Removing environment images no deployment uses:", *listing]))
    confirm(args, f"Remove {len(unused)} image(s)?")
    removal = remove_images(target.client, unused)
    data = {
        "images": [i.to_dict() for i in removal.removed],
        "removed": True,
        "freed": removal.freed,
        "kept": [{"tag": k.tag, "id": k.id, "reason": k.reason} for k in removal.kept],
    }
    print_result(
        args,
        data,
        lambda _: "\n".join(
            [
                f"Removed {len(removal.removed)} image(s), freed {human_size(removal.freed)}.",
                *(f"  kept {k.tag}: {k.reason}" for k in removal.kept),
            ]
        ),
    )
    return 1 if removal.kept else 0
