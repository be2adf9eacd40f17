"""The remote dashboard's side of a 100 000-task snapshot (issue 12): compact rows kept as tuples, beside the same
snapshot built into TaskRows (how the client read it before).

One engine (``ClusterShape.large()``, ``populate``: 100 000 tasks) serves its compact body the way
``schedtop serve`` does (``engine.http.compact_body``); the client side is timed as the app runs it, headless
(``App.run_test``, 160×48, internal tasks shown so every task is a line): decode the body, ``ClientModel.apply``,
``TaskView.update``, the next frame — for the first, full snapshot and for deltas with ~1 % of the tasks changed.
Each form runs in its own process (``python -m bench.remote_rows --json --form compact|rows``) so neither sees
the other's memory; the RSS is the client's data alone (the engine is built in that process too, so its own RSS
is read before and subtracted).
"""

from __future__ import annotations

import asyncio
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .large_cluster import update_view
from .report import Figure

ROOT = Path(__file__).resolve().parent.parent
TASKS = 100_000
SIZE = (160, 48)


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


async def _measure(form: str, ticks: int) -> dict[str, Any]:
    from textual.app import App, ComposeResult

    from app.client_model import ClientModel
    from app.sources.wire_schedtop import compact_from_body, snapshot_from_compact
    from engine.clock import ManualClock
    from engine.engine import Engine, EngineConfig
    from engine.heap import give_back_free_memory
    from engine.http.compact_body import CompactBodies
    from engine.scenarios import populate
    from engine.sim.cluster import ClusterShape
    from widgets.task_view import TaskView

    decode = compact_from_body if form == "compact" else snapshot_from_compact
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="schedtop-remote-") as folder:
        engine = await Engine.open(
            EngineConfig(
                db_path=Path(folder) / "large.db",
                clock=ManualClock(),
                autorun=False,
                failure_rate=0.0,
                supervisor=False,
                shape=ClusterShape.large(),
                workers_per_idc=240,
                prepare_per_step=1000,
            )
        )
        try:
            populate(engine, TASKS)
            bodies = CompactBodies()
            first_body = bodies.body(engine.snapshot(0))
            revision = engine.snapshot(0).revision
            deltas = []
            for _ in range(6 + ticks):
                await engine.advance(1)
                delta = engine.snapshot(revision)
                deltas.append(bodies.body(delta))
                revision = delta.revision
            del bodies
            gc.collect()

            class RemoteView(App[None]):
                def compose(self) -> ComposeResult:
                    yield TaskView(show_ids=True, id="tasks")

            model = ClientModel(keep_gone=True)
            async with RemoteView().run_test(size=SIZE) as pilot:
                view = pilot.app.query_one(TaskView)
                view.set_show_internal(True)
                await pilot.pause()
                give_back_free_memory()
                out["rss_before"] = rss_mib()

                async def feed(body: bytes) -> tuple[float, float, float, float]:
                    t0 = time.perf_counter()
                    snapshot = decode(body)
                    t1 = time.perf_counter()
                    changes = model.apply(snapshot)
                    t2 = time.perf_counter()
                    update_view(view, model, changes, snapshot)
                    t3 = time.perf_counter()
                    await pilot._wait_for_screen()
                    pilot.app.screen._on_timer_update()
                    t4 = time.perf_counter()
                    return (t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000, (t4 - t3) * 1000

                out["first"] = await feed(first_body)
                out["lines"] = view.line_count
                del first_body
                gc.collect()
                give_back_free_memory()
                out["rss_first"] = rss_mib()
                for body in deltas[:6]:  # warm: migrations in flight
                    await feed(body)
                out["ticks"] = [await feed(body) for body in deltas[6:]]
                out["delta_rows"] = statistics.median(len(json.loads(body)["task_rows"]) for body in deltas[6:])
        finally:
            await engine.close()
    return out


def _run(form: str, ticks: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.remote_rows", "--json", "--form", form, "--ticks", str(ticks)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _parts(out: dict[str, Any], key: str) -> list[float]:
    """(decode, apply, update, frame) ms of the first snapshot, or the median of each over the ticks."""
    if key == "first":
        return list(out[key])
    return [statistics.median(parts[i] for parts in out[key]) for i in range(4)]


def remote_rows(quick: bool) -> list[Figure]:
    ticks = 5 if quick else 15
    compact, rows = _run("compact", ticks), _run("rows", ticks)
    figures = []
    for name, key in (("first, full snapshot", "first"), ("tick, ~1 % changed", "ticks")):
        mine, base = _parts(compact, key), _parts(rows, key)
        figure = Figure(f"remote client: {name}, 100k tasks", sum(mine), "ms", baseline=sum(base))
        figure.baseline_name = "the same as TaskRows"
        figure.note = (
            f"decode {mine[0]:.1f} + model apply {mine[1]:.1f} + TaskView.update {mine[2]:.1f} + frame {mine[3]:.1f}"
            f" ms (as TaskRows: {base[0]:.1f} + {base[1]:.1f} + {base[2]:.1f} + {base[3]:.1f})"
        )
        if key == "ticks":
            figure.note += f"; median of {ticks} ticks of ~{compact['delta_rows']:.0f} changed rows"
        figures.append(figure)
    memory = Figure(
        "remote client: rows + index, 100k tasks",
        compact["rss_first"] - compact["rss_before"],
        "MiB",
        baseline=rows["rss_first"] - rows["rss_before"],
        baseline_name="the same as TaskRows",
        note="RSS after the first render minus before the first snapshot (parse peak handed back to the system)",
    )
    figures.append(memory)
    return figures


def main(argv: list[str]) -> int:
    ticks = int(argv[argv.index("--ticks") + 1]) if "--ticks" in argv else 15
    form = argv[argv.index("--form") + 1] if "--form" in argv else "compact"
    out = asyncio.run(_measure(form, ticks))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
