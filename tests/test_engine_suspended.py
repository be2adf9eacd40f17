"""Switching a task type off suspends its running tasks (progress frozen) and switching it on resumes them.

Time passes on the engine's manual clock (``advance``), so "progress does not move" is checked over simulated
minutes without sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.model import CreateTaskRequest, DistributedType, TaskState
from engine.taskmanager import ABORTED, Task

QUIET = {"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": False}


def config(db: Path | None = None) -> EngineConfig:
    return EngineConfig(
        db_path=db, clock=ManualClock(), autorun=False, failure_rate=0.0, enabled=QUIET, supervisor=False
    )


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await Engine.open(config())
    yield engine
    await engine.close()


def busiest_disk(engine: Engine) -> int:
    return max(engine.cluster.disks.values(), key=lambda d: (len(d.chunks), -d.disk_id)).disk_id


async def repairing(engine: Engine) -> Task:
    """A disk repair under way: its root and some chunk migrations running."""
    await engine.break_disk(busiest_disk(engine))
    await engine.advance(2)
    [root] = [t for t in engine.tm.listing("disk_repair") if t.parent_id is None]
    assert any(t.state is TaskState.RUNNING for t in engine.tm.listing("disk_repair") if t is not root)
    return root


def states(engine: Engine, module: str) -> set[TaskState]:
    return {t.state for t in engine.tm.listing(module)}


def progress(engine: Engine, module: str) -> dict[str, float]:
    return {t.id: t.progress_completed for t in engine.tm.listing(module)}


def bytes_moved(engine: Engine) -> int:
    return sum(w.done_size for w in engine.migrations.works() if w.task_type == "disk_repair")


async def test_switching_a_type_off_suspends_its_running_tasks_and_no_others(engine: Engine) -> None:
    await repairing(engine)
    rebuild = await engine.create_task(CreateTaskRequest(type=DistributedType.REBUILD))
    running_before = {t.id for t in engine.tm.listing("disk_repair") if t.state is TaskState.RUNNING}
    await engine.set_enabled("disk_repair", False)
    repair = engine.tm.listing("disk_repair")
    assert {t.id for t in repair if t.state is TaskState.SUSPENDED} == running_before
    assert TaskState.RUNNING not in states(engine, "disk_repair")
    assert engine.tm.get(rebuild).state is TaskState.RUNNING
    assert (await engine.task_status(rebuild)).state is TaskState.RUNNING


async def test_a_suspended_tasks_progress_does_not_move(engine: Engine) -> None:
    await repairing(engine)
    await engine.set_enabled("disk_repair", False)
    frozen, moved = progress(engine, "disk_repair"), bytes_moved(engine)
    await engine.advance(120)
    assert progress(engine, "disk_repair") == frozen
    assert bytes_moved(engine) == moved
    assert TaskState.RUNNING not in states(engine, "disk_repair")


async def test_switching_it_on_resumes_from_where_it_was(engine: Engine) -> None:
    root = await repairing(engine)
    await engine.set_enabled("disk_repair", False)
    frozen, moved = progress(engine, "disk_repair"), bytes_moved(engine)
    await engine.advance(60)
    await engine.set_enabled("disk_repair", True)
    assert root.state is TaskState.RUNNING and TaskState.SUSPENDED not in states(engine, "disk_repair")
    assert progress(engine, "disk_repair") == frozen
    await engine.advance(2)
    assert bytes_moved(engine) > moved


async def test_a_suspended_task_can_be_aborted(engine: Engine) -> None:
    root = await repairing(engine)
    await engine.set_enabled("disk_repair", False)
    assert root.state is TaskState.SUSPENDED
    await engine.abort_task(root.id)
    assert (root.state, root.error) == (TaskState.FAILED, ABORTED)
    assert "disk_repair" not in engine.tm.suspended_counts()


async def test_a_task_started_while_its_type_is_off_begins_suspended(engine: Engine) -> None:
    [consumer] = engine.tm.listing("blob_delete")  # blob_delete is off in QUIET
    assert consumer.state is TaskState.SUSPENDED
    engine.handlers.inspect.run_now()  # volume_inspect is off too: a round started now waits
    [round_] = engine.tm.listing("volume_inspect")
    assert round_.state is TaskState.SUSPENDED
    await engine.advance(30)
    assert round_.progress_completed == 0


async def test_the_snapshot_counts_suspended_tasks_by_type(engine: Engine) -> None:
    await repairing(engine)
    await engine.set_enabled("disk_repair", False)
    suspended = engine.snapshot().suspended
    repair = [t for t in engine.tm.listing("disk_repair") if t.state is TaskState.SUSPENDED]
    assert suspended == {"disk_repair": len(repair), "shard_repair": 1, "blob_delete": 1}
    await engine.set_enabled("disk_repair", True)
    assert "disk_repair" not in engine.snapshot().suspended


async def test_suspended_tasks_stay_suspended_across_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db))
    root = await repairing(engine)
    await engine.set_enabled("disk_repair", False)
    frozen = root.progress_completed
    await engine.close()
    reopened = await Engine.open(config(db))
    try:
        again = reopened.tm.get(root.id)
        assert again.state is TaskState.SUSPENDED and again.progress_completed == frozen
        await reopened.advance(30)
        assert again.state is TaskState.SUSPENDED and again.progress_completed == frozen
        await reopened.set_enabled("disk_repair", True)
        assert again.state is TaskState.RUNNING
    finally:
        await reopened.close()
