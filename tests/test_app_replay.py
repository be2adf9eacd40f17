"""``schedtop --replay``: the dashboard on a recording, moved through time by its keys, never changing anything."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.screen import ModalScreen

from app.recording.reader import Recording
from app.recording.replay_app import ReplayApp
from widgets.replay_bar import ReplayBar

from .app_support import screen_text
from .recording_support import T0, record_engine

TICKS = 12


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def replaying(
    tmp_path: Path, nodes: int = 1, **kwargs: object
) -> AsyncIterator[tuple[ReplayApp, object, list[set[str]]]]:
    path = tmp_path / "rec.db"
    states = await record_engine(path, TICKS, keyframe_every=4, nodes=nodes)
    recording = Recording(path)
    app = ReplayApp(recording, playing=False, auto_refresh=False, **kwargs)  # type: ignore[arg-type]
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await app.refresh_data()
            await pilot.pause()
            yield app, pilot, states
    finally:
        recording.close()


async def settle(app: ReplayApp, pilot: object) -> None:
    await app.workers.wait_for_complete()
    await app.refresh_data()
    await pilot.pause()  # type: ignore[attr-defined]


def bar_text(app: ReplayApp) -> str:
    return str(app.screen.query_one(ReplayBar).render())


async def test_replay_shows_the_recorded_rows_with_a_replay_badge_and_a_timeline(tmp_path: Path) -> None:
    async with replaying(tmp_path) as (app, _pilot, states):
        assert set(app.model.rows) == states[0]
        text = screen_text(app)
        assert "REPLAY" in text.splitlines()[0]
        assert "0:00:00 / 0:00:11" in bar_text(app)


async def test_seeking_moves_the_clock_and_the_rows_shown(tmp_path: Path) -> None:
    async with replaying(tmp_path) as (app, pilot, states):
        assert states[0] != states[-1]
        first_header = screen_text(app).splitlines()[0]
        await pilot.press("end")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert {task for task in app.model.rows if not app.model.rows[task].gone} == states[-1]
        assert "0:00:11 / 0:00:11" in bar_text(app)
        assert screen_text(app).splitlines()[0] != first_header
        await pilot.press("home")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.replay_clock.position() == T0
        assert {task for task in app.model.rows if not app.model.rows[task].gone} == states[0]


async def test_step_and_seek_keys_move_by_a_tick_and_by_ten_seconds(tmp_path: Path) -> None:
    async with replaying(tmp_path) as (app, pilot, _states):
        await pilot.press("full_stop", "full_stop")  # type: ignore[attr-defined]
        assert app.replay_clock.position() == T0 + 2
        await pilot.press("comma")  # type: ignore[attr-defined]
        assert app.replay_clock.position() == T0 + 1
        await pilot.press("right_square_bracket")  # type: ignore[attr-defined]
        assert app.replay_clock.position() == T0 + 11  # the end: seeks stop there
        await pilot.press("left_square_bracket")  # type: ignore[attr-defined]
        assert app.replay_clock.position() == T0 + 1


async def test_space_plays_at_the_speed_plus_and_minus_set(tmp_path: Path) -> None:
    monotonic = FakeMonotonic()
    async with replaying(tmp_path, monotonic=monotonic) as (app, pilot, _states):
        await pilot.press("plus", "plus")  # type: ignore[attr-defined]
        assert app.replay_clock.speed == 4.0
        await pilot.press("space")  # type: ignore[attr-defined]
        monotonic.now += 1.5
        assert app.replay_clock.position() == T0 + 6
        await pilot.press("minus", "space")  # type: ignore[attr-defined]
        monotonic.now += 10
        assert app.replay_clock.position() == T0 + 6 and not app.replay_clock.playing
        await settle(app, pilot)
        assert "❚❚ ×2" in bar_text(app)


async def test_mutating_keys_change_nothing_and_say_why(tmp_path: Path) -> None:
    async with replaying(tmp_path) as (app, pilot, _states):
        path = app.recording.path
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        for key in ("h", "r", "c", "m", "colon", "t", "a", "o"):
            await pilot.press(key)  # type: ignore[attr-defined]
            await pilot.pause()  # type: ignore[attr-defined]
            assert not isinstance(app.screen, ModalScreen), key
        assert any("Halt: not in a replay" in message for message in app.notification_messages)
        assert app.is_running
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


async def test_the_help_screen_lists_the_replay_keys(tmp_path: Path) -> None:
    async with replaying(tmp_path) as (app, pilot, _states):
        await pilot.press("question_mark")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        text = screen_text(app)
        assert "Replay (schedtop --replay FILE)" in text
        assert "Seek a minute back." in text and "Play or pause the recording." in text
        assert "Halt the supervisor" not in text


async def test_every_recorded_node_replays_and_steps_go_by_the_ticks_of_the_node_shown(tmp_path: Path) -> None:
    async with replaying(tmp_path, nodes=2) as (app, pilot, states):
        assert [node.name for node in app.nodes] == ["embedded", "second"]
        await pilot.press("n")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.node.name == "second" and app.node.connection == "disconnected"  # its first tick comes later
        await pilot.press("full_stop")  # type: ignore[attr-defined]
        assert app.replay_clock.position() == T0 + 0.1
        await settle(app, pilot)
        assert app.node.connection == "connected" and set(app.model.rows) == states[0]
        assert "node second (2/2)" in screen_text(app).splitlines()[0]
