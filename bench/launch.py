"""Launch figures of the large case (issue 12): ``schedtop --disks N --tasks N`` from the command line to task rows.

Each is measured in tmux as a person runs it (:mod:`bench.terminal`): process start → the first frame that shows a
task row (the app starts on the tasks screen, ``--screen tasks``, and a row is the only place ``▶`` is followed by
the row indentation), then the resident memory of the app at that moment. The three cases:

- ``schedtop --disks 10000 --tasks 100000`` (engine embedded): ≤ 3 s, RSS ≤ 200 MiB;
- ``schedtop --connect URL`` to ``schedtop serve --disks 10000 --tasks 100000`` (the server is started first and
  waited for on ``/api/health``, so its own start is not counted): ≤ 3 s, client RSS ≤ 150 MiB;
- ``schedtop --disks 50000 --tasks 1000000``: ≤ 15 s, RSS ≤ 1 GiB — only in a full run (``--quick`` skips it).

The baseline beside each is the bare app's start-up (the reference ``bare`` app), or the demo's own launch to its
first task row when the reference apps are absent.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from .report import Figure, median
from .terminal import TmuxApp, rss_mib

ROOT = Path(__file__).resolve().parent.parent
SCHEDTOP = str(Path(sys.executable).parent / "schedtop")
ROW_MARKER = "▶    "
"""A collapsed task row: the tree's arrow, then the row's indentation (group headers have ``▼ ``, the detail
pane's title ``▶ `` with one space)."""
LAUNCH_TIMEOUT = 180.0
"""The longest wait for task rows; a case allows 20 times its target if that is longer."""


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    disks: int
    tasks: int
    seconds_target: float
    rss_target_mib: float
    remote: bool = False
    full_only: bool = False


CASES = (
    Case("10 000 disks, 100 000 tasks", 10_000, 100_000, 3.0, 200.0),
    Case("--connect to serve, 10 000 disks, 100 000 tasks", 10_000, 100_000, 3.0, 150.0, remote=True),
    Case("50 000 disks, 1 000 000 tasks", 50_000, 1_000_000, 15.0, 1024.0, full_only=True),
)


def to_rows(
    command: list[str], marker: str = ROW_MARKER, timeout: float = LAUNCH_TIMEOUT
) -> tuple[float | None, float | None]:
    """(process start → first frame showing ``marker`` in seconds, RSS of the app then in MiB); None on timeout."""
    began = time.perf_counter()
    app = TmuxApp.start(command)
    try:
        seen = app.wait_for(marker, timeout=timeout)
        if seen is None:
            return None, None
        seconds = time.perf_counter() - began
        return seconds, rss_mib(app.pid)
    finally:
        app.stop()


@contextmanager
def served(disks: int, tasks: int, timeout: float = LAUNCH_TIMEOUT) -> Iterator[str]:
    """``schedtop serve --disks --tasks`` on a free port, answering ``/api/health``; yields its URL."""
    wave = ["--disks", str(disks), "--tasks", str(tasks)]
    process = subprocess.Popen(
        [SCHEDTOP, "serve", "--port", "0", "--seed", "7", "--demo", "--speed", "30", *wave],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        found = re.search(r"listening on (http://\S+)", line)
        if found is None:
            raise RuntimeError(f"schedtop serve did not start: {line!r}")
        url = found.group(1)
        deadline = time.monotonic() + timeout
        while httpx.get(f"{url}/api/health", timeout=timeout).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("schedtop serve never answered /api/health")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _timeout(case: Case) -> float:
    return max(LAUNCH_TIMEOUT, 20 * case.seconds_target)


def _measure(case: Case, runs: int) -> tuple[list[float | None], list[float | None]]:
    seconds: list[float | None] = []
    rss: list[float | None] = []
    if case.remote:
        with served(case.disks, case.tasks, _timeout(case)) as url:
            for _ in range(runs):
                took, mib = to_rows([SCHEDTOP, "--connect", url, "--screen", "tasks"], timeout=_timeout(case))
                seconds.append(took)
                rss.append(mib)
        return seconds, rss
    command = [SCHEDTOP, "--seed", "7", "--disks", str(case.disks), "--tasks", str(case.tasks), "--screen", "tasks"]
    for _ in range(runs):
        took, mib = to_rows(command, timeout=_timeout(case))
        seconds.append(took)
        rss.append(mib)
    return seconds, rss


def launch_figures(quick: bool, baseline: tuple[list[str], str, str] | None) -> list[Figure]:
    """Every case's launch → rows and RSS figures; ``baseline`` is (command, marker, name) of the bare start-up,
    None to use the demo's own launch to its first task row."""
    runs = 1 if quick else 3
    if baseline is None:
        baseline = ([SCHEDTOP, "--seed", "7", "--screen", "tasks"], ROW_MARKER, "demo launch → rows")
    base_cmd, base_marker, base_name = baseline
    base_runs = [to_rows(base_cmd, base_marker, timeout=30.0) for _ in range(max(runs, 3))]
    base_s = median([s for s, _ in base_runs])
    base_rss = median([r for _, r in base_runs])
    figures: list[Figure] = []
    for case in CASES:
        if case.full_only and quick:
            figures.append(
                Figure(
                    f"launch → task rows, {case.name}", None, "s", note="skipped in --quick (a full run measures it)"
                )
            )
            continue
        seconds, rss = _measure(case, 1 if case.full_only else runs)
        took, mib = median(seconds), median(rss)
        timing = Figure(
            f"launch → task rows, {case.name}",
            took,
            "s",
            baseline=base_s,
            baseline_name=base_name,
            target=f"≤ {case.seconds_target:g} s",
            met=None if took is None else took <= case.seconds_target,
            runs=[s for s in seconds if s is not None],
        )
        if took is None:
            timing.note = f"no task row on screen within {_timeout(case):g} s"
        memory = Figure(
            f"RSS at task rows, {case.name}" + (" (client)" if case.remote else ""),
            mib,
            "MiB",
            baseline=base_rss,
            baseline_name=base_name,
            target=f"≤ {case.rss_target_mib:g} MiB",
            met=None if mib is None else mib <= case.rss_target_mib,
            runs=[r for r in rss if r is not None],
        )
        figures += [timing, memory]
    return figures
