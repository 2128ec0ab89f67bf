"""`aml-deploy service ...`: the published services, with `az ml service`'s verbs and option names:
list, show, get-logs, get-keys, regen-key, update, run, delete."""

from __future__ import annotations

import json
from pathlib import Path

from ..deploy.errors import DeployError
from .model_deploy import _model_reference, aci_target, add_publish_options, kubernetes_target, service_text
from .output import add_format, confirm, print_result


def add_parser(commands) -> None:
    service = commands.add_parser(
        "service",
        help="services published to Azure Container Instances or Kubernetes",
        description="Services published with aml-deploy model deploy (az ml service's verbs).",
    )
    verbs = service.add_subparsers(title="commands", metavar="COMMAND")
    command = _verb(verbs, "list", "list the published services", _list)
    command.add_argument("--compute-type", choices=("aci", "aks"), help="only these")
    command.add_argument("--model-name", help="only services that use this model")
    command = _verb(verbs, "show", "show a service: state, scoring URI, image, where it runs", _show)
    _name(command)
    command = _verb(verbs, "get-logs", "print the scoring container's log", _logs)
    _name(command)
    command.add_argument("-l", "--num_lines", "--num-lines", dest="lines", type=int, help="only the last N lines")
    command.add_argument("-i", "--init", action="store_true", help="only what init() wrote, until the server was ready")
    command.add_argument("--container", choices=("scoring", "front"), default="scoring")
    command = _verb(verbs, "get-keys", "print the service's keys", _keys)
    _name(command)
    command = _verb(verbs, "regen-key", "regenerate the primary or secondary key (the other keeps working)", _regenerate)
    _name(command)
    command.add_argument("-k", "--key", required=True, type=str.lower, choices=("primary", "secondary"))
    command = _verb(verbs, "update", "publish the service again: new code as it is on disk, or another model version", _update)
    _name(command)
    command.add_argument(
        "-m",
        "--model",
        "--add-model",
        dest="model",
        action="append",
        default=[],
        help="NAME:VERSION replacing the service's model of that name; repeatable",
    )
    command.add_argument("--ic", "--inference-config-file", dest="inference_config", type=Path)
    command.add_argument("--dc", "--deploy-config-file", dest="deploy_config", type=Path)
    command.add_argument("--timeout", type=float, default=600.0)
    command.add_argument("--skip-local-check", action="store_true")
    command.add_argument("--request-file", type=Path)
    add_publish_options(command)
    command = _verb(verbs, "run", "send a request to the service (with its key)", _run)
    _name(command)
    command.add_argument("-d", "--input-data", required=True, help="the request: JSON text, or @file")
    command = _verb(verbs, "delete", "delete the service's container group (the images stay in the registry)", _delete)
    _name(command)
    command.add_argument("--delete-image", action="store_true", help="also delete the service's image from the registry")
    command.add_argument("-y", "--yes", action="store_true")


def _verb(verbs, name: str, help_text: str, handler):
    parser = verbs.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    add_format(parser)
    parser.set_defaults(handler=handler, command_name=name, group_name="service")
    return parser


def _name(parser) -> None:
    parser.add_argument("-n", "--name", required=True)


def _target(args):
    for option in ("registry_server", "subscription", "resource_group", "location", "front_image"):
        if not hasattr(args, option):
            setattr(args, option, None)
    from ..deploy.published import PublishedServices

    record = PublishedServices().get(args.name) if getattr(args, "name", None) else None
    if record is not None and record.target == "kubernetes":
        return kubernetes_target(args)
    return aci_target(args, progress=True)


def _list(args) -> int:
    target = _target(args)
    services = target.services.list({"aci": "aci", "aks": "kubernetes"}.get(args.compute_type))
    if args.model_name:
        services = [s for s in services if any(_model_name(m) == args.model_name for m in s.source.get("models") or [])]
    rows = [
        {
            "name": s.name,
            "target": s.target,
            "state": s.state,
            "scoring_uri": s.scoring_uri,
            "image": s.image,
            "resource_group": s.settings.get("resource_group"),
            "location": s.settings.get("location"),
            **({"context": s.settings.get("context"), "namespace": s.settings.get("namespace")} if s.target == "kubernetes" else {}),
            "updated": s.updated,
            **({"problem": s.problem} if s.problem else {}),
        }
        for s in services
    ]
    print_result(
        args,
        rows,
        lambda items: (
            "\n".join(f"{r['name']}  {r['target']}  {r['state']}  {r['scoring_uri'] or ''}".rstrip() for r in items)
            or "No published services."
        ),
    )
    return 0


def _model_name(value: str) -> str:
    parts = value.removeprefix("azureml:").split(":")
    return parts[0] if len(parts) >= 2 else Path(value).stem


def _show(args) -> int:
    data = _target(args).show_endpoint(args.name)
    print_result(args, data, _show_text)
    return 0


def _show_text(data: dict) -> str:
    where = (
        f"Kubernetes ({data.get('context')}, namespace {data.get('namespace')})"
        if data.get("target") == "kubernetes"
        else f"ACI ({data.get('resource_group')}, {data.get('location')})"
    )
    lines = [f"{data['name']}: {data['provisioning_state']} on {where}"]
    for label, key in (
        ("scoring URI", "scoring_uri"),
        ("swagger", "swagger_uri"),
        ("image", "image"),
        ("auth", "auth_mode"),
        ("problem", "problem"),
    ):
        if data.get(key):
            lines.append(f"  {label}: {data[key]}")
    return "\n".join(lines)


def _logs(args) -> int:
    lines = list(_target(args).logs(args.name, lines=args.lines, container=args.container, init=args.init))
    if args.format == "json":
        print(json.dumps({"name": args.name, "container": args.container, "lines": lines}, indent=2))
    else:
        print("\n".join(lines))
    return 0


def _keys(args) -> int:
    print_result(
        args,
        _target(args).get_credentials(args.name),
        lambda keys: (
            f"accessToken: {keys['accessToken']}"
            if "accessToken" in keys
            else f"primaryKey: {keys['primaryKey']}\nsecondaryKey: {keys['secondaryKey']}"
        ),
    )
    return 0


def _regenerate(args) -> int:
    keys = _target(args).regenerate_keys(args.name, args.key)
    print_result(
        args,
        keys,
        lambda k: (
            f"Regenerated the {args.key} key of {args.name}; the other key kept working.\n"
            f"primaryKey: {k['primaryKey']}\nsecondaryKey: {k['secondaryKey']}"
        ),
    )
    return 0


def _update(args) -> int:
    target = _target(args)
    state = target.update(
        args.name,
        models=[_model_reference(m) for m in args.model],
        config=args.inference_config,
        deployment_config=args.deploy_config,
        timeout=args.timeout,
    )
    data = state.to_dict()
    if hasattr(target, "last_run"):  # ACI says what its publish did there; Kubernetes in the state itself
        data["publish"] = target.last_run.to_dict()
    print_result(args, data, service_text)
    return 1 if state.state == "Failed" else 0


def _run(args) -> int:
    body = _input(args.input_data)
    answer = _target(args).invoke(args.name, None, body)
    if args.format == "json":
        print(json.dumps(answer.to_dict(), indent=2))
    else:
        print(answer.body)
    return 0 if answer.status < 400 else 1


def _input(value: str) -> bytes:
    if value.startswith("@"):
        from ..deploy.requests import read_request

        value = read_request(Path(value[1:])).decode("utf-8", errors="replace")
    try:
        json.loads(value)
    except ValueError as err:
        raise DeployError(f"--input-data is not valid JSON: {err}. Nothing was sent.") from None
    return value.encode()


def _delete(args) -> int:
    what = "and its image" if args.delete_image else "(its container group; the image stays in the registry)"
    confirm(args, f"Delete the service {args.name} {what}?")
    result = _target(args).delete_endpoint(args.name, delete_image=args.delete_image)
    print_result(args, result, _deleted_text)
    return 0


def _deleted_text(r: dict) -> str:
    if "group_deleted" not in r:  # Kubernetes
        images = r.get("images_deleted") or []
        return (
            f"Deleted {r['name']} ({len(r['deleted_deployments'])} deployment(s), {len(r['deleted_objects'])} "
            f"object(s))"
            + (f"; deleted its images {', '.join(images)}" if images else "")
            + (f"; {r['kept_namespace']}" if r.get("kept_namespace") else "")
        )
    return (
        f"Deleted {r['name']}"
        + ("" if r["group_deleted"] else " (its group was already gone)")
        + (f"; deleted its image {r['image']}" if r["image_deleted"] else f"; its image stays in the registry: {r['image']}")
    )
    return 0
