"""`aml-deploy model profile` (the v1 verb) and `aml-deploy online-deployment profile --local`:
how much CPU and memory a deployment needs and the settings to publish it with (issue 15)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from .output import add_format

AZURE_ONLY = ("-g", "--resource-group", "-w", "--workspace-name", "--subscription")


def add_model_parser(verbs) -> None:
    """`model profile -m NAME:VERSION -ic inferenceconfig.json --input-data FILE -n PROFILE`."""
    parser = _parser(verbs, "model", "profile a model locally: CPU, memory, latency under load, and settings to publish with")
    parser.add_argument("-n", "--name", required=True, help="the profile's name (names its result files)")
    parser.add_argument(
        "-m",
        "--model",
        action="append",
        default=[],
        required=True,
        help="NAME:VERSION (or azureml:NAME:VERSION) from the local registry, or a path; repeatable",
    )
    parser.add_argument(
        "-ic", "--ic", "--inference-config-file", dest="inference_config", type=Path, required=True, help="the v1 inferenceconfig.json"
    )
    parser.add_argument(
        "--input-data", "--idi", dest="request_file", type=Path, help="requests: one JSON request, a JSON array of requests, or JSON Lines"
    )
    parser.add_argument(
        "--dc",
        "--deployment-config",
        dest="deployment_config",
        type=Path,
        help="the ACI or AKS deploymentconfig.json that --write puts the recommendation into",
    )
    parser.set_defaults(handler=_model_profile)


def add_deployment_parser(verbs) -> None:
    """`online-deployment profile --local -n DEPLOYMENT -e ENDPOINT [--request-file FILE]`."""
    parser = _parser(verbs, "online-deployment", "profile a local deployment: CPU, memory, latency under load, and settings")
    parser.add_argument("--local", action="store_true", help="required: profile on this machine's Docker engine")
    parser.add_argument("-n", "--name", required=True, help="the deployment")
    parser.add_argument("-e", "--endpoint-name", required=True)
    parser.add_argument("-f", "--file", type=Path, help="its deployment YAML: to start it when it is not running, and for --write")
    parser.add_argument(
        "-r",
        "--request-file",
        type=Path,
        help="requests: one JSON request, a JSON array of requests, or JSON Lines (default: the sample request)",
    )
    parser.add_argument("--profile-name", help="names the result files (default ENDPOINT-DEPLOYMENT)")
    parser.set_defaults(handler=_deployment_profile)


def _parser(verbs, group: str, help_text: str):
    from ..profiling.options import DEFAULT_DURATION, DEFAULT_MAX_CONCURRENCY

    parser = verbs.add_parser("profile", help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
    add_format(parser)
    load = parser.add_argument_group("load")
    load.add_argument(
        "--duration", type=_seconds, default=DEFAULT_DURATION, help=f"seconds at each concurrency level (default {DEFAULT_DURATION:g})"
    )
    load.add_argument(
        "--max-concurrency",
        type=_count,
        default=DEFAULT_MAX_CONCURRENCY,
        help=f"the highest concurrency; levels go 1, 2, 4, ... up to it (default {DEFAULT_MAX_CONCURRENCY})",
    )
    load.add_argument("--target-rps", type=_positive, help="requests per second the service must serve: sizes instance_count")
    load.add_argument("--target-latency-ms", type=_positive, help="the p99 latency it must keep, in milliseconds")
    out = parser.add_argument_group("results")
    out.add_argument(
        "--results-folder",
        type=Path,
        default=Path("."),
        help="where NAME.profile.json and the chart NAME.profile.png go (default: the current folder)",
    )
    out.add_argument(
        "--write", action="store_true", help="put the recommendation into the deployment YAML (or, for model profile, the --dc file)"
    )
    out.add_argument("--workspace-folder", type=Path, help="refuse files outside it (default: the configuration's folder)")
    for option in AZURE_ONLY:
        parser.add_argument(option, dest=f"ignored_{option.strip('-').replace('-', '_')}", help=argparse.SUPPRESS)
    parser.set_defaults(command_name="profile", group_name=group)
    return parser


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} is not a number above 0")
    return value


def _seconds(text: str) -> float:
    from ..profiling.options import MAX_DURATION

    value = _positive(text)
    if value > MAX_DURATION:
        raise argparse.ArgumentTypeError(f"{text} s is more than the {MAX_DURATION:g} s a level may take")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    from ..profiling.options import MAX_CONCURRENCY

    if not 1 <= value <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and {MAX_CONCURRENCY}")
    return value


# -- the two commands -------------------------------------------------------------------------


def _model_profile(args) -> int:
    from ..deploy.spec import from_config, read_deployment_config
    from ..profiling.results import check_name

    name = check_name(args.name)
    config = args.inference_config.resolve()
    workspace = (args.workspace_folder or config.parent).resolve()
    if args.write and args.deployment_config is None:
        from ..profiling.errors import ProfileError

        raise ProfileError("--write needs --dc: the ACI or AKS deploymentconfig.json to put the recommendation into.")
    if args.deployment_config is not None:
        read_deployment_config(args.deployment_config, workspace)  # refuse a broken one before minutes of profiling
    target = _target()
    models = [_model_reference(m) for m in args.model]
    # The v1 profile runs the model as a local service named after the profile; the --dc file is
    # where it will be published, so it is not used to run it here.
    load_spec = lambda: from_config(config, endpoint=name, models=models, workspace=workspace, registry=target.registry)
    return _profile(args, target, name, "default", load_spec, name, args.deployment_config, workspace)


def _deployment_profile(args) -> int:
    if not args.local:
        print("aml-deploy: add --local. Profiling runs the deployment on this machine's Docker engine.", file=sys.stderr)
        return 2
    from ..deploy.spec import from_config
    from ..profiling.results import check_name

    name = check_name(args.profile_name or f"{args.endpoint_name}-{args.name}")
    target = _target()
    file = args.file.resolve() if args.file else None
    workspace = (args.workspace_folder or (file.parent if file else Path.cwd())).resolve()
    load_spec = (
        (lambda: from_config(file, endpoint=args.endpoint_name, deployment=args.name, workspace=workspace, registry=target.registry))
        if file
        else None
    )
    return _profile(args, target, args.endpoint_name, args.name, load_spec, name, file, workspace)


def _model_reference(value: str) -> str:
    """NAME:VERSION as v1 wrote it means azureml:NAME:VERSION from the local registry, unless it is a path."""
    if value.startswith("azureml:") or Path(value).exists() or value.count(":") != 1:
        return value
    return f"azureml:{value}"


def _target():
    from ..deploy.local.operations import LocalEndpoints

    return LocalEndpoints()  # profiling runs on the local Docker engine


def _profile(args, target, endpoint: str, deployment: str, load_spec, name: str, write_to: Path | None, workspace: Path) -> int:
    from ..profiling import ProfileOptions, Targets
    from ..profiling.inputs import read_requests
    from ..profiling.results import save
    from ..profiling.run import profile_deployment

    bodies = read_requests(args.request_file) if args.request_file else None
    options = ProfileOptions(
        duration=args.duration, max_concurrency=args.max_concurrency, targets=Targets(args.target_rps, args.target_latency_ms)
    )
    bar = _ProgressBar() if args.format == "text" else None
    try:
        profile = profile_deployment(
            target, endpoint, deployment, load_spec=load_spec, bodies=bodies, options=options, name=name, on_progress=bar
        )
    finally:
        if bar:
            bar.close()
    results, chart = save(profile, args.results_folder.resolve())
    data = profile.to_dict()
    data["results_file"] = str(results)
    written = None
    if args.write:
        written = _write(profile, write_to, workspace)
        data["written"] = written
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        print(_text(profile, results, chart, written))
    return 0


def _write(profile, path: Path | None, workspace: Path) -> dict:
    from ..profiling.errors import CannotWrite
    from ..profiling.write import write_recommendation

    path = path or (Path(profile.config) if profile.config else None)
    if path is None:
        raise CannotWrite("--write needs the deployment's file: give it with -f.")
    if profile.recommendation is None:
        raise CannotWrite("There is no recommendation to write (see the notes above); nothing was changed.")
    return write_recommendation(path, profile.recommendation, workspace).to_dict()


# -- output ---------------------------------------------------------------------------------------


class _ProgressBar:
    """A one-line bar on stderr when it is a terminal; else a line whenever the phase changes."""

    WIDTH = 30

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = ""

    def __call__(self, progress) -> None:
        if self.tty:
            filled = int(progress.fraction * self.WIDTH)
            print(
                f"\r  [{'#' * filled}{'.' * (self.WIDTH - filled)}] {progress.fraction:4.0%}  {progress.message:<50}",
                end="",
                file=sys.stderr,
                flush=True,
            )
            return
        phase = progress.message.split(":")[0]
        if phase != self.last:
            self.last = phase
            print(f"  {phase}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def _text(profile, results: Path, chart: Path | None, written: dict | None) -> str:
    from ..profiling.chart import INSTALL_HINT

    d = profile.to_dict()
    totals = d["totals"]
    lines = [
        f"Profile {profile.name}: {profile.endpoint}/{profile.deployment}, WORKER_COUNT={profile.worker_count}, "
        f"{profile.host_cores} host cores, {profile.seconds:.0f} s, {totals['requests']} requests",
        "",
    ]
    rows: list[tuple[str, ...]] = [("CONCURRENCY", "REQ/S", "P50 ms", "P90", "P95", "P99", "P99.9", "ERRORS", "CPU cores", "MEMORY MB")]
    for level in profile.levels:
        ms = level.latency_ms
        rows.append(
            (
                str(level.concurrency),
                f"{level.throughput:g}",
                *(_ms(ms.get(p)) for p in ("p50", "p90", "p95", "p99", "p99.9")),
                f"{level.errors} ({level.error_rate:.1%})" if level.errors else "0",
                "-" if level.cpu_cores is None else f"{level.cpu_cores:.2f}",
                "-" if level.memory_peak_mb is None else f"{level.memory_peak_mb:g}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines += ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in rows]
    cpu = totals["cpu_seconds_per_request"]
    lines += [
        "",
        f"Knee: concurrency {profile.knee}" if profile.knee else "Knee: none (no level served without errors)",
        f"CPU per request: {cpu * 1000:.1f} ms" if cpu else "CPU per request: not measured",
        f"Memory: peak {profile.memory_peak_mb} MB, steady {profile.memory_steady_mb} MB",
        f"Errors: {totals['errors']} of {totals['requests']}" + (f"; the first: {first}" if (first := totals["first_error"]) else ""),
    ]
    r = profile.recommendation
    if r is not None:
        lines += [
            "",
            "Recommendation:",
            f"  ACI/AKS (deploymentconfig.json): cpu {r.cpu:g}, memoryInGB {r.memory_in_gb:g}",
            f"  v2 deployment: instance_type {r.instance_type or '(none fits)'}, request_settings: "
            f"max_concurrent_requests_per_instance {r.max_concurrent_requests_per_instance}, request_timeout_ms "
            f"{r.request_timeout_ms}" + (f", instance_count {r.instance_count}" if r.instance_count is not None else ""),
            "  Why:",
            *(f"    - {reason}" for reason in r.reasoning),
        ]
    lines += [f"Note: {note}" for note in profile.notes]
    lines += ["", f"Results: {results}", f"Chart: {chart}" if chart else INSTALL_HINT]
    if written:
        lines.append(f"Wrote {', '.join(written['fields'])} into {written['path']}.")
    if profile.started_deployment:
        lines.append("The deployment the profile started was removed.")
    return "\n".join(lines)


def _ms(value) -> str:
    return "-" if value is None else f"{value:g}"
