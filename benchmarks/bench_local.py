"""Issue 5 benchmark: the local endpoint's inner loop, side by side on the same deployment.

    python benchmarks/bench_local.py [--runs 5] [--update-readme]

(a) create with the environment image cached, to Succeeded;
(b) update after a score.py edit, to the first correct score (the server restarts inside the
    running container);
(c) what `az ml online-deployment update --local` does on every update: rebuild the image (every
    layer cached), replace the container, start a fresh inference server, and wait the fixed 15 s
    before reporting;
(d) the floor: a fresh inference-server process started and running init() inside an already
    running container.
Also: the per-request overhead of the endpoint over calling run() in-process, and the size the
environment layer adds to the base image. Needs the Docker engine and the base image
(scripts/ensure-docker.sh, scripts/build-base-image.sh).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aml_deploy.deploy.local import containers, images
from aml_deploy.deploy.local.operations import LocalEndpoints
from aml_deploy.deploy.spec import from_config
from aml_deploy.registry import Registry
from readme import publish

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "test-fixtures" / "sample"
SDK_WAIT_SECONDS = 15  # DEFAULT_STARTUP_WAIT_TIME_SECONDS in azure-ai-ml's local endpoint code
REQUEST = {"data": [[1, 2]]}


def workspace(root: Path, endpoint: str) -> Path:
    folder = root / "sample"
    shutil.copytree(FIXTURE, folder)
    for path in (folder / "endpoint.yml", folder / "blue-deployment.yml"):
        path.write_text(path.read_text().replace("sample-endpoint", endpoint))
    return folder


def scale_in_script(folder: Path, factor: int) -> float:
    """Edit run() to multiply its answer; returns the answer the edited script gives for REQUEST."""
    script = folder / "src" / "score.py"
    text = script.read_text()
    marker = "return model.predict(data).round(6).tolist()"
    if marker not in text:
        text = text.split("    return (model.predict(data)")[0] + f"    {marker}\n"
    script.write_text(text.replace(marker, f"return (model.predict(data) * {factor}).round(6).tolist()"))
    return 9.0 * factor


def first_correct_score(uri: str, expected: float, deadline: float) -> float:
    while time.monotonic() < deadline:
        try:
            response = requests.post(uri, json=REQUEST, timeout=5)
            if response.status_code == 200 and response.json() == [expected]:
                return time.monotonic()
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.01)
    raise TimeoutError("no correct score")


def measure_create(local: LocalEndpoints, folder: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        spec = from_config(folder / "blue-deployment.yml", workspace=folder.parent, registry=local.registry)
        started = time.monotonic()
        state = local.deploy(spec, timeout=300)
        assert state.state == "Succeeded", state.log_excerpt
        times.append(time.monotonic() - started)
        local.delete_deployment(spec.endpoint, spec.deployment)
    return times


def measure_update(local: LocalEndpoints, folder: Path, runs: int) -> list[float]:
    spec = from_config(folder / "blue-deployment.yml", workspace=folder.parent, registry=local.registry)
    state = local.deploy(spec, timeout=300)
    assert state.state == "Succeeded", state.log_excerpt
    times = []
    for run in range(runs):
        expected = scale_in_script(folder, run + 2)
        started = time.monotonic()
        updated = local.deploy(from_config(folder / "blue-deployment.yml", workspace=folder.parent, registry=local.registry))
        assert updated.restarted_in_place and updated.state == "Succeeded", updated.log_excerpt
        times.append(first_correct_score(updated.scoring_uri, expected, started + 120) - started)
    return times


def measure_sdk_style(local: LocalEndpoints, folder: Path, runs: int) -> tuple[list[float], list[float]]:
    """The azure-ai-ml flow: (seconds until the command returns, seconds until the first correct
    score for someone who invokes as soon as it returns). The command's 15 s are a fixed
    time.sleep(15) after starting the container, added here rather than slept."""
    client = local.client
    spec = from_config(folder / "blue-deployment.yml", workspace=folder.parent, registry=local.registry)
    built = images.ensure_image(client, spec.environment)
    reported, first_score = [], []
    for run in range(runs):
        expected = scale_in_script(folder, run + 10)
        started = time.monotonic()
        context = images._context(spec.environment, local.ca, [])  # the same build, every layer cached
        for _ in client.api.build(
            fileobj=context,
            custom_context=True,
            dockerfile="Dockerfile.aml-deploy",
            tag=built.tag,
            rm=True,
            decode=True,
            pull=False,
            labels={"aml-deploy.environment": built.key},
        ):
            pass
        for old in containers.find(client, spec.endpoint, spec.deployment):
            old.remove(force=True)
        container = client.containers.create(
            built.tag,
            name=f"{spec.endpoint}.sdk",
            detach=True,
            command=[
                containers.PYTHON,
                "-m",
                "azureml_inference_server_http.amlserver",
                "--entry_script",
                f"{spec.code_target}/{spec.scoring_script}",
                "--port",
                "5001",
            ],
            volumes={
                str(spec.code_dir): {"bind": spec.code_target, "mode": "ro"},
                **{str(m.host): {"bind": m.target, "mode": "ro"} for m in spec.models},
            },
            environment={"AZUREML_MODEL_DIR": spec.model_dir},
            ports={"5001/tcp": ("127.0.0.1", None)},
            labels={containers.LABEL: "1", "aml-deploy.endpoint": spec.endpoint, "aml-deploy.deployment": spec.deployment},
        )
        container.start()
        work = time.monotonic() - started
        port, _ = containers.host_ports(container)
        answered = first_correct_score(f"http://127.0.0.1:{port}/score", expected, time.monotonic() + 120) - started
        reported.append(work + SDK_WAIT_SECONDS)
        first_score.append(max(work + SDK_WAIT_SECONDS, answered))
        container.remove(force=True)
    return reported, first_score


def measure_floor(local: LocalEndpoints, folder: Path, runs: int) -> tuple[list[float], list[float]]:
    """A fresh `azmlinfsrv` inside the running container, on another port, until it answers;
    and how long the script's init() took in it (from the server's own log lines)."""
    spec = from_config(folder / "blue-deployment.yml", workspace=folder.parent, registry=local.registry)
    state = local.deploy(spec, timeout=300)
    container = local.client.containers.get(state.container)
    probe = (
        "import subprocess, time, urllib.request, re, os\n"
        "start = time.monotonic()\n"
        f"server = subprocess.Popen([{containers.PYTHON!r}, '-m', 'azureml_inference_server_http.amlserver', '--entry_script',"
        f" os.environ['AML_APP_ROOT'] + '/' + os.environ['AZUREML_ENTRY_SCRIPT'], '--port', '5002'],"
        " stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)\n"
        "while True:\n"
        "    try:\n"
        "        urllib.request.urlopen('http://127.0.0.1:5002/', timeout=1); break\n"
        "    except Exception:\n"
        "        time.sleep(0.01)\n"
        "ready = time.monotonic() - start\n"
        "server.terminate(); out = server.communicate()[0]\n"
        "stamps = re.findall(r'(\\d\\d:\\d\\d:\\d\\d,\\d+).*(Invoking user.s init function|init has completed)', out)\n"
        "def seconds(t): h, m, s = t.replace(',', '.').split(':'); return int(h) * 3600 + int(m) * 60 + float(s)\n"
        "init = seconds(stamps[-1][0]) - seconds(stamps[0][0]) if len(stamps) >= 2 else -1\n"
        "print(ready, init)\n"
    )
    ready, init = [], []
    for _ in range(runs):
        output = container.exec_run([containers.PYTHON, "-c", probe], environment={"PYTHONPATH": ""}).output.decode()
        first, second = output.strip().splitlines()[-1].split()
        ready.append(float(first))
        init.append(float(second))
    return ready, init


def measure_requests(local: LocalEndpoints, folder: Path, count: int = 200) -> tuple[float, float]:
    """Median milliseconds of a request to the endpoint, and of run() called in-process in the container."""
    spec = from_config(folder / "blue-deployment.yml", workspace=folder.parent, registry=local.registry)
    state = local.deploy(spec, timeout=300)
    session = requests.Session()
    endpoint = []
    for _ in range(count):
        started = time.perf_counter()
        session.post(state.scoring_uri, json=REQUEST, timeout=10).raise_for_status()
        endpoint.append((time.perf_counter() - started) * 1000)
    container = local.client.containers.get(state.container)
    in_process = (
        container.exec_run(
            [
                containers.PYTHON,
                "-c",
                (
                    "import json, os, sys, time, statistics\n"
                    "sys.path.insert(0, os.environ['AML_APP_ROOT'])\n"
                    "import score\n"
                    "score.init()\n"
                    f"body = json.dumps({REQUEST!r})\n"
                    "times = []\n"
                    f"for _ in range({count}):\n"
                    "    start = time.perf_counter(); score.run(body); times.append((time.perf_counter() - start) * 1000)\n"
                    "print(statistics.median(times))\n"
                ),
            ]
        )
        .output.decode()
        .strip()
        .splitlines()[-1]
    )
    return statistics.median(endpoint), float(in_process)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        endpoint = f"bench{uuid.uuid4().hex[:6]}"
        folder = workspace(root, endpoint)
        local = LocalEndpoints(registry=Registry(root / "registry"), home=root / "home")
        try:
            warm = from_config(folder / "blue-deployment.yml", workspace=root, registry=local.registry)
            built = images.ensure_image(local.client, warm.environment, ca=local.ca)  # (a) is with the image cached
            created = measure_create(local, folder, args.runs)
            updated = measure_update(local, folder, args.runs)
            floor, init = measure_floor(local, folder, args.runs)
            endpoint_ms, in_process_ms = measure_requests(local, folder)
            local.delete_endpoint(endpoint)
            sdk_reported, sdk_first_score = measure_sdk_style(local, folder, args.runs)
            layer = images.environment_layer_size(local.client, built.tag)
            base = local.client.images.get(warm.environment.image).attrs["Size"]
        finally:
            for container in containers.find(local.client, endpoint):
                container.remove(force=True)
    median = statistics.median
    b, c = median(updated), median(sdk_first_score)
    rows = [
        "| step | median (s) | runs |",
        "|---|---|---|",
        f"| (a) create, environment image cached, to Succeeded | {median(created):.2f} | {args.runs} |",
        f"| (b) update after a score.py edit, to the first correct score | {b:.2f} | {args.runs} |",
        f"| (c) az ml-style update: rebuild (cached) + replace container + the fixed {SDK_WAIT_SECONDS} s wait, until it returns | "
        f"{median(sdk_reported):.2f} | {args.runs} |",
        f"| (c) to the first correct score, invoking when it returns | {c:.2f} | {args.runs} |",
        f"| (d) fresh inference server in the running container, to answering | {median(floor):.2f} | {args.runs} |",
        f"| (d) of which the script's init() | {median(init):.2f} | {args.runs} |",
        "",
        f"(b) is {c / b:.1f}x faster than (c) (target: 8x) and {median(floor) / b:.1f}x faster than the floor (d).",
        "",
        "| request | median (ms) |",
        "|---|---|",
        f"| POST /score to the local endpoint (200 requests) | {endpoint_ms:.2f} |",
        f"| run() called in-process in the same container | {in_process_ms:.3f} |",
        f"| overhead of the endpoint | {endpoint_ms - in_process_ms:.2f} |",
        "",
        "| image | size |",
        "|---|---|",
        f"| base image ({warm.environment.image}) | {base / 2**20:.0f} MB |",
        f"| environment layer (venv, inference server, scikit-learn, debugpy) | {layer / 2**20:.0f} MB |",
    ]
    publish("local", rows, args.update_readme)


if __name__ == "__main__":
    main()
