"""What the engine builds once and hands out again: migration views, trusted rows. Never stale, never shared wrongly."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.model import ChildRef, DiskMigration, TaskRow
from engine.trusted import construct

QUIET = {"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": False}


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await Engine.open(
        EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0.0, enabled=QUIET, supervisor=False)
    )
    yield engine
    await engine.close()


def view_of(engine: Engine, disk_id: int) -> DiskMigration:
    return next(m for m in engine.snapshot(engine.tm.revision).migrations if m.disk_id == disk_id)


async def test_a_migration_view_follows_the_disks_progress_and_rate(engine: Engine) -> None:
    await engine.break_disk(101)
    await engine.advance(1)
    seen = [view_of(engine, 101)]
    for _ in range(12):
        await engine.advance(1)
        seen.append(view_of(engine, 101))
    assert seen[-1].bytes_done > seen[0].bytes_done
    assert seen[-1].rate_bytes_per_s > 0
    job = engine.handlers.repair.jobs[101]
    assert seen[-1] == DiskMigration.model_validate(seen[-1].model_dump())  # a valid model, as if validated
    assert (seen[-1].migrated_tasks_cnt, seen[-1].total_tasks_cnt) == (job.migrated, job.total)


async def test_an_unchanged_migration_view_is_reused_and_a_changed_one_is_new(engine: Engine) -> None:
    await engine.break_disk(101)
    await engine.advance(3)
    first = view_of(engine, 101)
    assert view_of(engine, 101) is first  # nothing moved between two snapshots
    await engine.advance(1)
    assert view_of(engine, 101) is not first


def test_a_trusted_model_needs_every_field() -> None:
    with pytest.raises(TypeError, match="task_id"):
        construct(ChildRef, node="10.0.0.1")


async def test_updating_one_trusted_row_leaves_the_others_untouched(engine: Engine) -> None:
    await engine.break_disk(101)
    await engine.advance(1)
    rows = engine.snapshot(0).tasks
    gone = rows[0].model_copy(update={"gone": True})
    assert gone.gone and not rows[0].gone and not rows[1].gone
    assert gone.model_fields_set == rows[1].model_fields_set == set(TaskRow.model_fields)
    assert TaskRow.model_validate(rows[1].model_dump()) == rows[1]


async def test_trusted_rows_share_their_field_names_and_still_read_and_write_like_models(engine: Engine) -> None:
    await engine.break_disk(101)
    await engine.advance(1)
    first, second = engine.snapshot(0).tasks[:2]
    assert sys.getsizeof(first.status.__dict__) < sys.getsizeof(dict(first.status.__dict__))
    first.status.error = "boom"  # pydantic writes into the instance dict; only this row changes
    assert first.status.error == "boom" and second.status.error == ""
    assert TaskRow.model_validate_json(first.model_dump_json()) == first
