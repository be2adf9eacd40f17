"""kill -9 with 100 migrations and scheduled jobs in flight: nothing is lost, nothing is doubled, everything resumes.

Complements tests/test_engine_crash.py (a demo engine killed with a few migrations running): here 100 manual
migrations are queued and two supervisor jobs are scheduled, the process is killed at a random moment, and the file
is checked on its own before the engine reopens it — task rows, migrate payloads, chunk placement and job tables
must agree. The soak variant kills and restarts the same store many times.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from engine.engine import Engine
from engine.model import MigrateState, TaskState, split_vuid
from tests.faults_support import MIGRATING, read_store, resume_config

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = 100


def start_engine(db: Path) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.faults_support", "--db", str(db), "--migrations", str(MIGRATIONS)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY"):
        process.kill()
        raise AssertionError(f"the engine did not start: {line!r} {process.communicate()[1]}")
    return process, int(line.split()[1])


def crash_rng(variable: str = "SCHEDTOP_CRASH_SEED") -> random.Random:
    """The kill moments are random, but seeded and printed (pytest shows it with a failure): replay a failing run
    with ``<variable>=<seed>``."""
    seed = int(os.environ.get(variable) or random.SystemRandom().randrange(2**32))
    print(f"kill -9 seed {seed} (replay: {variable}={seed})")
    return random.Random(seed)


def migration_progress(db: Path) -> tuple[int, int]:
    """(finished, unfinished) manual migrations in the store's last commit; (0, 0) before it has any."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            rows = conn.execute("SELECT work FROM tasks WHERE work ->> 'kind' = 'migrate'").fetchall()
    except sqlite3.Error:
        return 0, 0
    states = [json.loads(work)["state"] for (work,) in rows]
    return sum(state == MigrateState.FINISHED for state in states), sum(state in MIGRATING for state in states)


def kill_9(process: subprocess.Popen[str], db: Path, finished: int, timeout: float = 60.0) -> None:
    """SIGKILL once the store shows at least ``finished`` migrations finished (or none left to finish): a moment
    given by the store, not by the clock, so a slow machine only makes the test slower."""
    deadline = time.monotonic() + timeout
    while True:
        done, unfinished = migration_progress(db)
        if done >= finished or (done and not unfinished):
            break
        assert process.poll() is None, f"the engine exited: {process.communicate()[1]}"
        assert time.monotonic() < deadline, f"only {done} migrations finished within {timeout} s"
        time.sleep(0.01)  # polling the store
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL


def assert_file_consistent(stored: dict[str, Any]) -> None:
    assert stored["integrity"] == "ok"
    assert stored["duplicate_runs"] == [], "a job ran twice for the same scheduled_start"
    assert stored["orphan_partials"] == 0
    entities = [record["entity"] for record, _ in stored["tasks"].values() if record["module"] == "manual_migrate"]
    assert len(entities) == len(set(entities)), "a CubeFS migrate task is stored twice"


def assert_reopened_as_stored(engine: Engine, stored: dict[str, Any]) -> None:
    tasks = stored["tasks"]
    assert set(engine.tm.tasks) == set(tasks), "every stored task is back, exactly once, and no other"
    for task_id, (record, work) in tasks.items():
        task = engine.tm.tasks[task_id]
        assert task.state.value == record["state"], "finished tasks stay finished, the others resume"
        if task.finished:
            assert task.end_time is not None and task.end_time.isoformat() == record["end_time"]
        if work and work.get("kind") == "migrate":
            live = engine.migrations.get(work["task_id"])
            assert live is not None and int(live.state) == work["state"]
            assert live.done_size == work["done_size"]
    units = [(w.vid, w.index) for w in engine.migrations.works() if not w.final]
    assert len(units) == len(set(units)), "no chunk is being migrated twice"


def assert_placement_matches_tasks(engine: Engine, stored: dict[str, Any]) -> None:
    """A finished migration moved its chunk; an unfinished one did not (both written in the same transaction)."""
    cluster = engine.cluster
    for _, work in stored["tasks"].values():
        if not work or work.get("kind") != "migrate":
            continue
        vid, index, _ = split_vuid(work["source_vuid"])
        volume = cluster.volumes[vid]
        if work["state"] == MigrateState.FINISHED:
            assert volume.units[index] == (work["dest_vuid"], work["dest_disk_id"])
        elif work["state"] in MIGRATING:
            assert volume.units[index][0] == work["source_vuid"]
    for volume in cluster.volumes.values():
        for vuid, disk_id in volume.units:
            assert vuid in cluster.disks[disk_id].chunks


async def resume_until_done(engine: Engine) -> None:
    unfinished = [t for t in engine.tm.tasks.values() if t.module == "manual_migrate" and not t.finished]
    waits = [asyncio.ensure_future(engine.tm.until_finished(t)) for t in unfinished]
    for _ in range(400):
        if all(w.done() for w in waits):
            break
        await engine.advance(5)
    assert all(w.done() for w in waits), "every unfinished migration finishes after the restart"
    assert all(t.state is TaskState.DONE for t in unfinished)
    assert all(w.final for w in engine.migrations.works())


async def test_kill_9_with_100_migrations_in_flight_loses_and_doubles_nothing(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    process, live = start_engine(db)
    assert live == MIGRATIONS
    # at most a third of them finished (a few seconds' work): plenty still in flight when the kill lands
    kill_9(process, db, finished=crash_rng().randint(1, MIGRATIONS // 3))
    stored = read_store(db)
    assert_file_consistent(stored)
    in_flight = sum(1 for _, w in stored["tasks"].values() if w and w.get("kind") == "migrate" and w["state"] != 4)
    assert in_flight >= 1, "the kill must hit work in flight"

    engine = await Engine.open(resume_config(db))
    try:
        assert_reopened_as_stored(engine, stored)
        assert_placement_matches_tasks(engine, stored)
        await resume_until_done(engine)
        assert_placement_matches_tasks(engine, {"tasks": {}})
    finally:
        await engine.close()
    finished = read_store(db)
    assert_file_consistent(finished)
    assert finished["job_results"] > stored["job_results"], "the schedule carries on after the restart"


@pytest.mark.soak
async def test_many_kill_9_and_restarts_on_one_store_keep_it_consistent(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    rng = crash_rng("SCHEDTOP_SOAK_SEED")
    previous: dict[str, Any] | None = None
    for _ in range(int(os.environ.get("SCHEDTOP_SOAK_KILLS", "15"))):
        process, _ = start_engine(db)
        done, _ = migration_progress(db)
        kill_9(process, db, finished=done + rng.randint(0, MIGRATIONS // 4))  # up to a quarter more finish
        stored = read_store(db)
        assert_file_consistent(stored)
        if previous is not None:
            for task_id, (record, _) in previous["tasks"].items():
                if record["state"] in ("done", "failed") and task_id in stored["tasks"]:
                    assert stored["tasks"][task_id][0]["state"] == record["state"]
        previous = stored
    engine = await Engine.open(resume_config(db))
    try:
        assert_reopened_as_stored(engine, previous or read_store(db))
        await resume_until_done(engine)
    finally:
        await engine.close()
    assert_file_consistent(read_store(db))
