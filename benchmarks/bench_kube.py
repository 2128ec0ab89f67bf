"""Issue 14 benchmark: publishing to Kubernetes, stage by stage, and how soon requests follow a new traffic split.

    python benchmarks/bench_kube.py [--update-readme] [--switches N]

Against the Kubernetes stand-in from tests/standins/kube (an API server doing server-side apply, its node
running the pods as containers on the local Docker engine, Services by DNS name, a LoadBalancer address on
loopback) and a real registry (Debian's docker-registry on 127.0.0.1). Steps, with the Kubernetes target
itself: create the endpoint (its front's image pushed once), publish the sample deployment (`blue`, v2
Kubernetes YAML) into an empty registry, publish it again with a new model file (the model update), then
add `green` and switch all traffic between them N times while a caller scores without pause (a new
connection per request) and records which deployment served each request. Reported: each publish's
stages (build, local check, push, apply, rollout, front, first score), the bytes the engine sent, and
for the traffic switches the time from the command's start to the first request served by the new
deployment, to the last request served by the old one, and to the command's return. The stand-in's
pods start in seconds on one idle node: a real cluster's scheduling and image pulls are not measured.
Needs the Docker engine, the offline base image and docker-registry (apt-get install docker-registry).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]
from aml_deploy.deploy.kubernetes.target import KubernetesEndpoints  # noqa: E402
from aml_deploy.deploy.local.engine import connect  # noqa: E402
from aml_deploy.deploy.published import PublishedServices  # noqa: E402
from aml_deploy.deploy.spec import from_config  # noqa: E402
from aml_deploy.registry import Registry  # noqa: E402
from readme import publish  # noqa: E402
from tests.kubepub.conftest import deployment, write_yaml  # noqa: E402
from tests.standins.kube import KubeStandin  # noqa: E402
from tests.standins.registry import DebianRegistry  # noqa: E402

STAGES = ("build", "local-check", "push", "apply", "rollout", "front", "first-score")
REQUEST = b'{"data": [[1, 2]]}'


class Caller(threading.Thread):
    """Scores without pause through the front; remembers (time, deployment that served) for each answer."""

    def __init__(self, uri: str, key: str) -> None:
        super().__init__(daemon=True)
        self.uri, self.key = uri, key
        self.served: list[tuple[float, str]] = []
        self.failed = 0
        self.halt = threading.Event()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        while not self.halt.is_set():
            try:
                answer = requests.post(self.uri, data=REQUEST, headers=headers, timeout=30)
                if answer.status_code == 200:
                    self.served.append((time.monotonic(), answer.headers.get("azureml-model-deployment", "?")))
                else:
                    self.failed += 1
            except requests.RequestException:
                self.failed += 1


def workspace(root: Path, endpoint: str) -> Path:
    shutil.copytree(ROOT / "test-fixtures" / "sample", root)
    write_yaml(
        root / "endpoint.yml",
        {
            "$schema": "https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json",
            "name": endpoint,
            "auth_mode": "key",
        },
    )
    for name in ("blue", "green"):
        write_yaml(root / f"{name}.yml", deployment(endpoint, name))
    return root


def publish_deployment(target: KubernetesEndpoints, file: Path, root: Path, label: str, runs: list[dict]) -> dict:
    started = time.monotonic()
    state = target.deploy(from_config(file, workspace=root, registry=target.registry), timeout=600)
    total = time.monotonic() - started
    if state.state != "Succeeded":
        raise SystemExit(f"{label} failed: {state.problem or state.failure}\n{state.log_excerpt}")
    runs.append({"label": label, "total": total, **state.publish})
    return state.to_dict()


def switch(target: KubernetesEndpoints, endpoint: str, caller: Caller, to: str, old: str) -> dict:
    began = time.monotonic()
    target.set_traffic(endpoint, {to: 100, old: 0})
    returned = time.monotonic()
    time.sleep(2)  # requests after the return, to be sure none goes to the old deployment any more
    after = [(t, who) for t, who in caller.served if t >= began]
    first_new = next((t for t, who in after if who == to), None)
    last_old = max((t for t, who in after if who == old), default=began)
    late = [t for t, who in after if who == old and t > returned]
    return {
        "first": (first_new - began) if first_new else float("nan"),
        "last_old": last_old - began,
        "returned": returned - began,
        "old_after_return": len(late),
        "requests": len(after),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--switches", type=int, default=4)
    args = parser.parse_args()
    client = connect()
    scratch = Path(tempfile.mkdtemp(prefix="bench-kube-"))
    password = secrets.token_urlsafe(12)
    registry = DebianRegistry(scratch / "registry", users={"pusher": password})
    registry.start()
    standin = KubeStandin(scratch / "kube", docker_client=client, backoff=(1.0, 8.0)).start()
    os.environ.update(
        {"KUBECONFIG": str(standin.kubeconfig), "AML_DEPLOY_HOME": str(scratch / "home"), "AML_DEPLOY_REGISTRY_PASSWORD": password}
    )
    endpoint = f"bench-{uuid.uuid4().hex[:6]}"
    runs: list[dict] = []
    try:
        root = workspace(scratch / "ws", endpoint)
        target = KubernetesEndpoints(
            Registry(scratch / "models"),
            services=PublishedServices(scratch / "home" / "published"),
            settings={"registry": registry.host, "registry_username": "pusher"},
        )
        started = time.monotonic()
        created = target.create_endpoint(root / "endpoint.yml")
        create_seconds = time.monotonic() - started
        publish_deployment(target, root / "blue.yml", root, "first publish (empty registry)", runs)
        (root / "model" / "NOTES.txt").write_text(f"retrained {uuid.uuid4().hex}\n")
        publish_deployment(target, root / "blue.yml", root, "model update", runs)
        publish_deployment(target, root / "green.yml", root, "second deployment", runs)
        target.set_traffic(endpoint, {"blue": 100, "green": 0})
        caller = Caller(created["scoring_uri"], target.get_credentials(endpoint)["primaryKey"])
        caller.start()
        switches = []
        for index in range(args.switches):
            to, old = ("green", "blue") if index % 2 == 0 else ("blue", "green")
            switches.append(switch(target, endpoint, caller, to, old))
        caller.halt.set()
        caller.join(timeout=60)
        target.delete_endpoint(endpoint)
    finally:
        standin.stop()
        registry.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    publish("kube", table(create_seconds, runs, switches, caller.failed), args.update_readme)


def table(create_seconds: float, runs: list[dict], switches: list[dict], failed: int) -> list[str]:
    lines = [
        f"Creating the endpoint (its front's image pushed, Namespace, Secrets, the front Deployment and its "
        f"LoadBalancer applied, the front ready): {create_seconds:.1f} s.",
        "",
        "| publish | " + " | ".join(STAGES) + " | total | layers pushed | bytes sent |",
        "|---|" + "---:|" * (len(STAGES) + 3),
    ]
    for run in runs:
        stages = run.get("stages") or {}
        push = run.get("push") or {}
        sent = push.get("layer_kinds") or []
        kinds = (
            ", ".join(
                f"{kind}{f' x{sent.count(kind)}' if sent.count(kind) > 1 else ''}"
                for kind in ("environment", "model", "code")
                if kind in sent
            )
            or "none"
        )
        lines.append(
            f"| {run['label']} | "
            + " | ".join(f"{stages[s]:.2f}" if s in stages else "–" for s in STAGES)
            + f" | {run['total']:.1f} | {kinds} | {_size(push.get('bytes_pushed', 0))} |"
        )
    first = [s["first"] for s in switches]
    last = [s["last_old"] for s in switches]
    returned = [s["returned"] for s in switches]
    lines += [
        "",
        f"Switching all traffic between two deployments, {len(switches)} times, while a caller scores without "
        f"pause ({sum(s['requests'] for s in switches)} requests, {failed} failed):",
        "",
        "| from the command's start to | median | slowest |",
        "|---|---:|---:|",
        f"| the first request served by the new deployment | {statistics.median(first):.1f} s | {max(first):.1f} s |",
        f"| the last request served by the old one | {statistics.median(last):.1f} s | {max(last):.1f} s |",
        f"| the command's return (old fronts drained) | {statistics.median(returned):.1f} s | {max(returned):.1f} s |",
        "",
        f"Requests served by the old deployment after the command returned: {sum(s['old_after_return'] for s in switches)}.",
    ]
    return lines


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


if __name__ == "__main__":
    main()
