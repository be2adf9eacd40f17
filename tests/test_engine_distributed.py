"""Ocient-style rebuild / check_disk / rebalance tasks: create, run per node, cancel, and the refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import Conflict, InvalidArgument, NotFound
from engine.model import CreateTaskRequest, DistributedType, Location, LocationKind, TaskKind, TaskState

QUIET = {"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": False}


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await Engine.open(
        EngineConfig(
            clock=ManualClock(), autorun=False, failure_rate=0.0, enabled=QUIET, supervisor=False, task_ttl=3600
        )
    )
    yield engine
    await engine.close()


async def test_create_rebuild_on_a_cluster_makes_a_cluster_task_with_one_node_task_per_host(engine: Engine) -> None:
    result = await engine.execute("CREATE TASK my_rebuild TYPE rebuild LOCATION CLUSTER z1;")
    assert result.action == "create" and result.name == "my_rebuild"
    tree = await engine.task_status_recursive(result.task_id)
    root, children = tree[0], tree[1:]
    assert root.kind is TaskKind.CLUSTER and root.type == "rebuild" and root.keyspace == "z1"
    hosts_in_z1 = {h.ip for h in engine.cluster.hosts.values() if h.idc == "z1"}
    assert {c.children_ids == [] and c.keyspace for c in children} == {"z1"}
    assert {ref.node for ref in root.children_ids} == hosts_in_z1


async def test_a_rebuild_progresses_and_finishes(engine: Engine) -> None:
    task_id = await engine.create_task(CreateTaskRequest(type=DistributedType.REBUILD))
    await engine.advance(10)
    children = (await engine.task_status_recursive(task_id))[1:]
    assert any(0 < c.progress_completed < c.progress_total for c in children)
    assert all(c.progress_units == "segments" for c in children)
    for _ in range(600):
        await engine.advance(1)
        if engine.tm.get(task_id).state.is_final:
            break
    assert engine.tm.get(task_id).state is TaskState.DONE


@pytest.mark.parametrize("kind", ["rebuild", "rebalance"])
async def test_rebuild_and_rebalance_refuse_location_node(engine: Engine, kind: str) -> None:
    with pytest.raises(InvalidArgument, match="SYSTEM and CLUSTER"):
        await engine.execute(f"CREATE TASK TYPE {kind} LOCATION NODE '10.0.0.1'")
    assert await engine.list_module_tasks("distributed") == []


async def test_check_disk_on_a_node_is_a_single_node_task(engine: Engine) -> None:
    result = await engine.execute("CREATE TASK TYPE check_disk LOCATION NODE '10.0.0.1' OPTIONS sample = true")
    status = engine.tm.full_status(engine.tm.get(result.task_id))
    assert status.kind is TaskKind.NODE and status.scope == "node" and status.progress_units == "bytes"
    assert status.parent_id == "none" and engine.tm.get(result.task_id).user


async def test_cancel_by_name_aborts_the_task_and_its_node_tasks(engine: Engine) -> None:
    created = await engine.execute("CREATE TASK my_task TYPE check_disk")
    await engine.advance(2)
    cancelled = await engine.execute("CANCEL TASK 'my_task'")
    assert cancelled.action == "cancel" and cancelled.task_id == created.task_id
    tree = await engine.task_status_recursive(created.task_id)
    assert tree[0].state is TaskState.FAILED and tree[0].error == "aborted"
    assert {(s.state, s.error) for s in tree[1:]} == {(TaskState.FAILED, "aborted")}
    progress = [s.progress_completed for s in tree]
    await engine.advance(10)
    assert [s.progress_completed for s in await engine.task_status_recursive(created.task_id)] == progress


async def test_cancel_by_id_works_too(engine: Engine) -> None:
    task_id = await engine.create_task(CreateTaskRequest(type=DistributedType.CHECK_DISK))
    assert await engine.cancel_task(task_id) == task_id


async def test_cancelling_an_unknown_task_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound):
        await engine.cancel_task("no_such_task")


async def test_task_names_are_unique_among_live_tasks(engine: Engine) -> None:
    await engine.execute("CREATE TASK nightly TYPE check_disk LOCATION CLUSTER z0")
    with pytest.raises(Conflict, match="nightly"):
        await engine.execute("CREATE TASK nightly TYPE rebuild")
    await engine.execute("CANCEL TASK 'nightly'")
    await engine.execute("CREATE TASK nightly TYPE rebuild")


async def test_unknown_clusters_nodes_and_options_are_refused(engine: Engine) -> None:
    with pytest.raises(InvalidArgument, match="unknown cluster"):
        await engine.execute("CREATE TASK TYPE rebuild LOCATION CLUSTER my_lts_cluster1")
    with pytest.raises(InvalidArgument, match="unknown node"):
        await engine.create_task(
            CreateTaskRequest(type=DistributedType.CHECK_DISK, location=Location(kind=LocationKind.NODE, name="x"))
        )
    with pytest.raises(InvalidArgument, match="not a node of"):
        await engine.execute("CREATE TASK TYPE rebuild LOCATION CLUSTER z0 OPTIONS node = '10.0.1.1'")


async def test_a_statement_that_does_not_parse_is_an_invalid_argument_naming_the_problem(engine: Engine) -> None:
    with pytest.raises(InvalidArgument, match="unknown task type"):
        await engine.execute("CREATE TASK TYPE Rebuild")
    with pytest.raises(InvalidArgument):
        await engine.execute("DROP TABLE tasks")


async def test_a_disabled_distributed_type_cannot_be_created(engine: Engine) -> None:
    await engine.set_enabled("rebuild", False)
    with pytest.raises(InvalidArgument, match="disabled"):
        await engine.execute("CREATE TASK TYPE rebuild")


async def test_a_node_task_that_keeps_failing_fails_its_cluster_task(engine: Engine) -> None:
    task_id = await engine.create_task(
        CreateTaskRequest(type=DistributedType.REBUILD, location=Location(kind=LocationKind.CLUSTER, name="z2"))
    )
    await engine.fail_next("rebuild", 100)
    await engine.advance(5)
    root = engine.tm.get(task_id)
    assert root.state is TaskState.FAILED and "node tasks failed" in root.error


async def test_aborting_every_node_task_ends_the_cluster_task_failed(engine: Engine) -> None:
    task_id = await engine.create_task(
        CreateTaskRequest(type=DistributedType.CHECK_DISK, location=Location(kind=LocationKind.CLUSTER, name="z0"))
    )
    children = [ref.task_id for ref in engine.tm.full_status(engine.tm.get(task_id)).children_ids]
    for child in children:
        await engine.abort_task(child)
    root = engine.tm.get(task_id)
    assert root.state is TaskState.FAILED and root.error == f"{len(children)} of {len(children)} node tasks failed"


async def test_cancelling_a_task_that_already_finished_is_a_conflict_saying_so(engine: Engine) -> None:
    created = await engine.execute("CREATE TASK x2 TYPE rebalance;")
    for _ in range(600):
        if engine.tm.get(created.task_id).finished:
            break
        await engine.advance(1)
    state = engine.tm.get(created.task_id).state.value
    with pytest.raises(Conflict, match=f"'x2' has already finished \\({state}\\)"):
        await engine.execute("CANCEL TASK 'x2'")
    with pytest.raises(Conflict, match="already finished"):
        await engine.cancel_task(created.task_id)
