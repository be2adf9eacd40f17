"""The ScyllaDB source's drain (where the node has it) and a node's ``suspended`` tasks, against the stand-in."""

from __future__ import annotations

import pytest

from app.sources.base import DRAIN, Unsupported
from app.sources.http_scylla import ScyllaSource
from engine.errors import InvalidArgument
from engine.model import TaskState

from .fake_upstreams import CHILD, DONE, ROOT, FakeScylla, ServedApp


async def test_drain_on_a_newer_node_unregisters_the_modules_finished_tasks() -> None:
    fake = FakeScylla(drain=True)
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url)
        await source.open()
        assert DRAIN in source.capabilities
        await source.drain("compaction")
        await source.close()
    assert DONE not in fake.tasks and ROOT in fake.tasks
    assert ("/task_manager/drain/compaction") in [path for _, path in fake.requests]


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
