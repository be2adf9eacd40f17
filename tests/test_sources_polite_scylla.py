"""The ScyllaDB source is polite to a big node: its request budget holds and every tree is still read in time."""

from __future__ import annotations

from app.sources.budget import RequestBudget
from app.sources.http_scylla import ScyllaSource
from engine.model import Snapshot
from tests.fake_time import FakeTime
from tests.fake_upstreams import ROOT, FakeScylla, ServedApp


async def refreshed_every_second(source: ScyllaSource, time: FakeTime, seconds: int, since: int = 0) -> Snapshot:
    """What the dashboard does: one snapshot a second, each a delta on the last; returns the last one."""
    snap = None
    for _ in range(seconds):
        snap = await source.snapshot(since=since)
        since = snap.revision
        time.now += 1.0
    assert snap is not None
    return snap


async def test_against_a_thousand_running_roots_the_source_keeps_to_twenty_requests_a_second() -> None:
    time = FakeTime()
    fake = FakeScylla(clock=time.clock)
    roots = fake.add_running_roots(1000)
    with ServedApp(fake.app()) as served:
        budget = RequestBudget(20, clock=time.clock, sleep=time.sleep)
        source = ScyllaSource(served.url, clock=time.clock, budget=budget)
        await source.open()
        opened = len(fake.requests)
        snap = await refreshed_every_second(source, time, 60)
        await source.close()
    sent = fake.requests[opened:]
    assert len(sent) <= 20 * 60 + 20, f"{len(sent)} requests in 60 s"
    read = {path.rsplit("/", 1)[1] for _, path in sent if "task_status_recursive" in path}
    assert set(roots) | {ROOT} <= read, f"{len(set(roots) - read)} trees never read in 60 s"
    assert snap.lag.behind == 0


async def test_a_budget_too_small_for_the_node_shows_the_view_behind() -> None:
    time = FakeTime()
    fake = FakeScylla(clock=time.clock)
    fake.add_running_roots(1000)
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url, clock=time.clock, max_rps=5)
        await source.open()
        snap = await refreshed_every_second(source, time, 70)
        await source.close()
    assert snap.lag.behind > 0
    assert snap.lag.oldest_seconds > 60


async def test_a_root_whose_list_entry_changed_is_read_again_on_the_next_refresh() -> None:
    time = FakeTime()
    fake = FakeScylla(clock=time.clock)
    fake.add_running_roots(1000)
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url, clock=time.clock, max_rps=20)
        await source.open()
        # every tree read once: from now on only the oldest are due
        revision = (await refreshed_every_second(source, time, 60)).revision
        # the tree read last is the one least due: only its changed list entry gets it read now
        latest = [path.rsplit("/", 1)[1] for _, path in fake.requests if "task_status_recursive" in path][-1]
        fake.tasks[latest]["sequence_number"] = 4
        fake.tasks[latest]["progress_completed"] = 9.0
        second = await source.snapshot(since=revision)
        await source.close()
    changed = {row.id: row for row in second.tasks}
    assert changed[latest].status.progress_completed == 9.0
