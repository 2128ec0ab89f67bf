"""Issue 4 benchmark: registering a 2 GB model, against `cp` of the same file in the same run,
with the registering process's peak memory.

    python benchmarks/bench_registry.py [--size-gb 2] [--update-readme]

Two files: a sparse one (all holes: `cp` copies it without reading, so `cp --sparse=never`,
which reads and writes every byte as the registry must, is shown too) and a dense one (random
content, which is what a real model looks like).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme import publish

REPEATS = 6


def round_robin_medians(runs: list[tuple[list[str], object]]) -> list[tuple[float, float]]:
    """(median seconds, highest peak MB) of REPEATS runs of each (command, cleanup), taken in rounds with
    every command once per round and the order rotated from round to round. This machine's disk
    slows down after a few 2 GB writes in a row, so whichever tool runs right after another's
    write pays for it; rotating spreads that over all of them. Each run starts with nothing dirty
    in the page cache: a run that starts behind another's unflushed 2 GB can take five times longer."""
    results: list[list[tuple[float, float]]] = [[] for _ in runs]
    for round_number in range(REPEATS):
        for step in range(len(runs)):
            index = (round_number + step) % len(runs)
            command, cleanup = runs[index]
            os.sync()
            results[index].append(timed(command))
            cleanup()
    return [(statistics.median(s for s, _ in r), max(peak for _, peak in r)) for r in results]


def timed(command: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB) of one child process. The peak is the kernel's high-water mark
    of the program itself (VmHWM, which starts afresh at exec), sampled until it exits; the rusage
    of a child forked from this Python would count the parent's memory too."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_kb = 0
    while process.poll() is None:
        peak_kb = max(peak_kb, _high_water_kb(process.pid))
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {process.stderr.read().decode()[-500:]}")
    return elapsed, peak_kb / 1024


def _high_water_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def make_files(folder: Path, size: int) -> dict[str, Path]:
    sparse = folder / "sparse.bin"
    with open(sparse, "wb") as handle:
        handle.truncate(size)
    dense = folder / "dense.bin"
    block = os.urandom(64 * 1024 * 1024)
    with open(dense, "wb") as handle:
        for offset in range(0, size, len(block)):
            handle.write(block[: min(len(block), size - offset)])
        handle.flush()
        os.fsync(handle.fileno())
    return {"sparse": sparse, "dense": dense}


def measure(files: dict[str, Path], scratch: Path) -> list[tuple]:
    rows = []
    copy = scratch / "copy.bin"
    registry = scratch / "registry"
    for label, source in files.items():
        size_gb = source.stat().st_size / 2**30
        tools = [("cp", ["cp", str(source), str(copy)]),
                 # the registry fsyncs before it records a version; this is the same durability
                 ("cp, then sync of the copy", ["sh", "-c", f"cp '{source}' '{copy}' && sync '{copy}'"])]
        if label == "sparse":
            tools.append(("cp --sparse=never, then sync",
                          ["sh", "-c", f"cp --sparse=never '{source}' '{copy}' && sync '{copy}'"]))
        tools.append(("aml-deploy model create",
                      [sys.executable, "-m", "aml_deploy", "model", "--registry", str(registry), "create",
                       "--name", label, "--path", str(source)]))
        cleanups = [copy.unlink] * (len(tools) - 1) + [lambda: shutil.rmtree(registry)]
        medians = round_robin_medians([(command, cleanup) for (_, command), cleanup in zip(tools, cleanups)])
        baselines = [seconds for seconds, _ in medians[:-1]]
        for (name, _), (seconds, peak) in zip(tools, medians):
            # the last cp row is the like-for-like one: durable, and every byte written
            ratio = (seconds / baselines[0], seconds / baselines[-1]) if name.startswith("aml-deploy") else None
            rows.append((label, name, seconds, size_gb / seconds, peak, ratio))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-gb", type=float, default=2.0)
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("AML_DEPLOY_BENCH_DIR")) as tmp:
        scratch = Path(tmp)
        files = make_files(scratch, int(args.size_gb * 2**30))
        rows = measure(files, scratch)
    lines = ["| file | tool | seconds | GB/s | peak RSS (MB) | time vs cp / vs the last cp row |", "|---|---|---|---|---|---|"]
    for label, tool, seconds, rate, peak, ratio in rows:
        lines.append(f"| {args.size_gb:g} GB {label} | {tool} | {seconds:.2f} | {rate:.2f} | {peak:.0f} | "
                     f"{'' if ratio is None else f'{ratio[0]:.2f}x / {ratio[1]:.2f}x'} |")
    publish("registry", lines, args.update_readme)


if __name__ == "__main__":
    main()
