"""CubeFS migrate tasks: disk repair and drop, balance, manual migration, states, counters, redo and abort."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import IllegalTaskType, InvalidArgument, NotFound, NotMigrating
from engine.model import DiskStatus, MigrateState, TaskState, split_vuid

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


def busiest_disk(engine: Engine) -> int:
    return max(engine.cluster.disks.values(), key=lambda d: (len(d.chunks), -d.disk_id)).disk_id


def chunk_on(engine: Engine, disk_id: int) -> int:
    return min(engine.cluster.disks[disk_id].chunks)


async def run_until(engine: Engine, done, limit: float = 3600) -> None:
    spent = 0.0
    while not done() and spent < limit:
        await engine.advance(1)
        spent += 1
    assert done(), f"condition not reached within {limit}s"


async def test_a_broken_disk_yields_one_migrate_task_per_chunk(engine: Engine) -> None:
    disk_id = busiest_disk(engine)
    chunks = set(engine.cluster.disks[disk_id].chunks)
    await engine.break_disk(disk_id)
    await engine.advance(1)
    [root] = await engine.list_module_tasks("disk_repair")
    assert (root.scope, root.table) == ("disk", str(disk_id))
    children = (await engine.task_status_recursive(root.task_id))[1:]
    assert len(children) == len(chunks)
    sources = {(await engine.task_detail("disk_repair", c.entity)).task.source_vuid for c in children}
    assert sources == chunks
    assert engine.cluster.disks[disk_id].status is DiskStatus.REPAIRING


async def test_a_repair_rebuilds_every_chunk_elsewhere_and_marks_the_disk_repaired(engine: Engine) -> None:
    disk_id = busiest_disk(engine)
    vids = {split_vuid(v)[0] for v in engine.cluster.disks[disk_id].chunks}
    await engine.break_disk(disk_id)
    await run_until(engine, lambda: engine.cluster.disks[disk_id].status is DiskStatus.REPAIRED)
    assert engine.cluster.disks[disk_id].chunks == set()
    for vid in vids:
        hosts = [engine.cluster.disks[d].host for _, d in engine.cluster.volumes[vid].units]
        assert len(hosts) == len(set(hosts)), "units of a volume stay on distinct hosts"
        assert disk_id not in [d for _, d in engine.cluster.volumes[vid].units]


async def test_a_migrate_task_moves_through_states_one_to_four(engine: Engine) -> None:
    task_id = await engine.add_manual_migrate(chunk_on(engine, 101), direct_download=True)
    seen = [(await engine.task_detail("manual_migrate", task_id)).task.state]
    while seen[-1] is not MigrateState.FINISHED:
        await engine.advance(1)
        state = (await engine.task_detail("manual_migrate", task_id)).task.state
        if state != seen[-1]:
            seen.append(state)
    assert seen == [MigrateState.INITED, MigrateState.PREPARED, MigrateState.WORK_COMPLETED, MigrateState.FINISHED]


async def test_queue_counters_count_tasks_in_prepare_work_and_finish_states(engine: Engine) -> None:
    task_id = await engine.add_manual_migrate(chunk_on(engine, 101), direct_download=False)

    async def counts() -> tuple[int, int, int]:
        s = (await engine.stats()).manual_migrate
        assert s is not None
        return s.preparing_cnt, s.worker_doing_cnt, s.finishing_cnt

    assert await counts() == (1, 0, 0)
    await engine.advance(1)
    assert await counts() == (0, 1, 0)
    await run_until(engine, lambda: engine.migrations.get(task_id).state is MigrateState.WORK_COMPLETED)
    assert await counts() == (0, 0, 1)
    await engine.advance(1)
    assert await counts() == (0, 0, 0)


async def test_the_destination_is_chosen_on_prepare_and_zero_before(engine: Engine) -> None:
    task_id = await engine.add_manual_migrate(chunk_on(engine, 101), direct_download=False)
    detail = await engine.task_detail("manual_migrate", task_id)
    assert detail.task.destination.disk_id == 0 and detail.task.forbidden_direct_download is True
    await engine.advance(1)
    detail = await engine.task_detail("manual_migrate", task_id)
    assert detail.task.destination.disk_id not in (0, 101)
    assert detail.task.destination.vuid == detail.task.source_vuid + 1  # same unit, next epoch
    assert len(detail.task.sources) == len(engine.cluster.volumes[split_vuid(detail.task.source_vuid)[0]].units)


async def test_progress_and_statistics_follow_the_bytes_moved(engine: Engine) -> None:
    task_id = await engine.add_manual_migrate(chunk_on(engine, 101), direct_download=True)
    await engine.advance(3)
    detail = await engine.task_detail("manual_migrate", task_id)
    work = engine.migrations.get(task_id)
    assert 0 < detail.stat.done_size < detail.stat.total_size
    assert detail.stat.progress == detail.stat.done_size * 100 // detail.stat.total_size
    [row] = await engine.list_module_tasks("manual_migrate")
    status = engine.tm.full_status(engine.tm.get(row.task_id))
    assert status.progress_units == "bytes" and status.progress_completed == work.done_size
    stats = (await engine.stats()).manual_migrate
    assert stats is not None and stats.stats_per_min.data_amount_byte[-1] == work.done_size


async def test_a_failed_worker_step_is_redone_and_counted(engine: Engine) -> None:
    task_id = await engine.add_manual_migrate(chunk_on(engine, 101), direct_download=True)
    await engine.advance(2)
    await engine.fail_next("manual_migrate", 1)
    await engine.advance(1)
    detail = await engine.task_detail("manual_migrate", task_id)
    assert detail.task.worker_redo_cnt == 1
    await run_until(engine, lambda: engine.migrations.get(task_id).final)
    assert engine.migrations.get(task_id).state is MigrateState.FINISHED


async def test_after_three_redos_a_migrate_task_fails_for_real(engine: Engine) -> None:
    task_id = await engine.add_manual_migrate(chunk_on(engine, 101), direct_download=True)
    [row] = await engine.list_module_tasks("manual_migrate")
    await engine.fail_next("manual_migrate", 4)
    await engine.advance(6)
    detail = await engine.task_detail("manual_migrate", task_id)
    assert detail.task.state is MigrateState.FINISHED_IN_ADVANCE
    assert detail.task.worker_redo_cnt == 4 and "injected fault" in detail.task.finish_advance_reason
    status = await engine.task_status(row.task_id)
    assert status.state is TaskState.FAILED and "gave up after 3 redos" in status.error


async def test_abort_stops_the_bytes_moving(engine: Engine) -> None:
    disk_id = busiest_disk(engine)
    await engine.break_disk(disk_id)
    await engine.advance(3)
    [root] = await engine.list_module_tasks("disk_repair")
    moved = engine.counters.show("disk_repair", "data_amount_byte", engine.clock.now().timestamp())[-1]
    await engine.abort_task(root.task_id)
    await engine.advance(30)
    after = engine.counters.show("disk_repair", "data_amount_byte", engine.clock.now().timestamp())
    assert sum(after) == moved
    assert (await engine.stats()).disk_repair.worker_doing_cnt == 0
    status = engine.tm.get(root.task_id)
    assert status.state is TaskState.FAILED and status.error == "aborted"
    assert engine.cluster.disks[disk_id].status is DiskStatus.BROKEN and engine.cluster.disks[disk_id].held
    reserved = sum(d.reserved for d in engine.cluster.disks.values())
    assert reserved == 0, "aborted migrations give their reserved room back"


async def test_aborting_one_chunk_fails_only_that_chunk_and_then_its_disk_job(engine: Engine) -> None:
    disk_id = busiest_disk(engine)
    await engine.break_disk(disk_id)
    await engine.advance(1)
    [root] = await engine.list_module_tasks("disk_repair")
    child = (await engine.task_status_recursive(root.task_id))[1]
    await engine.abort_task(child.id)
    await run_until(engine, lambda: engine.tm.get(root.task_id).state.is_final)
    total = engine.handlers.repair.jobs[disk_id].total
    assert engine.tm.get(root.task_id).error == f"1 of {total} chunk migrations failed"


async def test_disk_migrating_reports_total_and_migrated_tasks(engine: Engine) -> None:
    disk_id = busiest_disk(engine)
    total = len(engine.cluster.disks[disk_id].chunks)
    await engine.drop_disk(disk_id)
    await engine.advance(1)
    progress = await engine.disk_migrating("disk_drop", disk_id)
    assert (progress.total_tasks_cnt, progress.migrated_tasks_cnt) == (total, 0)
    stats = (await engine.stats()).disk_drop
    assert stats is not None and stats.dropping_disks == [disk_id] and stats.total_tasks_cnt == total
    await run_until(engine, lambda: engine.cluster.disks[disk_id].status is DiskStatus.DROPPED)
    with pytest.raises(NotMigrating, match="not dropping disk"):
        await engine.disk_migrating("disk_drop", disk_id)


async def test_disk_migrating_for_a_healthy_disk_is_not_migrating(engine: Engine) -> None:
    with pytest.raises(NotMigrating, match="not repairing disk"):
        await engine.disk_migrating("disk_repair", 101)
    with pytest.raises(IllegalTaskType):
        await engine.disk_migrating("balance", 101)


async def test_task_detail_rejects_bad_types_ids_and_unknown_tasks(engine: Engine) -> None:
    with pytest.raises(IllegalTaskType):
        await engine.task_detail("shard_repair", "shard_repair-1-2-x")
    with pytest.raises(InvalidArgument):
        await engine.task_detail("balance", "disk_repair-1-2-x")
    with pytest.raises(NotFound):
        await engine.task_detail("balance", "balance-1-2-abcdefghij0123456789")


async def test_cubefs_task_ids_name_type_disk_vid_and_a_twenty_char_xid(engine: Engine) -> None:
    vuid = chunk_on(engine, 101)
    task_id = await engine.add_manual_migrate(vuid, direct_download=True)
    kind, disk, vid, xid = task_id.rsplit("-", 3)
    assert (kind, int(disk), int(vid)) == ("manual_migrate", 101, split_vuid(vuid)[0])
    assert len(xid) == 20 and set(xid) <= set("0123456789abcdefghijklmnopqrstuv")


async def test_manual_migrate_is_a_user_root_task_with_the_cubefs_id_as_entity(engine: Engine) -> None:
    task_id = await engine.add_manual_migrate(chunk_on(engine, 101), direct_download=True)
    [row] = await engine.list_module_tasks("manual_migrate")
    task = engine.tm.get(row.task_id)
    assert row.entity == task_id and task.user and task.parent_id is None


@pytest.mark.parametrize("vuid", [0, -1, 2**64, "12", 1.5, True, None])
async def test_manual_migrate_refuses_malformed_vuids(engine: Engine, vuid: object) -> None:
    with pytest.raises(InvalidArgument, match="vuid"):
        await engine.add_manual_migrate(vuid, True)  # type: ignore[arg-type]
    assert await engine.list_module_tasks("manual_migrate") == []


async def test_manual_migrate_refuses_a_vuid_that_is_on_no_disk(engine: Engine) -> None:
    vuid = chunk_on(engine, 101)
    with pytest.raises(InvalidArgument, match="not on any disk"):
        await engine.add_manual_migrate(vuid + 1, True)  # a stale epoch


async def test_manual_migrate_refuses_a_chunk_already_moving(engine: Engine) -> None:
    vuid = chunk_on(engine, 101)
    first = await engine.add_manual_migrate(vuid, True)
    with pytest.raises(InvalidArgument, match=first):
        await engine.add_manual_migrate(vuid, True)


async def test_a_disabled_type_starts_no_new_work(engine: Engine) -> None:
    await engine.set_enabled("disk_repair", False)
    disk_id = busiest_disk(engine)
    await engine.break_disk(disk_id)
    await engine.advance(30)
    assert await engine.list_module_tasks("disk_repair") == []
    stats = (await engine.stats()).disk_repair
    assert stats is not None and stats.enable is False
    await engine.set_enabled("disk_repair", True)
    await engine.advance(1)
    assert len(await engine.list_module_tasks("disk_repair")) == 1


async def test_a_silent_destination_node_stalls_its_tasks(engine: Engine) -> None:
    task_id = await engine.add_manual_migrate(chunk_on(engine, 101), direct_download=True)
    await engine.advance(1)
    work = engine.migrations.get(task_id)
    await engine.silence_node(work.dest_host)
    before = work.done_size
    await engine.advance(20)
    assert work.done_size == before
    await engine.silence_node(work.dest_host, silent=False)
    await engine.advance(1)
    assert work.done_size > before


async def test_balance_moves_chunks_off_the_fullest_disks() -> None:
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0.0, supervisor=False))
    try:
        fullest = engine.cluster.fullest_disks(6)
        await engine.advance(1)
        [round_] = await engine.list_module_tasks("balance")
        children = (await engine.task_status_recursive(round_.task_id))[1:]
        assert children and {int(c.table) for c in children} <= {d.disk_id for d in fullest}
        assert round_.scope == "cluster" and engine.tm.get(round_.task_id).progress_units == "chunks"
    finally:
        await engine.close()
