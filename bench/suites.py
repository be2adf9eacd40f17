"""The benchmark suites of issue 5, each returning figures measured side by side with their baselines."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from .engine_throughput import engine_throughput
from .http_latency import http_latency
from .large_cluster import large_cluster
from .launch import launch_figures
from .polite_client import polite_client
from .recording import recording_figures
from .remote_rows import remote_rows
from .report import Figure, median
from .terminal import live_cpu_percent, startup_seconds

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_APPS = ROOT.parent / "shared" / "bench" / "reference_apps.py"
PYTHON = sys.executable
SCHEDTOP = [str(Path(PYTHON).parent / "schedtop"), "--seed", "7"]
SCHEDTOP_MARKER = "disk_repair"
"""On screen once the main screen is drawn (a stats panel's title)."""
FULL_FRAME = ("RUNNING", "doing ", "blob_delete consumer", "shard_repair consumer")
"""Issue 12's first full frame of the demo (seed 7): the supervisor's state in the header, the stats panels' counts
and the task rows with their progress — the demo's first snapshot has the two consumers' tasks and nothing else."""
STARTUP_TARGET = 1.5
LIVE_CPU_TARGET = 0.3


def _reference(kind: str) -> list[str] | None:
    return [PYTHON, str(REFERENCE_APPS), kind] if REFERENCE_APPS.exists() else None


def _missing_reference_note() -> str:
    return f"reference apps not found at {REFERENCE_APPS}; measured schedtop alone"


def _compile_sources() -> None:
    """Byte-compile the project first, as an installed package is: the figure is every start but the very first
    (Python caches the bytecode itself, unless PYTHONDONTWRITEBYTECODE is set, as on some CI machines)."""
    folders = [str(ROOT / name) for name in ("app", "engine", "widgets")]
    subprocess.run([PYTHON, "-m", "compileall", "-q", *folders], check=True)


def startup(quick: bool) -> list[Figure]:
    runs = 3 if quick else 7
    _compile_sources()
    bare_cmd = _reference("bare")
    mine, base = [], []
    for _ in range(runs):  # interleaved, so that both see the same machine load
        mine.append(startup_seconds(SCHEDTOP, FULL_FRAME))
        if bare_cmd:
            base.append(startup_seconds(bare_cmd, "bare"))
    figure = Figure("demo start-up to first full frame", median(mine), "s", runs=[m for m in mine if m is not None])
    figure.note = "full frame: header with the supervisor state, stats panels and task rows with progress"
    if bare_cmd:
        figure.baseline, figure.baseline_name = median(base), "bare"
        figure.target = f"≤ {STARTUP_TARGET:g}× bare"
        figure.met = None if figure.ratio is None else figure.ratio <= STARTUP_TARGET
    else:
        figure.note += "; " + _missing_reference_note()
    return [figure]


def live_cost(quick: bool) -> list[Figure]:
    warmup, window = (3.0, 10.0) if quick else (5.0, 30.0)
    mine, mine_rss = live_cpu_percent([*SCHEDTOP, "--refresh", "1"], SCHEDTOP_MARKER, warmup, window)
    figures = [Figure("live CPU, 1 s refresh, 160×48", mine, "% core")]
    ref_cmd = _reference("dashboard")
    ref_rss = None
    if ref_cmd:
        ref, ref_rss = live_cpu_percent(ref_cmd, "tasks", warmup, window)
        figures[0].baseline, figures[0].baseline_name = ref, "reference dashboard"
        figures[0].target = f"≤ {LIVE_CPU_TARGET:g}× reference"
        figures[0].met = None if figures[0].ratio is None else figures[0].ratio <= LIVE_CPU_TARGET
    else:
        figures[0].note = _missing_reference_note()
    rss = Figure("RSS of the live dashboard + engine", mine_rss, "MiB")
    if ref_rss is not None:
        rss.baseline, rss.baseline_name = ref_rss, "reference dashboard"
        rss.note = "no target in the issue for the demo cluster; the large-cluster RSS has one"
    figures.append(rss)
    return figures


def launch(quick: bool) -> list[Figure]:
    """``schedtop --disks N --tasks N`` (embedded and through ``serve``) to task rows, beside the bare start-up."""
    _compile_sources()
    bare_cmd = _reference("bare")
    figures = launch_figures(quick, (bare_cmd, "bare", "bare") if bare_cmd else None)
    if not bare_cmd:
        for figure in figures:
            figure.note = figure.note or _missing_reference_note()
    return figures


SUITES: dict[str, Callable[[bool], list[Figure]]] = {
    "startup": startup,
    "live": live_cost,
    "engine": engine_throughput,
    "large": large_cluster,
    "http": http_latency,
    "polite": polite_client,
    "launch": launch,
    "record": recording_figures,
    "remote": remote_rows,
}
