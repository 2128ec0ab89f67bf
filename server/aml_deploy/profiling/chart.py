"""Latency and throughput against concurrency, drawn with matplotlib: an optional dependency
(pip install 'aml-deploy[charts]'); without it a profile has no chart and says how to get one."""

from __future__ import annotations

import io

from .report import Profile

INSTALL_HINT = (
    "For a chart of latency and throughput, install the charts extra: pip install 'aml-deploy[charts]' "
    "(in the editor: pip install matplotlib for the Python that runs the language server, then restart it)."
)
LATENCIES = (("p50", "-"), ("p90", "--"), ("p99", "-."), ("p99.9", ":"))


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def render(profile: Profile, image_format: str = "png") -> bytes | None:
    """The chart as PNG or SVG bytes; None without matplotlib or without levels."""
    if not available() or not profile.levels:
        return None
    from matplotlib.figure import Figure  # no pyplot: no global state, safe on a worker thread

    levels = profile.levels
    x = [level.concurrency for level in levels]
    figure = Figure(figsize=(8, 6), dpi=100, layout="constrained")
    latency, throughput = figure.subplots(2, 1, sharex=True)
    for name, style in LATENCIES:
        values = [level.latency_ms.get(name) for level in levels]
        latency.plot(x, [float("nan") if v is None else v for v in values], style, marker="o", label=name)
    latency.set_ylabel("latency (ms)")
    latency.legend(loc="upper left")
    latency.set_title(f"{profile.endpoint}/{profile.deployment}: latency and throughput by concurrency")
    throughput.plot(x, [level.throughput for level in levels], "-", marker="o", color="tab:green", label="answered req/s")
    failed = [level.errors / level.seconds for level in levels]
    if any(failed):
        throughput.plot(x, failed, "-", marker="x", color="tab:red", label="failed req/s")
    throughput.set_ylabel("requests per second")
    throughput.set_xlabel("concurrent requests")
    throughput.legend(loc="upper left")
    throughput.set_xscale("log", base=2)
    throughput.set_xticks(x, [str(c) for c in x])
    for axes in (latency, throughput):
        axes.grid(True, alpha=0.3)
        if profile.knee is not None:
            axes.axvline(profile.knee, color="grey", linestyle="--", linewidth=1)
    throughput.annotate(
        f"knee: {profile.knee}" if profile.knee else "",
        xy=(profile.knee or x[0], 0),
        xycoords=("data", "axes fraction"),
        xytext=(4, 4),
        textcoords="offset points",
        color="grey",
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format)
    return buffer.getvalue()
