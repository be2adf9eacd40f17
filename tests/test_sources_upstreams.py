"""The CubeFS and ScyllaDB sources against servers answering in upstream's wire format, over real sockets."""

from __future__ import annotations

import pytest

from app.sources.base import TASKS, USER_TTL
from app.sources.http_cubefs import CubeFSSource
from app.sources.http_scylla import ScyllaSource
from engine.errors import NotAbortable, NotFound

from .fake_upstreams import CHILD, DONE, ROOT, FakeScylla, ServedApp, cubefs_app


@pytest.mark.parametrize("nested", [False, True], ids=["released-flat", "master-nested"])
async def test_cubefs_stats_and_repairing_disk_progress_reach_the_snapshot(nested: bool) -> None:
    with ServedApp(cubefs_app(nested=nested)) as served:
        source = CubeFSSource(served.url)
        snap = await source.snapshot()
        await source.close()
    assert snap.stats.disk_repair is not None and snap.stats.disk_repair.repairing_disks == [17]
    ((disk, done, total),) = [(m.disk_id, m.migrated_tasks_cnt, m.total_tasks_cnt) for m in snap.migrations]
    assert (disk, done, total) == (17, 12, 40)
    assert TASKS not in source.capabilities and not snap.tasks


async def test_cubefs_before_330_is_read_from_leader_stats() -> None:
    with ServedApp(cubefs_app(released_before_330=True)) as served:
        source = CubeFSSource(served.url)
        snap = await source.snapshot()
        await source.close()
    assert snap.stats.balance is not None and snap.stats.balance.preparing_cnt == 1


async def test_cubefs_task_detail_and_its_not_found() -> None:
    with ServedApp(cubefs_app()) as served:
        source = CubeFSSource(served.url)
        detail = await source.task_detail("balance", "balance-2678-387752-cg08egoi5d8une4a6cp0")
        with pytest.raises(NotFound):
            await source.task_detail("balance", "balance-1-2-nothere")
        await source.close()
    assert detail.task.source_disk_id == 2678


async def test_cubefs_manual_migration_answers_an_empty_body_and_that_is_success() -> None:
    with ServedApp(cubefs_app()) as served:
        source = CubeFSSource(served.url)
        assert await source.add_manual_migrate(4395630596, direct_download=False) == ""
        await source.close()


async def test_scylla_trees_of_running_roots_and_finished_roots_from_the_list() -> None:
    fake = FakeScylla()
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url)
        await source.open()
        snap = await source.snapshot()
        await source.close()
    rows = {row.id: row for row in snap.tasks}
    assert set(rows) == {ROOT, CHILD, DONE}
    assert rows[CHILD].internal and rows[CHILD].status.parent_id == ROOT
    assert rows[DONE].status.state.value == "done"
    assert USER_TTL not in source.capabilities  # a 6.2.0 node has no user_ttl


async def test_scylla_a_finished_task_the_node_forgets_stays_visible_marked_gone() -> None:
    fake = FakeScylla()
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url)
        await source.open()
        first = await source.snapshot()
        fake.forget(DONE)
        second = await source.snapshot(since=first.revision)
        await source.close()
    assert [(row.id, row.gone) for row in second.tasks] == [(DONE, True)]


async def test_scylla_abort_refusal_is_not_abortable_and_ttl_returns_the_previous_value() -> None:
    fake = FakeScylla()
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url)
        await source.open()
        with pytest.raises(NotAbortable, match="cannot be aborted"):
            await source.abort(CHILD)
        await source.abort(ROOT)
        assert await source.set_ttl(30) == 0
        assert await source.get_ttl() == 30
        await source.close()
    assert fake.tasks[ROOT]["state"] == "failed"
