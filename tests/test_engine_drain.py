"""The task manager's ``drain``: a module's finished tasks go at once, whatever their TTL; nothing else does."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import InvalidArgument
from engine.model import CreateTaskRequest, DistributedType
from engine.taskmanager import TaskManager


@pytest.fixture
def tm() -> TaskManager:
    manager = TaskManager(random.Random(7), ManualClock().now)
    manager.task_ttl = manager.user_task_ttl = 3600
    manager.register_module("repair")
    manager.register_module("other")
    return manager


def test_drain_unregisters_done_and_failed_roots_and_keeps_running_ones(tm: TaskManager) -> None:
    done, failed, running = (tm.create("repair", "repair", "keyspace") for _ in range(3))
    elsewhere = tm.create("other", "other", "node")
    tm.finish(done)
    tm.finish(failed, "boom")
    tm.finish(elsewhere)
    assert tm.drain("repair") == 2
    assert {t.id for t in tm.listing("repair")} == {running.id}
    assert elsewhere.id in tm.tasks  # another module's finished task waits for its TTL


def test_drain_keeps_a_failed_child_that_a_running_parent_still_shows(tm: TaskManager) -> None:
    parent = tm.create("repair", "repair", "keyspace")
    child = tm.create("repair", "repair", "shard", parent=parent)
    tm.finish(child, "boom")  # folded: kept under its parent because it failed
    assert tm.drain("repair") == 0
    tm.finish(parent)
    assert tm.drain("repair") == 2 and not tm.tasks


def test_drain_reaches_a_failed_grandchild_whose_own_parent_finished(tm: TaskManager) -> None:
    root = tm.create("repair", "repair", "keyspace")
    child = tm.create("repair", "repair", "range", parent=root)
    grandchild = tm.create("repair", "repair", "shard", parent=child)
    tm.finish(grandchild, "boom")  # kept under its parent, which keeps it under the root
    tm.finish(child)
    assert tm.drain("repair") == 1  # the grandchild: its parent is finished; the child stays under the running root
    assert {t.id for t in tm.listing("repair")} == {root.id, child.id}


def test_drain_of_an_unknown_module_is_invalid(tm: TaskManager) -> None:
    with pytest.raises(InvalidArgument, match="unknown module 'compaction'"):
        tm.drain("compaction")


async def test_a_drain_is_in_the_store_when_it_returns(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    config = EngineConfig(db_path=db, clock=ManualClock(), autorun=False, supervisor=False)
    engine = await Engine.open(config)
    finished = await engine.create_task(CreateTaskRequest(type=DistributedType.REBALANCE))
    await engine.abort_task(finished)
    assert await engine.drain("distributed") > 0
    await engine.close()
    reopened = await Engine.open(config)
    try:
        assert finished not in reopened.tm.tasks
    finally:
        await reopened.close()
