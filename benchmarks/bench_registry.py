"""Issue 4 and issue 10 benchmark: registering a 2 GB model, and a folder of many tiny files, against
`cp` of the same in the same run, with the registering process's peak memory.

    python benchmarks/bench_registry.py [--size-gb 2] [--small-files 10000] [--update-readme]

Two files: a sparse one (all holes: `cp` copies it without reading, so `cp --sparse=never`,
which reads and writes every byte as the registry must, is shown too) and a dense one (random
content, which is what a real model looks like). Then a folder of 10,000 files of a few bytes each
(issue 10: a tokenizer's vocabulary split into files, say), against `cp -r` and `cp -r` + `sync`.
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


def round_robin_medians(runs: list[tuple[list[str], object]], repeats: int = REPEATS) -> list[tuple[float, float]]:
    """(median seconds, highest peak MB) of `repeats` runs of each (command, cleanup), taken in rounds with
    every command once per round and the order rotated from round to round. This machine's disk
    slows down after a few 2 GB writes in a row, so whichever tool runs right after another's
    write pays for it; rotating spreads that over all of them. Each run starts with nothing dirty
    in the page cache: a run that starts behind another's unflushed 2 GB can take five times longer."""
    results: list[list[tuple[float, float]]] = [[] for _ in runs]
    for round_number in range(repeats):
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


def measure(files: dict[str, Path], scratch: Path, repeats: int) -> list[tuple]:
    rows = []
    copy = scratch / "copy.bin"
    registry = scratch / "registry"
    for label, source in files.items():
        size_gb = source.stat().st_size / 2**30
        tools = [
            ("cp", ["cp", str(source), str(copy)]),
            # the registry fsyncs before it records a version; this is the same durability
            ("cp, then sync of the copy", ["sh", "-c", f"cp '{source}' '{copy}' && sync '{copy}'"]),
        ]
        if label == "sparse":
            tools.append(("cp --sparse=never, then sync", ["sh", "-c", f"cp --sparse=never '{source}' '{copy}' && sync '{copy}'"]))
        tools.append(
            (
                "aml-deploy model create",
                [
                    sys.executable,
                    "-m",
                    "aml_deploy",
                    "model",
                    "--registry",
                    str(registry),
                    "create",
                    "--name",
                    label,
                    "--path",
                    str(source),
                ],
            )
        )
        cleanups = [copy.unlink] * (len(tools) - 1) + [lambda: shutil.rmtree(registry)]
        medians = round_robin_medians([(command, cleanup) for (_, command), cleanup in zip(tools, cleanups)], repeats)
        baselines = [seconds for seconds, _ in medians[:-1]]
        for (name, _), (seconds, peak) in zip(tools, medians):
            # the last cp row is the like-for-like one: durable, and every byte written
            ratio = (seconds / baselines[0], seconds / baselines[-1]) if name.startswith("aml-deploy") else None
            rows.append((label, name, seconds, size_gb / seconds, peak, ratio))
    return rows


def make_small_files(folder: Path, count: int) -> Path:
    """`count` files of a few bytes each (their own number), 100 to a subfolder."""
    root = folder / "vocabulary"
    for index in range(count):
        path = root / f"part-{index // 100:03d}" / f"token-{index:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(index))
    os.sync()
    return root


def measure_small(source: Path, scratch: Path, repeats: int) -> list[tuple]:
    copy, registry = scratch / "copy", scratch / "registry-small"
    tools = [
        ("cp -r", ["cp", "-r", str(source), str(copy)]),
        ("cp -r, then sync", ["sh", "-c", f"cp -r '{source}' '{copy}' && sync"]),
        (
            "aml-deploy model create",
            [
                sys.executable,
                "-m",
                "aml_deploy",
                "model",
                "--registry",
                str(registry),
                "create",
                "--name",
                "vocabulary",
                "--path",
                str(source),
            ],
        ),
    ]
    cleanups = [lambda: shutil.rmtree(copy)] * 2 + [lambda: shutil.rmtree(registry)]
    medians = round_robin_medians([(command, cleanup) for (_, command), cleanup in zip(tools, cleanups)], repeats)
    durable_cp = medians[1][0]
    return [
        (name, seconds, peak, seconds / durable_cp if name.startswith("aml-deploy") else None)
        for (name, _), (seconds, peak) in zip(tools, medians)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-gb", type=float, default=2.0)
    parser.add_argument("--small-files", type=int, default=10_000)
    parser.add_argument("--only", choices=("large", "small"), help="measure one of the two (no README update)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="rounds of every tool (default %(default)s)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    lines: list[str] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("AML_DEPLOY_BENCH_DIR")) as tmp:
        scratch = Path(tmp)
        if args.only != "small":
            files = make_files(scratch, int(args.size_gb * 2**30))
            rows = measure(files, scratch, args.repeats)
            for path in files.values():
                path.unlink()
            lines += ["| file | tool | seconds | GB/s | peak RSS (MB) | time vs cp / vs the last cp row |", "|---|---|---|---|---|---|"]
            for label, tool, seconds, rate, peak, ratio in rows:
                lines.append(
                    f"| {args.size_gb:g} GB {label} | {tool} | {seconds:.2f} | {rate:.2f} | {peak:.0f} | "
                    f"{'' if ratio is None else f'{ratio[0]:.2f}x / {ratio[1]:.2f}x'} |"
                )
        if args.only != "large":
            source = make_small_files(scratch, args.small_files)
            total = sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
            lines += [
                "",
                f"| {args.small_files:,} files, {total / 1024:.0f} KB in all | seconds | files/s | "
                "peak RSS (MB) | time vs cp -r, then sync |",
                "|---|---|---|---|---|",
            ]
            for tool, seconds, peak, ratio in measure_small(source, scratch, args.repeats):
                lines.append(
                    f"| {tool} | {seconds:.2f} | {args.small_files / seconds:,.0f} | {peak:.0f} | "
                    f"{'' if ratio is None else f'{ratio:.2f}x'} |"
                )
    while lines and not lines[0]:
        lines.pop(0)
    publish("registry", lines, args.update_readme and not args.only)


if __name__ == "__main__":
    main()
