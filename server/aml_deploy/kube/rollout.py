"""Waiting for a rollout: every replica of each Deployment's new revision ready. On failure, one
report: the new pods' problems (Unschedulable with the scheduler's reason, ImagePullBackOff,
CrashLoopBackOff, OOMKilled...), the events that matter, and the previous container's last log
lines, as plain data the publisher turns into a message and a diagnostic on score.py.

Reads use the typed CoreV1Api/AppsV1Api: the kinds are fixed here, and pods/log is typed only."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import urllib3
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from .cluster import Cluster, call, unreachable

REVISION = "deployment.kubernetes.io/revision"
# Waiting reasons that will not fix themselves: the rollout stops at once with a report.
FAIL_FAST = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "Unschedulable",
        "OOMKilled",
    }
)
_WAITING = FAIL_FAST | {"ErrImagePull", "RunContainerError"}
_EVENT_REASONS = {
    "FailedScheduling",
    "Failed",
    "BackOff",
    "Unhealthy",
    "Killing",
    "FailedMount",
    "FailedCreate",
    "ProgressDeadlineExceeded",
    "OOMKilling",
}


@dataclass(frozen=True)
class DeploymentProgress:
    name: str
    namespace: str
    desired: int
    updated: int  # pods of the new revision
    ready: int  # ready pods, any revision
    available: int
    total: int  # pods of every revision (old ones linger during a rolling update)
    observed: bool  # the controller has seen the latest spec (observedGeneration >= generation)
    revision: str = ""

    @property
    def done(self) -> bool:
        return (
            self.observed and self.updated == self.desired == self.total and self.ready >= self.desired and self.available >= self.desired
        )


@dataclass(frozen=True)
class KubeEvent:
    type: str  # Normal | Warning
    reason: str
    message: str
    object_kind: str
    object_name: str
    count: int = 1
    last_seen: str = ""

    def __str__(self) -> str:
        times = f" (x{self.count})" if self.count > 1 else ""
        return f"{self.type} {self.reason} {self.object_kind.lower()}/{self.object_name}: {self.message}{times}"


@dataclass
class ContainerProblem:
    deployment: str
    pod: str
    container: str | None  # None when the pod itself is the problem (Unschedulable)
    reason: str  # CrashLoopBackOff, ImagePullBackOff, Unschedulable, OOMKilled...
    message: str
    restarts: int = 0
    last_exit_code: int | None = None
    last_exit_reason: str | None = None  # OOMKilled, Error, Completed
    previous_log: str = ""  # the last lines of the previous (crashed) container, when there was one

    def __str__(self) -> str:
        where = f"pod {self.pod}" + (f" container {self.container}" if self.container else "")
        extra = []
        if self.restarts:
            extra.append(f"restarted {self.restarts} time{'s' if self.restarts > 1 else ''}")
        if self.last_exit_code is not None:
            extra.append(
                f"last exit code {self.last_exit_code}"
                + (f" ({self.last_exit_reason})" if self.last_exit_reason not in (None, "Error") else "")
            )
        return f"{where}: {self.reason}" + (f": {self.message}" if self.message else "") + (f" [{'; '.join(extra)}]" if extra else "")


@dataclass
class RolloutReport:
    ok: bool
    namespace: str
    deployments: list[DeploymentProgress] = field(default_factory=list)
    problems: list[ContainerProblem] = field(default_factory=list)
    events: list[KubeEvent] = field(default_factory=list)
    timed_out: bool = False
    reason: str = ""  # one line: why the rollout failed

    def summary(self) -> str:
        if self.ok:
            return "; ".join(f"{d.name}: {d.ready}/{d.desired} ready" for d in self.deployments)
        lines = [self.reason]
        lines += [f"- {p}" for p in self.problems]
        logged = next((p for p in self.problems if p.previous_log.strip()), None)
        if logged:
            lines.append(f"Last lines of the previous {logged.container} container of {logged.pod}:")
            lines += ["    " + line for line in logged.previous_log.rstrip().splitlines()]
        if self.events:
            lines.append("Events:")
            lines += [f"- {e}" for e in self.events]
        return "\n".join(lines)

    def previous_traceback(self) -> str | None:
        """The log of a crashed container that ended with a Python traceback (the publisher maps
        it to the user's score.py line), if any."""
        return next((p.previous_log for p in self.problems if "Traceback (most recent call last)" in p.previous_log), None)


def wait_for_rollout(
    cluster: Cluster,
    namespace: str,
    deployments: list[str],
    *,
    timeout: float = 600,
    poll: float = 1.0,
    progress: Callable[[list[DeploymentProgress]], None] | None = None,
    fail_on: frozenset[str] = FAIL_FAST,
    log_lines: int = 50,
) -> RolloutReport:
    """Polls until every Deployment in `deployments` has all replicas of its new revision ready and
    no old pod left; stops early when a new pod shows a reason in `fail_on`, when a Deployment
    reports ProgressDeadlineExceeded, or after `timeout` seconds. `progress` gets each poll's state."""
    watcher = _Watcher(cluster, namespace)
    deadline = time.monotonic() + timeout
    while True:
        states, stalled = [], []
        for name in deployments:
            deployment = watcher.deployment(name)
            states.append(_progress(deployment))
            if _condition(deployment, "Progressing", "ProgressDeadlineExceeded"):
                stalled.append(name)
        if progress:
            progress(states)
        if all(s.done for s in states):
            return RolloutReport(True, namespace, states)
        problems = [p for name in deployments for p in watcher.problems(name)]
        blocking = [p for p in problems if p.reason in fail_on or p.last_exit_reason in fail_on]
        timed_out = time.monotonic() >= deadline
        if blocking or stalled or timed_out:
            return watcher.report(deployments, states, problems, log_lines, timed_out, timeout, stalled)
        time.sleep(poll)


def _condition(deployment: dict, type_: str, reason: str) -> bool:
    return any(c.get("type") == type_ and c.get("reason") == reason for c in (deployment.get("status") or {}).get("conditions") or [])


def _progress(d: dict) -> DeploymentProgress:
    status, meta = d.get("status") or {}, d["metadata"]
    return DeploymentProgress(
        meta["name"],
        meta["namespace"],
        d["spec"].get("replicas", 1),
        status.get("updatedReplicas", 0),
        status.get("readyReplicas", 0),
        status.get("availableReplicas", 0),
        status.get("replicas", 0),
        status.get("observedGeneration", 0) >= meta.get("generation", 0),
        (meta.get("annotations") or {}).get(REVISION, ""),
    )


def _selector(match_labels: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))


class _Watcher:
    """The reads of one wait, as plain dicts (camelCase, as the API server writes them)."""

    def __init__(self, cluster: Cluster, namespace: str) -> None:
        self.cluster, self.namespace = cluster, namespace
        self.core, self.apps = k8s.CoreV1Api(cluster.api), k8s.AppsV1Api(cluster.api)
        self.pod_names: dict[str, set[str]] = {}  # every pod seen per deployment, for its events

    def _read(self, what: str, function, **kwargs) -> dict:
        return self.cluster.api.sanitize_for_serialization(call(self.cluster, what, function, **kwargs))

    def deployment(self, name: str) -> dict:
        return self._read(
            f"read Deployment {self.namespace}/{name}", self.apps.read_namespaced_deployment, name=name, namespace=self.namespace
        )

    def new_pods(self, name: str) -> list[dict]:
        """The pods of the Deployment's current revision (all its pods until the controller made one)."""
        deployment = self.deployment(name)
        match = (deployment["spec"].get("selector") or {}).get("matchLabels") or {}
        revision = (deployment["metadata"].get("annotations") or {}).get(REVISION)
        sets = self._read(
            "list ReplicaSets", self.apps.list_namespaced_replica_set, namespace=self.namespace, label_selector=_selector(match)
        )["items"]
        current = next(
            (
                rs
                for rs in sets
                if (rs["metadata"].get("annotations") or {}).get(REVISION) == revision
                and any(o.get("uid") == deployment["metadata"]["uid"] for o in rs["metadata"].get("ownerReferences") or [])
            ),
            None,
        )
        if current is not None:
            match = {**match, "pod-template-hash": current["metadata"]["labels"].get("pod-template-hash", "")}
        pods = self._read("list pods", self.core.list_namespaced_pod, namespace=self.namespace, label_selector=_selector(match))["items"]
        self.pod_names.setdefault(name, set()).update(p["metadata"]["name"] for p in pods)
        return pods

    def problems(self, name: str) -> list[ContainerProblem]:
        found = []
        for pod in self.new_pods(name):
            status, pod_name = pod.get("status") or {}, pod["metadata"]["name"]
            for condition in status.get("conditions") or []:
                if condition.get("type") == "PodScheduled" and condition.get("reason") == "Unschedulable":
                    found.append(ContainerProblem(name, pod_name, None, "Unschedulable", condition.get("message", "")))
            for container in status.get("containerStatuses") or []:
                waiting = (container.get("state") or {}).get("waiting") or {}
                last = (container.get("lastState") or {}).get("terminated") or {}
                reason = waiting.get("reason")
                if reason in _WAITING or last.get("reason") == "OOMKilled":
                    found.append(
                        ContainerProblem(
                            name,
                            pod_name,
                            container["name"],
                            str(reason or last.get("reason") or ""),
                            waiting.get("message", ""),
                            container.get("restartCount", 0),
                            last.get("exitCode"),
                            last.get("reason"),
                        )
                    )
        return found

    def report(
        self,
        deployments: list[str],
        states,
        problems: list[ContainerProblem],
        log_lines: int,
        timed_out: bool,
        timeout: float,
        stalled: list[str],
    ) -> RolloutReport:
        logged = set()
        for problem in problems:  # one log per deployment and container is enough to say why
            key = (problem.deployment, problem.container)
            if problem.container and (problem.restarts or problem.last_exit_code is not None) and key not in logged:
                problem.previous_log = self._previous_log(problem, log_lines)
                logged.add(key)
        waiting = [f"{s.name}: {s.ready} of {s.desired} ready ({s.updated} updated)" for s in states if not s.done]
        if timed_out:
            reason = f"the rollout did not finish in {timeout:g} s: " + "; ".join(waiting)
        elif stalled:
            reason = f"Deployment {', '.join(stalled)} exceeded its progress deadline: " + "; ".join(waiting)
        else:
            kinds = sorted({p.last_exit_reason if p.last_exit_reason == "OOMKilled" else p.reason for p in problems})
            reason = f"the rollout failed ({', '.join(kinds)}): " + "; ".join(waiting)
        return RolloutReport(False, self.namespace, states, problems, self._events(deployments), timed_out, reason)

    def _previous_log(self, problem: ContainerProblem, lines: int) -> str:
        for previous in (True, False):
            try:
                return self.core.read_namespaced_pod_log(
                    problem.pod, self.namespace, container=problem.container, previous=previous, tail_lines=lines
                )
            except ApiException:
                continue  # no previous container (yet): the current one's log, or nothing
            except urllib3.exceptions.HTTPError as error:
                raise unreachable(self.cluster, error) from None
        return ""

    def _events(self, deployments: list[str]) -> list[KubeEvent]:
        names = set(deployments) | {p for name in deployments for p in self.pod_names.get(name, ())}
        items = self._read("list events", self.core.list_namespaced_event, namespace=self.namespace)["items"]
        relevant = []
        for event in items:
            involved = event.get("involvedObject") or {}
            owner = involved.get("name", "")
            ours = owner in names or any(owner.startswith(f"{d}-") and involved.get("kind") == "ReplicaSet" for d in deployments)
            if ours and (event.get("type") == "Warning" or event.get("reason") in _EVENT_REASONS):
                relevant.append(event)
        relevant.sort(key=lambda e: (e.get("lastTimestamp") or "", e.get("firstTimestamp") or ""))
        return [
            KubeEvent(
                e.get("type", ""),
                e.get("reason", ""),
                e.get("message", ""),
                (e.get("involvedObject") or {}).get("kind", ""),
                (e.get("involvedObject") or {}).get("name", ""),
                e.get("count") or 1,
                e.get("lastTimestamp") or "",
            )
            for e in relevant
        ]
