"""Engine throughput: task state transitions per second through the task manager, with SQLite persistence on.

A file-backed engine (WAL, in a temporary directory) keeps a steady population of tasks; every tick moves each
live task one step along its life — created → running → one progress update → done (and, with TTL 0, gone) — and
new tasks replace the finished ones. The tick ends with the engine's own flush, so every change is written in one
transaction per tick exactly as the background loop does. Each task carries a real migrate payload (a
``MigrateWork`` for a real chunk), so the store writes what it writes for real migrations.

The headline counts state transitions only (create, start, finish); progress updates and removals are written
too, and the note gives the store rows written per second (upserts plus deletes).
The baseline is the same workload on the engine as first committed (``BASELINE_COMMIT``, unpacked with
``git archive``), run interleaved with the current one so both see the same machine load.
Run alone: ``python -m bench.engine_throughput [--quick] [--profile]``.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .report import Figure

ROOT = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "87438bb"
"""The commit that first added the engine: the baseline run uses its ``engine`` package, before this work."""
BENCH_MODULE = "bench"
POPULATION = 5_000
"""Live tasks; a task lives three ticks (created, started, progressed, then done), so per tick ~5 000 state
transitions, ~1 700 progress updates, ~5 000 rows upserted and ~1 700 deleted."""
TARGET_RATIO = 4.0
"""Issue 12: at least 4× the first engine, both measured in the same run (the machine's speed drifts too much
between sessions for an absolute figure to mean anything)."""


@dataclass
class _Run:
    ticks: int = 0
    transitions: int = 0
    rows: int = 0
    seconds: float = 0.0
    per_tick_ms: list[float] = field(default_factory=list)


async def _measure(ticks: int, population: int, profile: bool = False) -> _Run:
    from engine import persist
    from engine.clock import ManualClock
    from engine.engine import Engine, EngineConfig
    from engine.model import MigrateState
    from engine.taskmanager import Task

    with tempfile.TemporaryDirectory(prefix="schedtop-bench-") as folder:
        clock = ManualClock()
        engine = await Engine.open(
            EngineConfig(
                db_path=Path(folder) / "bench.db",
                clock=clock,
                autorun=False,
                failure_rate=0.0,
                supervisor=False,
                enabled={"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": False},
            )
        )
        try:
            tm = engine.tm
            tm.register_module(BENCH_MODULE)
            vuids = [vuid for volume in engine.cluster.volumes.values() for vuid, _ in volume.units]
            # Enough payloads that none is reused while its previous task is still alive.
            works = [
                engine.migrations.new_work("manual_migrate", vuids[i % len(vuids)], True) for i in range(2 * population)
            ]
            # stage 0: created, 1: running, 2: progressed, then done
            live: list[tuple[Task, int]] = []
            made = 0

            def create() -> Task:
                nonlocal made
                work = works[made % len(works)]
                made += 1
                work.state, work.done_size, work.mtime = MigrateState.INITED, 0, clock.now()
                return tm.create(
                    BENCH_MODULE,
                    "manual_migrate",
                    "chunk",
                    node="10.0.0.1",
                    keyspace=work.source_idc,
                    table=str(work.source_disk_id),
                    entity=work.task_id,
                    user=False,
                    progress_units="bytes",
                    progress_total=work.total_size,
                    work=work,
                )

            def tick(run: _Run) -> None:
                nonlocal live
                began = time.perf_counter()
                with engine.store.transaction():
                    clock.advance(1.0)
                    survivors: list[tuple[Task, int]] = []
                    for task, stage in live:
                        work = task.work
                        work.mtime = clock.now()
                        if stage == 0:
                            work.state = MigrateState.PREPARED
                            tm.start(task)
                            run.transitions += 1
                        elif stage == 1:
                            work.done_size = work.total_size // 2
                            tm.progress(task, work.done_size)
                        else:
                            work.state, work.done_size = MigrateState.FINISHED, work.total_size
                            tm.finish(task)
                            run.transitions += 1
                            continue
                        survivors.append((task, stage + 1))
                    while len(survivors) < population:
                        survivors.append((create(), 0))
                        run.transitions += 1
                    live = survivors
                    tm.expire(clock.now().timestamp())
                    run.rows += len(tm.dirty) + len(tm.dirty_removed)  # what this flush upserts and deletes
                    persist.flush(engine)
                run.per_tick_ms.append((time.perf_counter() - began) * 1000)
                run.ticks += 1

            warm = _Run()
            for _ in range(4):  # fill the pipeline: from here on every tick has tasks at every stage
                tick(warm)
            run = _Run()
            profiler = None
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
            began = time.perf_counter()
            for _ in range(ticks):
                tick(run)
            run.seconds = time.perf_counter() - began
            if profiler is not None:
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=False))
            rows = engine.store.connection.execute("SELECT COUNT(*) FROM tasks WHERE module = ?", (BENCH_MODULE,))
            stored = rows.fetchone()[0]
            if stored != len(tm.modules[BENCH_MODULE]):
                raise RuntimeError(f"the store holds {stored} bench tasks, the task manager {len(live)}")
            return run
        finally:
            await engine.close()


def _one_run(ticks: int, cwd: Path) -> dict[str, float]:
    """One measurement in a fresh interpreter whose ``engine`` package is the one in ``cwd``."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.engine_throughput", "--json", "--ticks", str(ticks)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip()[-1500:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _baseline_engine(folder: Path) -> Path | None:
    """The engine as of BASELINE_COMMIT, unpacked into ``folder`` (None without git or that commit)."""
    try:
        archive = subprocess.run(
            ["git", "archive", BASELINE_COMMIT, "engine"], cwd=ROOT, capture_output=True, check=True, timeout=60
        )
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
    except (OSError, subprocess.SubprocessError, tarfile.TarError):
        return None
    return folder


def engine_throughput(quick: bool) -> list[Figure]:
    repeats, ticks = (3, 10) if quick else (5, 30)
    with tempfile.TemporaryDirectory(prefix="schedtop-baseline-") as folder:
        baseline_root = _baseline_engine(Path(folder))
        runs, baseline_runs = [], []
        for _ in range(repeats):  # interleaved, so that both see the same machine load
            runs.append(_one_run(ticks, ROOT))
            if baseline_root is not None:
                try:
                    baseline_runs.append(_one_run(ticks, baseline_root))
                except RuntimeError as error:
                    print(f"   engine baseline failed: {error}", file=sys.stderr)
                    baseline_root = None
    rates = [r["transitions"] / r["seconds"] for r in runs]
    row_rates = [r["rows"] / r["seconds"] for r in runs]
    tick_ms = statistics.median(r["tick_ms"] for r in runs)
    figure = Figure("engine: task state transitions/s (SQLite, 1 txn/tick)", statistics.median(rates), "/s", runs=rates)
    figure.target = f"≥ {TARGET_RATIO:g}× first engine"
    figure.note = (
        f"median of {repeats} runs × {ticks} ticks, {POPULATION} live tasks; median tick {tick_ms:.0f} ms incl. its "
        f"transaction; store rows written (upserts + deletes) {statistics.median(row_rates):,.0f}/s"
    )
    if baseline_runs:
        figure.baseline = statistics.median(r["transitions"] / r["seconds"] for r in baseline_runs)
        figure.baseline_name = f"engine @{BASELINE_COMMIT}"
        figure.note += f"; baseline: the same run on the engine as first committed ({BASELINE_COMMIT})"
        figure.met = figure.ratio is not None and figure.ratio >= TARGET_RATIO
    else:
        figure.note += f"; baseline engine ({BASELINE_COMMIT}) unavailable (needs git and that commit): no verdict"
    return [figure]


def main(argv: list[str]) -> int:
    ticks = int(argv[argv.index("--ticks") + 1]) if "--ticks" in argv else 30
    if "--json" in argv:
        run = asyncio.run(_measure(ticks, POPULATION))
        tick_ms = statistics.median(run.per_tick_ms)
        print(
            json.dumps({"transitions": run.transitions, "rows": run.rows, "seconds": run.seconds, "tick_ms": tick_ms})
        )
        return 0
    if "--profile" in argv:
        asyncio.run(_measure(20, POPULATION, profile=True))
    for f in engine_throughput(quick="--quick" in argv):
        print(f"{f.name}: {f.value:,.0f} {f.unit} (baseline {f.baseline or 0:,.0f}) {f.note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
