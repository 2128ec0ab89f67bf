"""One profile, from start to end: start the deployment unless it is running, warm it up, send
requests at rising concurrency while the Docker engine's stats are sampled, then summarize,
recommend, and remove what the profile started (a running deployment is left running)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..deploy.errors import DeployError
from ..deploy.local.operations import LocalEndpoints
from ..deploy.spec import DeploymentSpec
from ..deploy.state import DeploymentState
from . import load, report
from .errors import Cancelled, ProfileError
from .options import ProfileOptions
from .recommend import recommend
from .stats import Sampler

GIVE_UP_ERROR_RATE = 0.5  # a level where half the requests fail: higher levels would only fail more


@dataclass
class Progress:
    """What the profile is doing, for a progress bar."""

    message: str
    fraction: float  # 0..1 of the whole profile's sending time
    concurrency: int | None = None


OnProgress = Callable[[Progress], None]


def profile_deployment(
    target: LocalEndpoints,
    endpoint: str,
    deployment: str | None,
    *,
    load_spec: Callable[[], DeploymentSpec] | None = None,
    bodies: list[bytes] | None = None,
    options: ProfileOptions | None = None,
    name: str | None = None,
    on_progress: OnProgress | None = None,
    stop: threading.Event | None = None,
) -> report.Profile:
    """Profile endpoint/deployment. A running one is used and left running; one that does not exist
    is started from `load_spec` and removed at the end (one that exists but is not running, a failed
    or a debugged one, is the user's to fix, so it is refused rather than replaced)."""
    options = options or ProfileOptions()
    say = on_progress or (lambda progress: None)
    began = time.monotonic()
    state = _running(target, endpoint, deployment, load_spec is not None, say)
    if state is not None:
        return _measure(target, state, False, bodies, options, name, say, stop, began)
    assert load_spec is not None
    spec = load_spec()
    endpoint_existed = target.records.read(spec.endpoint) is not None
    try:
        state = _start(target, spec, say)
        return _measure(target, state, True, bodies, options, name, say, stop, began)
    finally:
        say(Progress("Removing the deployment the profile started", 1.0))
        _remove(target, spec.endpoint, spec.deployment, endpoint_existed)


def _running(target: LocalEndpoints, endpoint: str, deployment: str | None, can_start: bool, say: OnProgress) -> DeploymentState | None:
    """The running deployment, or None when there is none and one can be started."""
    state = _current(target, endpoint, deployment)
    if state is not None and state.state == "Creating":
        say(Progress(f"Waiting for {endpoint}/{state.deployment} to become ready", 0.0))
        state = target.wait_ready(endpoint, state.deployment, timeout=600)
    if state is not None and state.state == "Succeeded":
        return state
    if state is not None:
        raise ProfileError(
            f"The local deployment {endpoint}/{state.deployment} is {state.state}, so it cannot be profiled: "
            "deploy it again (or delete it) first. " + (state.problem or "").strip()
        )
    if not can_start:
        raise ProfileError(
            f"The local deployment {endpoint}/{deployment or ''} does not exist, and there is no configuration "
            "to start it from: give its file (-f), or create it first."
        )
    return None


def _start(target: LocalEndpoints, spec: DeploymentSpec, say: OnProgress) -> DeploymentState:
    say(Progress(f"Starting {spec.endpoint}/{spec.deployment}", 0.0))
    state = target.deploy(spec)
    if state.state != "Succeeded":
        failure = state.failure.message if state.failure else state.state
        raise ProfileError(
            f"{spec.endpoint}/{spec.deployment} did not start, so it cannot be profiled: {failure}\n{state.log_excerpt}".rstrip()
        )
    return state


def _remove(target: LocalEndpoints, endpoint: str, deployment: str, endpoint_existed: bool) -> None:
    """Remove what the profile started, also after a failed start: the deployment, and the endpoint
    when the profile created it (a v1 profile's temporary service leaves nothing in the Endpoints view)."""
    if not endpoint_existed:
        target.delete_endpoint(endpoint)
        return
    try:
        target.delete_deployment(endpoint, deployment)
    except DeployError:
        pass  # nothing of it was left


def _current(target: LocalEndpoints, endpoint: str, deployment: str | None) -> DeploymentState | None:
    try:
        return target.resolve_deployment(endpoint, deployment)
    except DeployError:
        return None


def _measure(
    target: LocalEndpoints,
    state: DeploymentState,
    started: bool,
    bodies: list[bytes] | None,
    options: ProfileOptions,
    name: str | None,
    say: OnProgress,
    stop: threading.Event | None,
    began: float,
) -> report.Profile:
    assert state.scoring_uri and state.container
    bodies = bodies or _sample_bodies(target, state)
    busy_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0  # before our own load counts
    container = target.client.containers.get(state.container)
    endpoint = load.Endpoint(state.scoring_uri, {"azureml-model-deployment": state.deployment}, options.request_timeout)
    levels = options.levels()
    sampler = Sampler(container).start()
    try:
        say(Progress("Warming up", 0.0, 1))
        warmup = load.run(endpoint, bodies, 1, options.warmup, stop)
        if warmup.outcomes and all(o.error for o in warmup.outcomes):
            raise ProfileError(f"Every warm-up request failed, so there is nothing to profile. The first: {warmup.outcomes[0].error}")
        sampler.wait_for(2, timeout=5)  # the CPU of the first level needs a sample before it
        bursts = _levels(endpoint, bodies, levels, options, say, stop)
        count = len(sampler.samples)
        sampler.wait_for(count + 1, timeout=3)  # and the last level one after it
    finally:
        samples = sampler.stop()
    if not samples:
        raise ProfileError(f"The Docker engine gave no stats for {state.container}: {sampler.error or 'no samples'}.")
    rows = [report.summarize(burst, samples) for burst in bursts]
    peak, steady = report.memory_totals(samples, bursts[0].started, bursts[-1].ended)
    profile = report.Profile(
        name=name or f"{state.endpoint}-{state.deployment}",
        endpoint=state.endpoint,
        deployment=state.deployment,
        scoring_uri=state.scoring_uri,
        config=state.config,
        started_deployment=started,
        request_count=len(bodies),
        levels=rows,
        warmup=report.summarize(warmup, samples),
        cpu_seconds_per_request=report.cpu_per_request(bursts, samples),
        memory_peak_mb=peak,
        memory_steady_mb=steady,
        knee=report.knee_of(rows),
        seconds=time.monotonic() - began,
        host_cores=os.cpu_count() or 1,
        worker_count=_worker_count(container),
        notes=report.notes_for(rows),
    )
    if len(bursts) < len(levels):
        profile.notes.append(
            f"Stopped after concurrency {bursts[-1].concurrency}: more than {GIVE_UP_ERROR_RATE:.0%} of its requests failed."
        )
    if busy_before >= profile.host_cores * 0.75:
        profile.notes.append(
            f"The machine was already busy when the profile began (load average {busy_before:.1f} on "
            f"{profile.host_cores} cores): throughput and latency are pessimistic; CPU per request and "
            "memory are not affected."
        )
    if sampler.error:
        profile.notes.append(f"The Docker engine's stats stream ended early ({sampler.error}).")
    profile.recommendation = recommend(profile, options.targets)
    if profile.recommendation is None:
        profile.notes.append(
            f"No recommendation: no level served with at most 1% errors. Fix the errors first (the first: {profile.first_error})."
        )
    return profile


def _levels(
    endpoint: load.Endpoint, bodies: list[bytes], levels: list[int], options: ProfileOptions, say: OnProgress, stop: threading.Event | None
) -> list[load.Burst]:
    total = options.warmup + options.duration * len(levels)
    bursts = []
    for index, concurrency in enumerate(levels):
        done_before = options.warmup + options.duration * index

        def tick(requests: int, seconds: float, concurrency=concurrency, done_before=done_before, index=index) -> None:
            rate = requests / seconds if seconds else 0.0
            say(
                Progress(
                    f"concurrency {concurrency} ({index + 1} of {len(levels)}): {rate:.0f} req/s",
                    min((done_before + seconds) / total, 1.0),
                    concurrency,
                )
            )

        _check(stop)
        tick(0, 0.0)
        burst = load.run(endpoint, bodies, concurrency, options.duration, stop, on_tick=tick)
        _check(stop)
        bursts.append(burst)
        failed = sum(1 for o in burst.outcomes if o.error)
        if burst.outcomes and failed / len(burst.outcomes) > GIVE_UP_ERROR_RATE:
            break
    return bursts


def _check(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise Cancelled("The profile was cancelled; what it started was removed.")


def _sample_bodies(target: LocalEndpoints, state: DeploymentState) -> list[bytes]:
    _deployment, body = target.sample_request(state.endpoint, state.deployment)
    if body is None:
        raise ProfileError(
            "Give a request file (--request-file; model profile: --input-data): the scoring script declares no input_sample "
            "(inference-schema @input_schema) and no *request*.json lies beside "
            f"{state.config or 'the configuration'}."
        )
    return [body]


def _worker_count(container) -> str:
    """WORKER_COUNT inside the container: how many requests the inference server runs at once."""
    variables = dict(item.partition("=")[::2] for item in (container.attrs.get("Config") or {}).get("Env") or [])
    return variables.get("WORKER_COUNT") or "1"
