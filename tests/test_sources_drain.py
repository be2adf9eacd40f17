"""Drain from every source with a task manager: the ScyllaDB stand-in (where the node has it), ``schedtop serve``
and the embedded engine; and a ScyllaDB node's ``suspended`` tasks."""

from __future__ import annotations

import pytest

from app.sources.base import DRAIN, Unsupported
from app.sources.embedded import EmbeddedSource
from app.sources.http_schedtop import SchedtopHttpSource
from app.sources.http_scylla import ScyllaSource
from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import InvalidArgument
from engine.model import CreateTaskRequest, DistributedType, TaskState

from .fake_upstreams import CHILD, DONE, ROOT, FakeScylla, ServedApp
from .http_support import ServedEngine


async def test_drain_on_a_newer_node_unregisters_the_modules_finished_tasks() -> None:
    fake = FakeScylla(drain=True)
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url)
        await source.open()
        assert DRAIN in source.capabilities
        await source.drain("compaction")
        await source.close()
    assert DONE not in fake.tasks and ROOT in fake.tasks
    assert "/task_manager/drain/compaction" in [path for _, path in fake.requests]


async def test_drain_of_an_unknown_module_is_the_nodes_400() -> None:
    fake = FakeScylla(drain=True)
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url)
        with pytest.raises(InvalidArgument, match="module nope not found"):
            await source.drain("nope")
        await source.close()


async def test_drain_on_a_6_2_0_node_says_the_node_does_not_support_it() -> None:
    fake = FakeScylla()
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url)
        with pytest.raises(Unsupported, match="drain is not supported by this node"):
            await source.drain("compaction")
        await source.close()
    assert DONE in fake.tasks


async def test_a_nodes_suspended_task_reaches_the_snapshot_as_suspended() -> None:
    fake = FakeScylla()
    fake.tasks[CHILD]["state"] = "suspended"
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url)
        await source.open()
        snap = await source.snapshot()
        await source.close()
    states = {row.id: row.status.state for row in snap.tasks}
    assert states[CHILD] is TaskState.SUSPENDED and states[ROOT] is TaskState.RUNNING


async def test_the_schedtop_source_drains_through_schedtop_serve() -> None:
    with ServedEngine() as served:
        source = SchedtopHttpSource(served.url)
        await source.open()
        finished = await source.create_task(CreateTaskRequest(type=DistributedType.REBALANCE))
        await source.abort(finished)
        await source.drain("distributed")
        with pytest.raises(InvalidArgument, match="unknown module"):
            await source.drain("compaction")
        await source.close()
        assert finished not in served.engine.tm.tasks


async def test_the_embedded_source_drains_the_engine() -> None:
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, supervisor=False))
    source = EmbeddedSource(engine=engine)
    try:
        finished = await source.create_task(CreateTaskRequest(type=DistributedType.REBALANCE))
        await source.abort(finished)
        await source.drain("distributed")
        assert finished not in engine.tm.tasks
    finally:
        await engine.close()
