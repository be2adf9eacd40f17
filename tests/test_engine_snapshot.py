"""The dashboard's refresh: a consistent snapshot, tasks as deltas by revision, disk migrations with rate/ETA."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import InvalidArgument
from engine.model import Snapshot
from engine.model.compact import compact_row
from engine.model.compact_row import CHILDREN_AT

QUIET = {"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": False}


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await Engine.open(
        EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0.0, enabled=QUIET, supervisor=False)
    )
    yield engine
    await engine.close()


def replay(table: dict[str, object], snap: Snapshot) -> None:
    if snap.full:
        table.clear()
    for row in snap.tasks:
        table[row.id] = row.status
    for task_id in snap.removed:
        table.pop(task_id, None)


async def test_a_full_snapshot_has_every_task_and_the_stats(engine: Engine) -> None:
    snap = engine.snapshot()
    assert snap.full and {row.id for row in snap.tasks} == set(engine.tm.tasks)
    assert snap.stats.disk_repair is not None and "disk_repair" in snap.modules
    assert snap.cluster.idcs == ["z0", "z1", "z2"] and snap.cluster.disks_by_status == {"normal": 48}


async def test_a_delta_returns_only_rows_changed_since_the_revision(engine: Engine) -> None:
    first = engine.snapshot()
    assert engine.snapshot(first.revision).tasks == []
    disk = max(engine.cluster.disks.values(), key=lambda d: len(d.chunks))
    await engine.break_disk(disk.disk_id)
    await engine.advance(1)
    delta = engine.snapshot(first.revision)
    assert not delta.full
    assert {row.module for row in delta.tasks} == {"disk_repair"}
    assert len(delta.tasks) == len(disk.chunks) + 1 - len(delta.removed)


async def test_feeding_deltas_in_order_reproduces_the_task_table(engine: Engine) -> None:
    table: dict[str, object] = {}
    snap = engine.snapshot()
    replay(table, snap)
    disk = max(engine.cluster.disks.values(), key=lambda d: len(d.chunks))
    await engine.break_disk(disk.disk_id)
    removed = 0
    for _ in range(120):
        await engine.advance(5)
        snap = engine.snapshot(snap.revision)
        removed += len(snap.removed)
        replay(table, snap)
        assert set(table) == set(engine.tm.tasks)
        assert all(table[i] == engine.tm.full_status(t) for i, t in engine.tm.tasks.items())
    assert removed > 0, "finished chunk tasks were folded away and reported as removed"


async def test_migrations_show_rate_and_eta_and_stay_a_while_after_finishing(engine: Engine) -> None:
    disk = max(engine.cluster.disks.values(), key=lambda d: len(d.chunks))
    await engine.drop_disk(disk.disk_id)
    await engine.advance(10)
    [migration] = engine.snapshot().migrations
    assert migration.disk_id == disk.disk_id and migration.task_type == "disk_drop"
    assert migration.rate_bytes_per_s > 0 and migration.eta_seconds is not None
    assert 0 < migration.bytes_done < migration.bytes_total
    while engine.handlers.drop.jobs[disk.disk_id].finished_at is None:
        await engine.advance(5)
    [migration] = engine.snapshot().migrations
    assert migration.finished_at is not None and migration.fraction == 1.0
    await engine.advance(61)
    assert engine.snapshot().migrations == []


async def test_a_snapshot_serialises_to_the_wire_format(engine: Engine) -> None:
    await engine.break_disk(101)
    await engine.advance(3)
    wire = engine.snapshot().model_dump(mode="json")
    again = Snapshot.model_validate(wire)
    assert again.revision == wire["revision"] and len(again.tasks) == len(wire["tasks"])


@pytest.mark.parametrize("bad", [-1, "3", 1.5, None, True])
async def test_snapshot_refuses_a_bad_revision(engine: Engine, bad: object) -> None:
    with pytest.raises(InvalidArgument, match="revision"):
        engine.snapshot(bad)  # type: ignore[arg-type]


async def test_the_same_seed_gives_the_same_cluster_tasks_and_ids() -> None:
    dumps = []
    for _ in range(2):
        engine = await Engine.open(EngineConfig(seed=5, demo=True, clock=ManualClock(), autorun=False))
        try:
            await engine.advance(120)
            dumps.append(engine.snapshot().model_dump_json(exclude={"taken_at"}))
        finally:
            await engine.close()
    assert dumps[0] == dumps[1]


async def test_the_disks_by_status_follow_every_status_change() -> None:
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, supervisor=False))
    try:
        first = engine.snapshot().cluster.disks_by_status
        disk = next(iter(engine.cluster.disks.values()))
        await engine.break_disk(disk.disk_id)
        after = engine.snapshot().cluster.disks_by_status
        assert first == {"normal": 48}
        assert after["normal"] == 47 and sum(after.values()) == 48
    finally:
        await engine.close()


async def test_a_compact_snapshot_carries_the_same_rows_as_tuples(engine: Engine) -> None:
    disk = max(engine.cluster.disks.values(), key=lambda d: len(d.chunks))
    await engine.break_disk(disk.disk_id)
    await engine.advance(20)  # a repair tree with its chunk children, progress under way
    rows, compact = engine.snapshot(), engine.snapshot(compact=True)
    assert compact.tasks == [] and len(compact.task_rows) == len(rows.tasks) > 5
    assert compact.task_rows == [compact_row(row) for row in rows.tasks]
    assert any(row[CHILDREN_AT] for row in compact.task_rows)
    assert compact.model_copy(update={"task_rows": []}) == rows.model_copy(update={"tasks": []})
