"""Issue 3 benchmark: scoring-script lint latency over LSP, and re-checking a 200-script workspace
after a conda-file edit.

    python benchmarks/bench_linter.py [--edits 200] [--scripts 200] [--update-readme]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_client import Client, edit_latencies
from readme import publish

SERVER = [sys.executable, "-m", "aml_deploy", "lsp"]
SCHEMA = "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\n"
CONDA = "dependencies:\n  - python=3.11\n  - pip:\n    - azureml-inference-server-http\n    - scikit-learn\n"


def deployment(name: str, script: str) -> str:
    return (
        SCHEMA
        + f"""name: {name}
endpoint_name: bench-endpoint
model:
  path: ./model/
code_configuration:
  code: ./src/
  scoring_script: {script}
environment:
  image: python:3.11-slim
  conda_file: ./conda.yml
instance_type: Standard_DS3_v2
instance_count: 1
"""
    )


def long_script(lines: int = 1000) -> str:
    head = """import json
import os

import joblib
import numpy


def init():
    global model
    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model", "model.pkl"))


def run(raw_data):
    data = numpy.array(json.loads(raw_data)["data"])
    return model.predict(data).tolist()
"""
    body = []
    index = 0
    while len((head + "".join(body)).splitlines()) < lines - 5:
        body.append(
            f"\n\ndef helper_{index}(values, scale={index}):\n    total = 0\n    for value in values:\n"
            f"        total += value * scale\n    return total\n"
        )
        index += 1
    return head + "".join(body)


def workspace(root: Path, scripts: int) -> list[Path]:
    (root / "model").mkdir(parents=True)
    (root / "model" / "model.pkl").write_bytes(b"x")
    (root / "src").mkdir()
    (root / "conda.yml").write_text(CONDA)
    paths = []
    for i in range(scripts):
        name = f"score_{i}.py"
        (root / "src" / name).write_text(long_script(60).replace("import numpy", "import numpy\nimport cv2"))
        (root / f"deployment-{i}.yml").write_text(deployment(f"d{i}", name))
        paths.append(root / "src" / name)
    return paths


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def edit_latency(edits: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        workspace(root, 0)
        (root / "deployment.yml").write_text(deployment("blue", "score.py"))
        script = root / "src" / "score.py"
        text = long_script(1000)
        script.write_text(text)
        client = Client(SERVER, cwd=root)
        client.initialize(root, {"scanWorkspace": False})
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": (root / "deployment.yml").as_uri(),
                    "languageId": "yaml",
                    "version": 1,
                    "text": (root / "deployment.yml").read_text(),
                }
            },
        )
        latencies = edit_latencies(client, script, text, "python", edits, lambda text, n: text.replace("scale=0)", f"scale={n})"))
        client.close()
        return latencies


def recheck_after_conda_edit(scripts: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = workspace(root, scripts)
        client = Client(SERVER, cwd=root)
        client.initialize(root, {"scanWorkspace": True})
        uris = {p.as_uri() for p in paths}
        waiting = set(uris)
        while waiting:  # the scan: every script reports its missing cv2
            _, message = client.notifications.get(timeout=120)
            if message.get("method") == "textDocument/publishDiagnostics":
                waiting.discard(message["params"]["uri"])
        time.sleep(0.5)
        client.drain()
        conda = root / "conda.yml"
        client.notify(
            "textDocument/didOpen", {"textDocument": {"uri": conda.as_uri(), "languageId": "yaml", "version": 1, "text": conda.read_text()}}
        )
        client.wait_for_diagnostics(conda.as_uri())
        time.sleep(1.0)  # opening re-checks the scripts too; nothing changes for them, so nothing is sent
        client.drain()
        sent = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": conda.as_uri(), "version": 2}, "contentChanges": [{"text": CONDA + "    - opencv-python\n"}]},
        )
        waiting, last = set(uris), sent
        while waiting:
            received, message = client.notifications.get(timeout=120)
            params = message.get("params", {})
            if message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") in waiting:
                assert params["diagnostics"] == [], "the edit should clear every script's warning"
                waiting.discard(params["uri"])
                last = received
        client.close()
        return last - sent, len(uris)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--scripts", type=int, default=200)
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    latencies = edit_latency(args.edits)
    seconds, count = recheck_after_conda_edit(args.scripts)
    publish(
        "linter",
        [
            "| measurement | result | target |",
            "|---|---|---|",
            f"| 1,000-line script, didChange to publishDiagnostics, p50 / p95 over {args.edits} edits | "
            f"{percentile(latencies, 50):.1f} / {percentile(latencies, 95):.1f} ms | p95 under 30 ms |",
            f"| conda-file edit to the last of {count} scripts re-published | {seconds:.2f} s | under 2 s |",
        ],
        args.update_readme,
    )


if __name__ == "__main__":
    main()
