"""Why a published service is not serving, told in one report: ACI's provisioning error, the
containers' events (pulling, back-off, kills), the scoring container's exit code or OOM kill, the end
of its log, and, when init() raised, the line of the user's script (the same Failure a local
deployment reports, so the editor can put AMLD401 on it)."""

from __future__ import annotations

from ...azure import ContainerGroup, ContainerState
from ..failures import Failure, explain
from ..layout import code_target
from ..spec import DeploymentSpec
from .group import FRONT, SCORING
from .settings import AciSettings

OOM_EXIT = 137


def trouble(group: ContainerGroup) -> str | None:
    """Why the service is not serving, once its scoring container has crashed or is backing off, or its
    front cannot start; None while they run (or are still starting)."""
    scoring = group.container(SCORING)
    if scoring is None:
        return "the group has no scoring container"
    if group.state in ("Stopped",):
        return "the container group is stopped (aml-deploy service update starts it again)"
    return _scoring_trouble(scoring) or _front_trouble(group)


def _scoring_trouble(scoring) -> str | None:
    ended = _ended(scoring)
    if ended is None:
        pulled = [e for e in scoring.events if e.name == "Failed"]
        return pulled[-1].message if pulled else None
    if ended.detail_status == "OOMKilled":
        return f"the scoring container ran out of memory (OOMKilled, exit code {ended.exit_code or OOM_EXIT})"
    return f"the scoring container exited ({_how(scoring, ended)})"


def _front_trouble(group: ContainerGroup) -> str | None:
    """The front (HAProxy) exits at once when it cannot load what it was given: a TLS certificate and key
    that do not belong together, say. The scoring container may be fine meanwhile."""
    front = group.container(FRONT)
    ended = _ended(front) if front is not None else None
    if ended is None:
        return None
    return (
        f"the front container exited ({_how(front, ended)}): HAProxy could not start with the service's front "
        "configuration (with sslEnabled: a certificate and key that do not belong together, or a certificate it "
        f"cannot read). Its log: aml-deploy service get-logs -n {group.name} --container front"
    )


def _ended(container) -> ContainerState | None:
    """The state it ended in, once it has exited or is backing off; None while it runs or starts."""
    current = container.current_state or ContainerState("Waiting")
    if container.restart_count == 0 and current.state != "Terminated" and "BackOff" not in current.detail_status:
        return None
    return current if current.state == "Terminated" else (container.previous_state or current)


def _how(container, ended: ContainerState) -> str:
    code = f"exit code {ended.exit_code}" if ended.exit_code is not None else ended.detail_status or "no exit code"
    return code + (f" and was restarted {container.restart_count} time(s)" if container.restart_count else "")


def log_trouble(log: str) -> str | None:
    """What the log says when the container runs but cannot serve: gunicorn's workers killed for lack of
    memory again and again (the container itself lives on, so ACI reports it Running)."""
    kills = log.count("Perhaps out of memory?")
    if kills >= 2:
        return (
            f"the scoring container ran out of memory: its server's worker was killed {kills} times while starting "
            "(gunicorn: 'Worker was sent SIGKILL! Perhaps out of memory?')"
        )
    return None


def failure(spec: DeploymentSpec, settings: AciSettings, why: str, log: str) -> Failure:
    """The Failure to report: the user's line when the log has a traceback through their code; the
    reason with what to do otherwise."""
    if why.startswith("the front container"):
        return Failure(why)  # the scoring container's log says nothing about it
    found = explain(log, code_target(spec), spec.code_dir)
    if found.path is not None:
        found.message = f"{found.message} ({why} on ACI)"
        return found
    if "out of memory" in why:
        limit = settings.memory_gb_limit or settings.memory_gb
        return Failure(
            f"{why}: containerResourceRequirements.memoryInGB {limit:g} is too little for it on ACI; raise it "
            "(the local check runs without this limit, so it passed there)"
        )
    return Failure(f"{why}: {found.message}")


def events_lines(group: ContainerGroup | None) -> list[str]:
    """The containers' events as ACI reports them, oldest first."""
    if group is None:
        return []
    lines = []
    for container in group.containers:
        for event in container.events:
            count = f" (x{event.count})" if event.count > 1 else ""
            lines.append(f"{container.name}: {event.name}{count}: {event.message}")
        state = container.current_state
        if state is not None:
            exit_code = f", exit code {state.exit_code}" if state.exit_code is not None else ""
            lines.append(f"{container.name}: now {state.state} {state.detail_status}{exit_code}".rstrip())
    return lines


def report(events: list[str], log: str, lines: int = 40) -> str:
    """Events, then the scoring container's last log lines: what the CLI and the editor show."""
    tail = [line for line in log.splitlines() if line.strip()][-lines:]
    parts = []
    if events:
        parts += ["events:", *(f"  {line}" for line in events)]
    if tail:
        parts += [f"last {len(tail)} lines of the {SCORING} container's log:", *tail]
    return "\n".join(parts)
