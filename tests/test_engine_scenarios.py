"""Big scenarios are made of real tasks: populate() goes through the task types and lands in the store at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import InvalidArgument
from engine.scenarios import populate
from engine.sim.cluster import ClusterShape


async def test_populate_makes_repairs_and_manual_migrations_and_stores_them(tmp_path: Path) -> None:
    engine = await Engine.open(
        EngineConfig(db_path=tmp_path / "engine.db", clock=ManualClock(), autorun=False, failure_rate=0.0)
    )
    try:
        before = len(engine.tm.tasks)
        made = populate(engine, 120)
        assert made.tasks >= 120 and made.broken_disks >= 1 and made.manual_tasks > 0
        assert len(engine.tm.tasks) - before == made.tasks
        assert len(engine.tm.listing("manual_migrate")) == made.manual_tasks
        stored = engine.store.connection.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
        assert stored == len(engine.tm.tasks)
        live = [w for w in engine.migrations.works() if not w.final]
        assert len({(w.vid, w.index) for w in live}) == len(live), "no chunk gets two migrations"
    finally:
        await engine.close()


async def test_populate_refuses_more_tasks_than_the_cluster_has_chunks_and_changes_nothing() -> None:
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, supervisor=False))
    try:
        before = set(engine.tm.tasks)
        with pytest.raises(InvalidArgument, match="chunks for"):
            populate(engine, 10_000_000)
        assert set(engine.tm.tasks) == before
        assert not engine.handlers.repair.pending, "no disk was broken"
    finally:
        await engine.close()


def test_the_large_shape_has_ten_thousand_disks_spread_over_the_idcs() -> None:
    shape = ClusterShape.large()
    assert shape.idcs * shape.hosts_per_idc * shape.disks_per_host == 10_000
    assert all(mode.unit_count % shape.idcs == 0 for mode in shape.code_modes)


async def test_an_in_memory_engine_writes_no_cluster_rows_nothing_could_read_them_back() -> None:
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0.0))
    try:
        populate(engine, 120)
        await engine.advance(5)
        connection = engine.store.connection
        for table in ("tasks", "disks", "volumes"):
            assert connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
        assert len(engine.tm.tasks) >= 120  # the engine itself has them all
    finally:
        await engine.close()


async def _engine() -> Engine:
    return await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, supervisor=False, seed=11))


def _free_units(engine: Engine, count: int) -> list[int]:
    return [vuid for volume in engine.cluster.volumes.values() for vuid, _ in volume.units][:count]


async def test_manual_migrations_queued_in_bulk_are_those_queued_one_by_one() -> None:
    one_by_one, in_bulk = await _engine(), await _engine()
    try:
        now = one_by_one.clock.now()
        ids = [one_by_one.handlers.manual.add(vuid, True, now) for vuid in _free_units(one_by_one, 40)]
        assert in_bulk.handlers.manual.add_many(_free_units(in_bulk, 40), True, now) == 40

        def made(engine: Engine) -> list[object]:
            return [(t.to_record(), t.work.to_json()) for t in engine.tm.listing("manual_migrate")]

        assert made(in_bulk) == made(one_by_one)
        assert [t.entity for t in in_bulk.tm.listing("manual_migrate")] == ids
        assert all(in_bulk.migrations.busy(vuid) is not None for vuid in _free_units(in_bulk, 40))
    finally:
        await one_by_one.close()
        await in_bulk.close()


async def test_queuing_in_bulk_a_unit_already_migrating_is_refused_after_queuing_those_before_it() -> None:
    engine = await _engine()
    try:
        first, second, third = _free_units(engine, 3)
        moving = engine.handlers.manual.add(second, True)
        with pytest.raises(InvalidArgument, match=f"already being migrated by task {moving}"):
            engine.handlers.manual.add_many([first, second, third], True, engine.clock.now())
        queued = engine.migrations.busy(first)  # as one call each: the first queued, the third never tried
        assert queued is not None and engine.migrations.busy(third) is None
        [task] = [t for t in engine.tm.listing("manual_migrate") if t.entity == queued]
        assert task.id in {task_id for task_id, _ in engine.tm.changes()}  # logged: deltas and the store see it
        assert len(engine.tm.listing("manual_migrate")) == 2
    finally:
        await engine.close()


async def test_a_unit_named_twice_in_one_bulk_request_gets_one_migration() -> None:
    engine = await _engine()
    try:
        [unit] = _free_units(engine, 1)
        with pytest.raises(InvalidArgument, match="already being migrated"):
            engine.handlers.manual.add_many([unit, unit], True, engine.clock.now())
        assert len([w for w in engine.migrations.works() if w.source_vuid == unit]) == 1
        assert len(engine.tm.listing("manual_migrate")) == 1
    finally:
        await engine.close()
