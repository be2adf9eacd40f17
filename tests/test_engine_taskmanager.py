"""The task manager's ScyllaDB semantics: trees, internal tasks, TTLs, folding, status reads, abort and wait."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import InvalidArgument, NotAbortable, WaitTimeout
from engine.model import NO_PARENT, TaskKind, TaskState
from engine.taskmanager import Task, TaskManager

QUIET = {"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": False}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def tm(clock: ManualClock) -> TaskManager:
    manager = TaskManager(random.Random(7), clock.now)
    manager.register_module("repair")
    manager.register_module("other")
    return manager


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await Engine.open(
        EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0.0, enabled=QUIET, supervisor=False)
    )
    yield engine
    await engine.close()


def tree(tm: TaskManager) -> tuple[Task, Task, Task]:
    root = tm.create("repair", "repair", "keyspace")
    child = tm.create("repair", "repair", "table", parent=root)
    grandchild = tm.create("repair", "repair", "range", parent=child)
    for task in (root, child, grandchild):
        tm.start(task)
    return root, child, grandchild


def expire(tm: TaskManager, clock: ManualClock) -> None:
    tm.expire(clock.now().timestamp())


def test_a_tree_shares_its_root_sequence_number_and_roots_count_up_per_module(tm: TaskManager) -> None:
    root, child, grandchild = tree(tm)
    second = tm.create("repair", "repair", "keyspace")
    elsewhere = tm.create("other", "x", "node")
    assert root.sequence_number == child.sequence_number == grandchild.sequence_number == 1
    assert second.sequence_number == 2 and elsewhere.sequence_number == 1


def test_task_ids_are_uuid4_from_the_seeded_generator(clock: ManualClock) -> None:
    ids = []
    for _ in range(2):
        manager = TaskManager(random.Random(7), clock.now)
        manager.register_module("m")
        ids.append(manager.create("m", "t", "s").id)
    assert ids[0] == ids[1] and ids[0][14] == "4"


def test_children_are_internal_and_hidden_unless_asked_for(tm: TaskManager) -> None:
    root, child, grandchild = tree(tm)
    assert [t.id for t in tm.list_tasks("repair")] == [root.id]
    assert {t.id for t in tm.list_tasks("repair", internal=True)} == {root.id, child.id, grandchild.id}


def test_cluster_tasks_have_no_sequence_number_and_their_children_are_not_internal(tm: TaskManager) -> None:
    cluster = tm.create("repair", "global repair", "cluster", kind=TaskKind.CLUSTER, internal=True)
    node = tm.create("repair", "repair", "node", parent=cluster)
    assert cluster.sequence_number == 0 and not cluster.internal
    assert not node.internal
    with pytest.raises(ValueError):
        tm.create("repair", "x", "y", parent=node, kind=TaskKind.CLUSTER)


def test_a_finished_child_is_folded_and_forgotten_when_nothing_failed(tm: TaskManager) -> None:
    root, child, grandchild = tree(tm)
    tm.finish(grandchild)
    tm.finish(child)
    assert child.id not in tm.tasks and grandchild.id not in tm.tasks
    assert tm.full_status(root).children_ids == []


def test_folding_keeps_failed_descendants_reachable_from_the_root(tm: TaskManager) -> None:
    root, child, grandchild = tree(tm)
    tm.finish(grandchild, "streaming failed")
    tm.finish(child)
    statuses = tm.recursive_status(root.id)
    assert [s.id for s in statuses] == [root.id, child.id, grandchild.id]
    assert statuses[2].state is TaskState.FAILED and statuses[2].error == "streaming failed"
    assert [c.task_id for c in statuses[0].children_ids] == [child.id]


def test_recursive_status_is_breadth_first(tm: TaskManager) -> None:
    root = tm.create("repair", "repair", "keyspace")
    a = tm.create("repair", "repair", "table", parent=root)
    b = tm.create("repair", "repair", "table", parent=root)
    a1 = tm.create("repair", "repair", "range", parent=a)
    b1 = tm.create("repair", "repair", "range", parent=b)
    assert [s.id for s in tm.recursive_status(root.id)] == [root.id, a.id, b.id, a1.id, b1.id]
    assert tm.full_status(a1).parent_id == a.id and tm.full_status(root).parent_id == NO_PARENT


def test_reading_a_finished_task_status_unregisters_it(tm: TaskManager) -> None:
    tm.task_ttl = 3600
    root = tm.create("repair", "repair", "keyspace")
    tm.finish(root)
    assert tm.read_status(root.id).state is TaskState.DONE
    with pytest.raises(InvalidArgument, match=f"task with id {root.id} not found"):
        tm.read_status(root.id)


def test_reading_a_running_task_status_keeps_it(tm: TaskManager) -> None:
    root, _, _ = tree(tm)
    tm.read_status(root.id)
    assert root.id in tm.tasks


def test_reading_a_finished_cluster_task_does_not_unregister_it(tm: TaskManager) -> None:
    tm.task_ttl = 3600
    cluster = tm.create("repair", "global", "cluster", kind=TaskKind.CLUSTER)
    tm.finish(cluster)
    tm.read_status(cluster.id)
    assert cluster.id in tm.tasks


def test_finished_roots_expire_after_task_ttl(tm: TaskManager, clock: ManualClock) -> None:
    tm.set_ttl(10)
    root = tm.create("repair", "repair", "keyspace")
    tm.finish(root)
    clock.advance(9)
    expire(tm, clock)
    assert root.id in tm.tasks
    clock.advance(1)
    expire(tm, clock)
    assert root.id not in tm.tasks


def test_user_started_roots_live_for_user_task_ttl(tm: TaskManager, clock: ManualClock) -> None:
    tm.set_ttl(0)
    assert tm.set_ttl(100, user=True) == 3600
    mine = tm.create("repair", "repair", "keyspace", user=True)
    internal = tm.create("repair", "repair", "keyspace")
    tm.finish(mine)
    tm.finish(internal)
    clock.advance(1)
    expire(tm, clock)
    assert mine.id in tm.tasks and internal.id not in tm.tasks
    clock.advance(100)
    expire(tm, clock)
    assert mine.id not in tm.tasks


def test_changing_ttl_applies_to_tasks_already_finished(tm: TaskManager, clock: ManualClock) -> None:
    tm.set_ttl(3600)
    root = tm.create("repair", "repair", "keyspace")
    tm.finish(root)
    assert tm.set_ttl(5) == 3600
    clock.advance(5)
    expire(tm, clock)
    assert root.id not in tm.tasks


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "10", None, True])
def test_bad_ttl_values_are_refused_and_leave_the_ttl_alone(tm: TaskManager, bad: object) -> None:
    with pytest.raises(InvalidArgument, match="ttl"):
        tm.set_ttl(bad)
    assert tm.task_ttl == 0


def test_unregistering_a_root_removes_its_kept_descendants(tm: TaskManager) -> None:
    tm.task_ttl = 3600
    root, child, grandchild = tree(tm)
    tm.finish(grandchild, "boom")
    tm.finish(child)
    tm.finish(root)
    tm.read_status(root.id)
    assert tm.listing("repair") == [] and tm.tasks == {}


def test_abort_of_a_non_abortable_task_is_refused(tm: TaskManager) -> None:
    task = tm.create("repair", "repair", "keyspace", abortable=False)
    with pytest.raises(NotAbortable, match="cannot be aborted"):
        tm.abort(task.id)
    assert task.state is TaskState.CREATED


def test_abort_fails_the_task_and_its_children_with_error_aborted(tm: TaskManager) -> None:
    tm.task_ttl = 3600
    root, child, grandchild = tree(tm)
    stopped: list[str] = []
    tm.abort_hooks["repair"] = lambda task: stopped.append(task.id)
    tm.abort(root.id)
    assert root.state is TaskState.FAILED and root.error == "aborted"
    assert stopped == [root.id, child.id, grandchild.id]
    assert [s.error for s in tm.recursive_status(root.id)] == ["aborted"] * 3


@pytest.mark.parametrize("bad", ["nope", "", 42, None, "00000000-0000-4000-8000-000000000000"])
def test_unknown_or_malformed_ids_are_invalid_arguments(tm: TaskManager, bad: object) -> None:
    with pytest.raises(InvalidArgument, match="not found"):
        tm.read_status(bad)


def test_an_unknown_module_is_an_invalid_argument(tm: TaskManager) -> None:
    with pytest.raises(InvalidArgument, match="unknown module"):
        tm.list_tasks("compaction")


async def test_wait_times_out_on_a_running_task(engine: Engine) -> None:
    [consumer] = await engine.list_module_tasks("shard_repair")
    with pytest.raises(WaitTimeout):
        await engine.wait_task(consumer.task_id, timeout=0.01)


async def test_wait_returns_the_final_status_once_the_task_ends(engine: Engine) -> None:
    disk = max(engine.cluster.disks.values(), key=lambda d: len(d.chunks))
    await engine.break_disk(disk.disk_id)
    await engine.advance(1)
    [root] = await engine.list_module_tasks("disk_repair")
    waiter = asyncio.ensure_future(engine.wait_task(root.task_id, timeout=5))
    await engine.advance(900)
    status = await waiter
    assert status.state is TaskState.DONE and status.progress_completed == status.progress_total


async def test_wait_rejects_a_negative_timeout(engine: Engine) -> None:
    [consumer] = await engine.list_module_tasks("shard_repair")
    with pytest.raises(InvalidArgument, match="timeout"):
        await engine.wait_task(consumer.task_id, timeout=-1)


async def test_list_filters_by_keyspace_as_idc_and_table_as_disk_id(engine: Engine) -> None:
    first, second = sorted(engine.cluster.disks.values(), key=lambda d: -len(d.chunks))[:2]
    await engine.break_disk(first.disk_id)
    await engine.break_disk(second.disk_id)
    await engine.advance(1)
    by_table = await engine.list_module_tasks("disk_repair", table=str(first.disk_id))
    assert [t.table for t in by_table] == [str(first.disk_id)] and by_table[0].keyspace == first.idc
    by_keyspace = await engine.list_module_tasks("disk_repair", internal=True, keyspace=second.idc)
    assert by_keyspace and all(t.keyspace == second.idc for t in by_keyspace)
    assert await engine.list_module_tasks("disk_repair", keyspace="nowhere") == []


async def test_consumers_are_long_running_and_not_abortable(engine: Engine) -> None:
    await engine.set_enabled("blob_delete", True)  # switched off (QUIET), its consumer would wait suspended
    [consumer] = await engine.list_module_tasks("blob_delete")
    with pytest.raises(NotAbortable):
        await engine.abort_task(consumer.task_id)
    assert consumer.state is TaskState.RUNNING


def test_children_made_in_bulk_are_the_children_made_one_by_one(clock: ManualClock) -> None:
    managers = [TaskManager(random.Random(7), clock.now) for _ in range(2)]
    for manager in managers:
        manager.register_module("repair")
    one_by_one, in_bulk = managers
    items = [(f"chunk-{n}", float(100 + n), {"n": n}) for n in range(5)]
    where = {"node": "10.0.0.1", "keyspace": "z0", "table": "101", "progress_units": "bytes"}
    root = one_by_one.create("repair", "repair", "disk")
    for entity, total, work in items:
        one_by_one.create(
            "repair", "repair", "chunk", parent=root, entity=entity, progress_total=total, work=work, **where
        )
    bulk_root = in_bulk.create("repair", "repair", "disk")
    made = in_bulk.create_children(bulk_root, "repair", "repair", "chunk", items, **where)

    def tree(manager: TaskManager) -> list[tuple[object, ...]]:
        return [(t.to_record(), list(t.children), t.work) for t in manager.tasks.values()]

    assert [t.id for t in made] == list(bulk_root.children)
    assert tree(in_bulk) == tree(one_by_one)
    assert in_bulk.revision == one_by_one.revision - len(items) + 1  # the parent is touched once, not per child
    assert {i for i, _ in in_bulk.changes()} == {i for i, _ in one_by_one.changes()}


def test_roots_made_in_bulk_are_the_roots_made_one_by_one(clock: ManualClock) -> None:
    managers = [TaskManager(random.Random(7), clock.now) for _ in range(2)]
    for manager in managers:
        manager.register_module("manual_migrate")
    one_by_one, in_bulk = managers
    one_by_one.create("manual_migrate", "manual_migrate", "chunk")  # sequence numbers go on from the module's
    in_bulk.create("manual_migrate", "manual_migrate", "chunk")
    items = [(f"10.0.0.{n % 2}", "z0", str(100 + n % 3), f"m-{n}", float(10 + n), {"n": n}) for n in range(6)]
    for node, keyspace, table, entity, total, work in items:
        one_by_one.create(
            "manual_migrate", "manual_migrate", "chunk", node=node, keyspace=keyspace, table=table, entity=entity,
            user=True, progress_units="bytes", progress_total=total, work=work,
        )  # fmt: skip
    made = in_bulk.create_roots("manual_migrate", "manual_migrate", "chunk", items, user=True, progress_units="bytes")

    def tree(manager: TaskManager) -> list[tuple[object, ...]]:
        return [(t.to_record(), list(t.children), t.work) for t in manager.tasks.values()]

    assert len(made) == len(items)
    assert tree(in_bulk) == tree(one_by_one)
    assert in_bulk.changes() == one_by_one.changes()
    assert [t.id for t in in_bulk.list_tasks("manual_migrate")] == [
        t.id for t in one_by_one.list_tasks("manual_migrate")
    ]
