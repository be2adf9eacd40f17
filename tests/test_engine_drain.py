"""The task manager's ``drain``: a module's finished tasks go at once, whatever their TTL; nothing else does."""

from __future__ import annotations

import random

import pytest

from engine.clock import ManualClock
from engine.errors import InvalidArgument
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
    assert set(tm.modules["repair"]) == {running.id}
    assert elsewhere.id in tm.tasks  # another module's finished task waits for its TTL


def test_drain_keeps_a_failed_child_that_a_running_parent_still_shows(tm: TaskManager) -> None:
    parent = tm.create("repair", "repair", "keyspace")
    child = tm.create("repair", "repair", "shard", parent=parent)
    tm.finish(child, "boom")  # folded: kept under its parent because it failed
    assert tm.drain("repair") == 0
    tm.finish(parent)
    assert tm.drain("repair") == 2 and not tm.tasks


def test_drain_of_an_unknown_module_is_invalid(tm: TaskManager) -> None:
    with pytest.raises(InvalidArgument, match="unknown module 'compaction'"):
        tm.drain("compaction")
