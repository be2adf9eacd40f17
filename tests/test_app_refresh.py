"""The refresh loop (app.refresh) alone, without Textual: driven by a fake clock, the embedded engine and a source
that is down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import cast

import pytest

from app.client_model import Changes
from app.nodes import Node
from app.refresh import OTHER_NODES_EVERY, REFRESH_STEPS, RefreshLoop
from app.sources.base import Source
from app.sources.embedded import EmbeddedSource
from engine.engine import Engine
from engine.model import ClusterSummary, Snapshot, TasksStat

from .app_support import FIXED_NOW, open_engine


class FakeClock:
    """Both of the loop's clocks: a wall clock and a monotonic one that move only when told."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def now(self) -> datetime:
        return FIXED_NOW + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds


class Listener:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.changes: list[Changes] = []

    def push_changes(self, changes: Changes) -> None:
        self.events.append("changes")
        self.changes.append(changes)

    def update_status(self) -> None:
        self.events.append("status")

    def nodes_changed(self) -> None:
        self.events.append("nodes")


class DownSource:
    """A server that refuses every connection."""

    capabilities: frozenset[str] = frozenset()

    def describe(self) -> str:
        return "down"

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def snapshot(self, since: int = 0) -> object:
        raise OSError("connection refused")


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await open_engine()
    yield engine
    await engine.close()


def embedded(engine: Engine, name: str = "embedded") -> Node:
    return Node(name, EmbeddedSource(engine=engine, label=name))


def down(name: str = "down") -> Node:
    return Node(name, cast(Source, DownSource()))


def make_loop(nodes: list[Node], clock: FakeClock, interval: float = 1.0) -> tuple[RefreshLoop, Listener]:
    listener = Listener()
    loop = RefreshLoop(nodes, listener, interval=interval, clock=clock.now, monotonic=clock.monotonic)
    return loop, listener


async def test_a_refresh_applies_the_snapshot_and_stamps_it_with_the_injected_clock(engine: Engine) -> None:
    clock = FakeClock()
    loop, listener = make_loop([embedded(engine)], clock)
    assert await loop.refresh_shown()
    node = loop.shown
    assert node.connection == "connected" and node.last_ok == clock.now()
    assert node.model.rows and node.model.latest is not None
    assert listener.events == ["changes", "status", "nodes"] and listener.changes[0].full
    clock.seconds += 5
    assert node.age(clock.now()) == 5.0
    await engine.advance(30)
    assert await loop.refresh_shown()
    assert not listener.changes[-1].full  # only what changed since the model's revision


async def test_a_failed_refresh_keeps_the_data_and_marks_the_node_disconnected() -> None:
    loop, listener = make_loop([down()], FakeClock())
    assert not await loop.refresh_shown()
    assert loop.shown.connection == "disconnected" and loop.shown.last_error == "connection refused"
    assert listener.events == ["status", "nodes"]  # no changes to push


async def test_the_node_not_shown_keeps_its_own_model_and_failures(engine: Engine) -> None:
    loop, listener = make_loop([embedded(engine), down()], FakeClock())
    assert not await loop.refresh_node(loop.nodes[1])
    assert listener.events == ["nodes"]
    assert loop.shown.connection == "connecting"
    assert await loop.refresh_node(loop.nodes[0])
    assert loop.leader() == 0
    assert loop.show(1) and not loop.show(3)  # modulo the nodes: 3 is 1 again
    assert loop.leader() == 0  # the node shown is down
    listener.events.clear()
    await loop.refresh_other(loop.nodes[0])  # fetched for the nodes screen
    assert listener.events == ["nodes"]
    loop.show(0)
    await loop.refresh_other(loop.nodes[0])  # shown meanwhile: its screens resync
    assert listener.events == ["nodes", "changes", "nodes"] and listener.changes[-1].full


def test_the_beat_fetches_the_node_shown_and_the_others_on_their_own_schedule() -> None:
    clock = FakeClock()
    nodes = [down("a"), down("b"), down("c")]
    loop, _ = make_loop(nodes, clock, interval=0.5)
    beat = loop.beat()
    assert beat.shown and beat.others == (nodes[1], nodes[2])  # the first beat polls them all
    clock.seconds += 0.5
    assert loop.beat().others == ()
    clock.seconds += OTHER_NODES_EVERY
    nodes[2].fetching = True  # still busy from before: not asked twice
    assert loop.beat().others == (nodes[1],)
    clock.seconds += 0.5
    assert loop.beat(nodes_screen=True).others == (nodes[1],)  # the nodes screen shows them all: every beat
    loop.paused = True
    assert loop.beat() == loop.beat(nodes_screen=True) and not loop.beat().shown
    single, _ = make_loop([down()], clock)
    assert single.beat().shown and single.beat().others == ()


def test_the_header_is_redrawn_once_a_second_by_the_refreshes_or_by_the_status_tick() -> None:
    clock = FakeClock()
    loop, _ = make_loop([down()], clock, interval=1.0)
    assert loop.status_due()  # never drawn yet
    loop.status_drawn()
    clock.seconds += 1.0
    assert not loop.status_due()  # a refresh each second draws it
    clock.seconds += 0.5
    assert loop.status_due()  # that refresh is late
    loop.status_drawn()
    loop.paused = True
    clock.seconds += 0.98
    assert loop.status_due()


def test_the_refresh_interval_moves_by_steps_within_the_limits() -> None:
    loop, _ = make_loop([down()], FakeClock(), interval=1.0)
    assert loop.faster() == 0.5 and loop.faster() == REFRESH_STEPS[0] and loop.faster() == REFRESH_STEPS[0]
    loop.set_interval(45)
    assert loop.slower() == 60.0 and loop.slower() == REFRESH_STEPS[-1]
    assert loop.set_interval(0.0) > 0


class SlowSource(DownSource):
    """A big engine: every snapshot takes a while to build."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.revision = 0

    async def snapshot(self, since: int = 0) -> Snapshot:
        await asyncio.sleep(self.seconds)
        self.revision += 1
        return Snapshot(
            revision=self.revision,
            full=since == 0,
            taken_at=FIXED_NOW,
            cluster=ClusterSummary(name="big", node="n"),
            stats=TasksStat(),
            modules=[],
        )


async def test_the_first_full_snapshot_may_take_longer_than_a_delta() -> None:
    node = Node("big", cast(Source, SlowSource(0.2)))
    first = await node.fetch(0.05, FakeClock().now, print, full_timeout=5.0)
    assert first is not None and node.connection == "connected"
    delta = await node.fetch(0.05, FakeClock().now, print, full_timeout=5.0)
    assert delta is None and node.connection == "disconnected"
