"""list_module_tasks from cached per-task JSON: the same bytes as serialising validated models, never stale."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from pydantic import TypeAdapter

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.model import TaskStats, TaskStatus

QUIET = {"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": False}
AS_HTTP = TypeAdapter(list[TaskStats])
STATS_FIELDS = [name for name in TaskStats.model_fields if name != "task_id"]
"""task_stats is task_status without progress and tree links, and with ``task_id`` for ``id``."""


def as_stats(status: TaskStatus) -> TaskStats:
    """The list item of a task, from its status (the conversion the HTTP layer made before the cache)."""
    return TaskStats(task_id=status.id, **{name: getattr(status, name) for name in STATS_FIELDS})


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await Engine.open(
        EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0.0, enabled=QUIET, supervisor=False)
    )
    yield engine
    await engine.close()


def validated(engine: Engine, module: str, **filters: object) -> bytes:
    """The list as the HTTP layer wrote it before the cache: validated models, serialised by pydantic."""
    tasks = engine.tm.list_tasks(module, **filters)  # type: ignore[arg-type]
    return AS_HTTP.dump_json([as_stats(t.status()) for t in tasks])


async def test_the_cached_json_list_is_byte_for_byte_the_serialised_models(engine: Engine) -> None:
    await engine.break_disk(101)
    for vuid in sorted(engine.cluster.disks[102].chunks)[:3]:
        await engine.add_manual_migrate(vuid, True)
    await engine.advance(3)
    for module, internal in (("disk_repair", False), ("disk_repair", True), ("manual_migrate", False)):
        cached = await engine.list_module_tasks_json(module, internal=internal)
        assert cached == validated(engine, module, internal=internal)
        assert json.loads(cached) == json.loads(AS_HTTP.dump_json(await engine.list_module_tasks(module, internal)))
    assert len(json.loads(await engine.list_module_tasks_json("disk_repair", internal=True))) > 1


async def test_a_task_that_changes_is_listed_with_its_new_state(engine: Engine) -> None:
    vuid = min(engine.cluster.disks[102].chunks)
    await engine.add_manual_migrate(vuid, True)
    before = json.loads(await engine.list_module_tasks_json("manual_migrate"))
    assert [item["state"] for item in before] == ["created"]
    await engine.advance(1)
    after = json.loads(await engine.list_module_tasks_json("manual_migrate"))
    assert [item["state"] for item in after] == ["running"]
    assert after[0]["start_time"] != before[0]["start_time"]
    assert await engine.list_module_tasks_json("manual_migrate") == validated(engine, "manual_migrate")


async def test_filters_apply_to_the_cached_list(engine: Engine) -> None:
    await engine.break_disk(101)
    await engine.advance(1)
    disk = engine.cluster.disks[101]
    listed = json.loads(await engine.list_module_tasks_json("disk_repair", True, disk.idc, "101"))
    assert listed and all(item["keyspace"] == disk.idc and item["table"] == "101" for item in listed)
    assert await engine.list_module_tasks_json("disk_repair", True, "nowhere") == b"[]"
