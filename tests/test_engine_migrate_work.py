"""A migrate task's payload: siblings share what they have in common, and never each other's progress."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.model import MigrateState
from engine.tasks.migrate import MigrateWork

MOMENT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def chunk(vuid: int, **changes: Any) -> MigrateWork:
    fields: dict[str, Any] = dict(
        task_id=f"disk_repair-101-{vuid}-abcdefghijklmnopqrst",
        task_type="disk_repair",
        state=MigrateState.INITED,
        code_mode=11,
        source_idc="z0",
        source_disk_id=101,
        source_vuid=vuid,
        forbidden_direct_download=False,
        ctime=MOMENT,
        mtime=MOMENT,
        total_size=1000,
        total_count=10,
        rate=100.0,
    )
    return MigrateWork(**(fields | changes))


def test_a_queued_work_reads_the_defaults_of_the_fields_a_worker_fills_in() -> None:
    work = chunk(1)
    assert (work.dest_disk_id, work.dest_host, work.dest_vuid, work.done_size) == (0, "", 0, 0)
    assert (work.worker_redo_cnt, work.finish_advance_reason, work.finish_left, work.last_error) == (0, "", 0.0, "")


def test_progress_written_on_one_work_is_its_own() -> None:
    first, second = chunk(1), chunk(2)
    first.done_size, first.dest_host, first.worker_redo_cnt = 500, "10.0.0.7", 2
    assert (first.done_size, first.dest_host, first.worker_redo_cnt) == (500, "10.0.0.7", 2)
    assert (second.done_size, second.dest_host, second.worker_redo_cnt) == (0, "", 0)


def test_a_work_made_with_progress_keeps_it() -> None:
    work = chunk(1, state=MigrateState.PREPARED, dest_disk_id=7, done_size=300, last_error="disk gone")
    assert (work.dest_disk_id, work.done_size, work.last_error) == (7, 300, "disk gone")
    assert work.done_count == 3


def test_siblings_share_their_origin_and_keep_their_own_unit() -> None:
    first, second = chunk(1), chunk(2)
    assert first.origin is second.origin
    assert (first.task_type, first.code_mode, first.source_idc, first.source_disk_id) == ("disk_repair", 11, "z0", 101)
    assert (first.source_vuid, second.source_vuid) == (1, 2)
    assert chunk(3, code_mode=12).code_mode == 12


async def test_the_works_of_a_failure_wave_share_one_int_per_shard_count() -> None:
    engine = await Engine.open(
        EngineConfig(clock=ManualClock(), autorun=False, supervisor=False, wave_tasks=20_000, disks=1_000, seed=5)
    )
    try:
        counts = [work.total_count for work in engine.migrations.works()]
        assert len(counts) > 19_000 and len(set(counts)) < len(counts) * 0.7  # thousands of works share a count
        assert len({id(count) for count in counts}) == len(set(counts))
    finally:
        await engine.close()
