"""Fault-test helpers: an engine process with migrations and scheduled jobs in flight, and read-only store views.

``python -m tests.faults_support --db F [--migrations 100] [--speed 60]`` opens (or reopens) an engine on ``F``
with a real clock and the background loop; on a fresh store it schedules two supervisor jobs and queues manual
migrations of ``--migrations`` distinct chunks (at speed 60 some finish within a second). It prints
``READY <unfinished migrations>`` and runs until SIGTERM (then closes cleanly) or until it is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig

QUIET = {"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": True}
JOBS = (("inspect", "volume_inspect", 5), ("rebuild", "rebuild", 7))
MIGRATING = (1, 2, 3)
"""CubeFS migrate states of an unfinished task: inited, prepared, work completed."""


def read_store(db: Path) -> dict[str, Any]:
    """What the file holds, read without the engine: task records and payloads, sim time, job results."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        tasks = {
            task_id: (json.loads(record), json.loads(work) if work else None)
            for task_id, record, work in conn.execute("SELECT id, record, work FROM tasks")
        }
        (sim_time,) = conn.execute("SELECT value FROM engine_meta WHERE key = 'sim_time'").fetchone()
        duplicates = conn.execute(
            "SELECT job_id, scheduled_start, COUNT(*) FROM JOB_RESULTS GROUP BY job_id, scheduled_start "
            "HAVING COUNT(*) > 1"
        ).fetchall()
        results = conn.execute("SELECT COUNT(*) FROM JOB_RESULTS").fetchone()[0]
        orphans = conn.execute(
            "SELECT COUNT(*) FROM PARTIAL_JOB_RESULTS WHERE job_result_id NOT IN (SELECT id FROM JOB_RESULTS)"
        ).fetchone()[0]
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return {
        "tasks": tasks,
        "sim_time": float(sim_time),
        "duplicate_runs": duplicates,
        "job_results": results,
        "orphan_partials": orphans,
        "integrity": check,
    }


def unfinished_migrations(db: Path) -> int:
    try:
        tasks = read_store(db)["tasks"]
    except (sqlite3.Error, TypeError):
        return 0
    return sum(1 for _, work in tasks.values() if work and work.get("kind") == "migrate" and work["state"] in MIGRATING)


def resume_config(db: Path) -> EngineConfig:
    """Reopen the store in this process on a manual clock that continues from the stored simulated time."""
    clock = ManualClock()
    clock.advance(read_store(db)["sim_time"] - clock.now().timestamp())
    return EngineConfig(db_path=db, clock=clock, autorun=False, failure_rate=0.0, enabled=QUIET)


async def _run(db: Path, migrations: int, speed: float) -> None:
    engine = await Engine.open(
        EngineConfig(db_path=db, seed=5, speed=speed, interval=0.02, failure_rate=0.0, enabled=QUIET)
    )
    if engine.generation == 1:  # a fresh store: give it work
        for name, task_type, interval in JOBS:
            await engine.add_job(name, task_type, interval)
        queued = 0
        for volume in engine.cluster.volumes.values():
            for vuid, _ in volume.units:
                if queued < migrations:
                    await engine.add_manual_migrate(vuid, queued % 2 == 0)
                    queued += 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    live = sum(1 for work in engine.migrations.works() if not work.final)
    print(f"READY {live}", flush=True)
    try:
        await stop.wait()
    finally:
        await engine.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults_support")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--migrations", type=int, default=100)
    parser.add_argument("--speed", type=float, default=60.0)
    args = parser.parse_args(argv)
    asyncio.run(_run(args.db, args.migrations, args.speed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
