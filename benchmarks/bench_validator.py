"""Issue 2 benchmark: the validating language server against Red Hat's yaml-language-server,
driven by the same client in the same run, plus the CLI against check-jsonschema.

    python benchmarks/bench_validator.py [--edits 200] [--update-readme]

Needs: the project installed (`pip install -e .`), `npm ci` in benchmarks/ (yaml-language-server),
`pip install check-jsonschema`, and ../shared/corpus for the corpus rows.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_client import Client, edit_latencies
from readme import publish

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCHEMAS = ROOT / "schemas"
CORPUS = ROOT.parent / "shared" / "corpus"
YAML_LS = HERE / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
SAMPLE = ROOT / "test-fixtures" / "sample" / "blue-deployment.yml"


def servers(workspace: Path) -> dict[str, dict]:
    schema_uri = (SCHEMAS / "managedOnlineDeployment.schema.json").as_uri()
    yaml_settings = {
        "yaml": {
            "validate": True,
            "hover": True,
            "completion": True,
            "schemaStore": {"enable": False},
            "schemas": {schema_uri: ["*.yml", "*.yaml"]},
        }
    }
    return {
        "aml-deploy": {
            "command": [sys.executable, "-m", "aml_deploy", "lsp"],
            "options": {"scanWorkspace": False},
            "configuration": None,
            "settings": None,
        },
        "yaml-language-server": {
            "command": ["node", str(YAML_LS), "--stdio"],
            "options": {},
            "configuration": lambda params: [yaml_settings.get(item.get("section", ""), yaml_settings) for item in params.get("items", [])],
            "settings": yaml_settings,
        },
    }


def start(spec: dict, workspace: Path) -> tuple[Client, float]:
    client = Client(spec["command"], cwd=workspace, configuration=spec["configuration"])
    elapsed = client.initialize(workspace, spec["options"])
    if spec["settings"]:
        client.notify("workspace/didChangeConfiguration", {"settings": spec["settings"]})
    return client, elapsed


def typical_text() -> str:
    # Without the $schema line: yaml-language-server would try to download the URL; our server
    # recognises the file by its content and yaml-language-server gets the schema by file name.
    return "".join(line for line in SAMPLE.read_text().splitlines(True) if not line.startswith("$schema"))


def long_text(lines: int = 2000) -> str:
    base = typical_text()
    extra = lines - base.count("\n") - 1
    variables = "".join(f"  SETTING_{i}: value-{i}\n" for i in range(extra))
    return base + "environment_variables:\n" + variables


def edit_latency(client: Client, path: Path, text: str, edits: int) -> list[float]:
    return edit_latencies(
        client, path, text, "yaml", edits, lambda text, n: text.replace("instance_count: 1", f"instance_count: {n % 7 + 1}")
    )


def corpus_memory(client: Client) -> tuple[float, int]:
    files = [p for p in sorted(CORPUS.rglob("*")) if p.suffix.lower() in (".yml", ".yaml", ".json")]
    for path in files:
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": path.as_uri(),
                    "languageId": "json" if path.suffix == ".json" else "yaml",
                    "version": 1,
                    "text": path.read_text(errors="replace"),
                }
            },
        )
    # Wait until the server has gone quiet for a second (every file answered).
    quiet_since = time.perf_counter()
    while time.perf_counter() - quiet_since < 1.0:
        try:
            client.notifications.get(timeout=0.2)
            quiet_since = time.perf_counter()
        except Exception:  # noqa: BLE001 - queue.Empty
            pass
    return client.rss_mb(), len(files)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def cli_against_check_jsonschema() -> list[tuple[str, float, str]]:
    from aml_deploy.checking import check_paths

    rows = []
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aml_deploy", "validate", "--format", "json", str(CORPUS)], capture_output=True, check=False)
    ours = time.perf_counter() - started
    results = check_paths([CORPUS])
    by_kind: dict[str, list[str]] = defaultdict(list)
    for result in results:
        if result.kind is not None:
            by_kind[result.kind.value].append(str(result.path))
    checked = sum(len(v) for v in by_kind.values())
    rows.append(("aml-deploy validate (schema + every rule)", ours, f"{checked} files, one process"))
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    if not Path(tool).exists():
        rows.append(("check-jsonschema", float("nan"), "not installed (pip install check-jsonschema)"))
        return rows
    started = time.perf_counter()
    for kind, files in by_kind.items():
        subprocess.run([tool, "--schemafile", str(SCHEMAS / f"{kind}.schema.json"), *files], capture_output=True, check=False)
    theirs = time.perf_counter() - started
    rows.append(("check-jsonschema, same files, our schemas (schema only)", theirs, f"{len(by_kind)} runs, one per kind"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()

    lines = [
        "| server | typical edit p50 / p95 (ms) | 2,000-line edit p50 / p95 (ms) | start to initialize (ms, median) | RSS after corpus (MB) |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp)
        for name, spec in servers(workspace).items():
            if name == "yaml-language-server" and not YAML_LS.exists():
                lines.append(f"| {name} | not installed (npm ci in benchmarks/) | | | |")
                continue
            starts = []
            for _ in range(args.starts):
                client, elapsed = start(spec, workspace)
                starts.append(elapsed * 1000)
                client.close()
            client, _ = start(spec, workspace)
            typical = edit_latency(client, workspace / "deployment.yml", typical_text(), args.edits)
            long = edit_latency(client, workspace / "long-deployment.yml", long_text(), max(args.edits // 4, 20))
            memory, count = corpus_memory(client) if CORPUS.exists() else (float("nan"), 0)
            client.close()
            lines.append(
                f"| {name} | {percentile(typical, 50):.1f} / {percentile(typical, 95):.1f} "
                f"| {percentile(long, 50):.1f} / {percentile(long, 95):.1f} "
                f"| {statistics.median(starts):.0f} | {memory:.0f} ({count} files) |"
            )
    lines += ["", "| corpus through a command line | seconds | notes |", "|---|---|---|"]
    if CORPUS.exists():
        for label, seconds, note in cli_against_check_jsonschema():
            lines.append(f"| {label} | {seconds:.2f} | {note} |")
    publish("validator", lines, args.update_readme)


if __name__ == "__main__":
    main()
