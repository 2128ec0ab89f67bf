"""`aml-deploy model ...`: the same commands and option names as `az ml model`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..documents.model_file import model_fields
from ..registry.errors import RegistryError
from ..registry.store import MODEL_TYPES, ModelVersion, Registry, human_size
from . import model_deploy
from .output import add_format, print_result


def add_parser(commands) -> None:
    model = commands.add_parser(
        "model",
        help="register, list and manage models in the local registry",
        description="The local model registry (default ~/.aml-deploy/registry; AML_DEPLOY_REGISTRY or --registry to choose another).",
    )
    model.add_argument("--registry", type=Path, help="registry folder (default: $AML_DEPLOY_REGISTRY or ~/.aml-deploy/registry)")
    verbs = model.add_subparsers(title="commands", metavar="COMMAND")

    create = _verb(verbs, "create", "register a file or folder as a new model version", _create)
    create.add_argument("-f", "--file", type=Path, help="a v2 model YAML (name, version, path, description, tags, type)")
    create.add_argument("-n", "--name")
    create.add_argument("-p", "--path", type=Path, help="the model's file or folder")
    create.add_argument("-v", "--version", help="default: one more than the highest version")
    create.add_argument("-d", "--description")
    create.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="repeatable")
    create.add_argument("--tags", nargs="+", default=[], metavar="KEY=VALUE", help="space-separated, as in az ml")
    create.add_argument("-t", "--type", choices=MODEL_TYPES)

    listing = _verb(verbs, "list", "list model versions", _list)
    listing.add_argument("-n", "--name")
    listing.add_argument("--include-archived", action="store_true")
    listing.add_argument("--archived-only", action="store_true")
    listing.add_argument("-r", "--max-results", type=_positive, metavar="N")

    show = _verb(verbs, "show", "show one model version", _show)
    show.add_argument("-n", "--name", required=True)
    group = show.add_mutually_exclusive_group()
    group.add_argument("-v", "--version")
    group.add_argument("-l", "--label", help="latest")

    download = _verb(verbs, "download", "copy a model version's files into a folder", _download)
    download.add_argument("-n", "--name", required=True)
    download.add_argument("-v", "--version", required=True)
    download.add_argument("-p", "--download-path", type=Path, default=Path("."))

    for verb, help_text in (("archive", "hide a version (or every version) from list and @latest"), ("restore", "undo archive")):
        command = _verb(verbs, verb, help_text, _archive if verb == "archive" else _restore)
        command.add_argument("-n", "--name", required=True)
        command.add_argument("-v", "--version", help="default: every version of the model")

    delete = _verb(verbs, "delete", "delete a version and its files", _delete)
    delete.add_argument("-n", "--name", required=True)
    delete.add_argument("-v", "--version", required=True)
    delete.add_argument("--force", action="store_true", help="even while a local deployment uses it")
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")

    verify = _verb(verbs, "verify", "check every version's files against the registry's records", _verify)
    verify.add_argument(
        "--deep",
        action="store_true",
        help="re-hash every stored file (by default: present, sizes match, and unchanged since last hashed by inode and modification time)",
    )

    from .profile import add_model_parser  # issue 15: profiling

    add_model_parser(verbs)

    model_deploy.add_parser(verbs)


def _verb(verbs, name: str, help_text: str, handler):
    parser = verbs.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    add_format(parser)
    parser.set_defaults(handler=_with_registry(handler), command_name=name, group_name="model")
    return parser


def _with_registry(handler):
    def run(args: argparse.Namespace) -> int:
        return handler(args, Registry(args.registry))

    return run


# -- the verbs --------------------------------------------------------------------------------


def _create(args, registry: Registry) -> int:
    fields = model_fields(args.file) if args.file else {}
    name = args.name or fields.get("name")
    path = args.path or fields.get("path")
    if not name or not path:
        raise RegistryError("Give --name and --path, or --file with a model YAML.")
    tags = {**fields.get("tags", {}), **_pairs(args.tags + args.tag)}
    progress = _progress_printer() if sys.stderr.isatty() else None
    model = registry.register(
        Path(path),
        name,
        args.version or fields.get("version"),
        description=args.description if args.description is not None else fields.get("description", ""),
        tags=tags,
        properties=fields.get("properties", {}),
        model_type=args.type or fields.get("type") or "custom_model",
        progress=progress,
    )
    if progress:
        print(file=sys.stderr)
    print_result(args, model.to_dict(), lambda d: f"Registered {model.reference} ({human_size(model.size)}, {model.file_count} file(s)).")
    return 0


def _list(args, registry: Registry) -> int:
    models = registry.list(args.name, include_archived=args.include_archived, archived_only=args.archived_only)
    if args.max_results:
        models = models[: args.max_results]
    print_result(args, [m.to_dict() for m in models], lambda _: _table(models))
    return 0


def _show(args, registry: Registry) -> int:
    model = registry.show(args.name, args.version, args.label, with_files=True)
    print_result(args, model.to_dict(with_files=True), lambda _: _details(model))
    return 0


def _download(args, registry: Registry) -> int:
    target = registry.download(args.name, args.version, args.download_path)
    print_result(
        args,
        {"name": args.name, "version": args.version, "path": str(target)},
        lambda _: f"Downloaded {args.name}:{args.version} to {target}.",
    )
    return 0


def _archive(args, registry: Registry) -> int:
    return _set_archived(args, registry, True)


def _restore(args, registry: Registry) -> int:
    return _set_archived(args, registry, False)


def _set_archived(args, registry: Registry, archived: bool) -> int:
    models = registry.set_archived(args.name, args.version, archived)
    verb = "Archived" if archived else "Restored"
    print_result(args, [m.to_dict() for m in models], lambda _: f"{verb} {', '.join(m.reference for m in models)}.")
    return 0


def _delete(args, registry: Registry) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise RegistryError("Deleting needs confirmation: pass --yes.")
        answer = input(f"Delete {args.name}:{args.version} and its files? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            return 1
    from ..deploy.local.holds import deployment_is_alive

    model = registry.delete(args.name, args.version, force=args.force, is_alive=deployment_is_alive)
    print_result(args, model.to_dict(), lambda _: f"Deleted {model.reference}.")
    return 0


def _verify(args, registry: Registry) -> int:
    result = registry.verify(deep=args.deep)
    verdict = f"{len(result.problems)} problem(s) found." if result.problems else "The registry is consistent."
    print_result(
        args,
        {"problems": result.problems, "versions": result.versions, "files": result.files, "deep": result.deep},
        lambda _: "\n".join([*result.problems, f"{result.summary()} {verdict}"]),
    )
    return 1 if result.problems else 0


# -- output ---------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, not {text!r}")
    return int(text)


def _shown(text) -> str:
    """Text as one line of a table: control characters (a newline in a tag or a file name) escaped."""
    text = str(text)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _table(models: list[ModelVersion]) -> str:
    if not models:
        return "No models. Register one with: aml-deploy model create --name NAME --path FILE_OR_FOLDER"
    rows = [("NAME", "VERSION", "TYPE", "SIZE", "CREATED", "TAGS")]
    for m in models:
        tags = " ".join(f"{_shown(k)}={_shown(v)}" for k, v in m.tags.items())
        rows.append(
            (
                m.name,
                m.version + (" (archived)" if m.archived else ""),
                m.type,
                human_size(m.size),
                m.created_at[:19].replace("T", " "),
                tags,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def _details(model: ModelVersion) -> str:
    lines = [
        f"{model.reference}  ({model.type}{', archived' if model.archived else ''})",
        f"  {_shown(model.description)}" if model.description else "",
        f"  {human_size(model.size)} in {model.file_count} file(s), registered {model.created_at} from {_shown(model.source)}",
    ]
    if model.tags:
        lines.append("  tags: " + ", ".join(f"{_shown(k)}={_shown(v)}" for k, v in model.tags.items()))
    lines += [f"    {_shown(f['relpath'])}  {human_size(f['size'])}" for f in model.files]
    return "\n".join(line for line in lines if line)


def _pairs(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise RegistryError(f"Tags are KEY=VALUE, not {item!r}.")
        pairs[key] = value
    return pairs


def _progress_printer():
    def show(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        print(f"\r  copying and hashing: {human_size(done)} of {human_size(total)} ({percent}%)", end="", file=sys.stderr)

    return show
