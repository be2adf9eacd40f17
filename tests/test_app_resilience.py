"""A failing source or a failing panel shows a message and a stale age; the app never crashes."""

from __future__ import annotations

from datetime import timedelta

from app.config import Config
from app.schedtop_app import SchedtopApp
from app.sources.base import SourceError
from app.sources.embedded import EmbeddedSource
from engine.model import Snapshot
from tests.app_support import FIXED_NOW, open_engine, screen_text


class FlakySource(EmbeddedSource):
    """The embedded engine, with a switch that makes every refresh fail like a dropped connection."""

    down = False

    async def snapshot(self, since: int = 0) -> Snapshot:
        if self.down:
            raise SourceError("connection refused")
        return await super().snapshot(since)


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self):
        return self.now


async def test_a_failing_source_shows_disconnected_and_the_stale_age_then_recovers() -> None:
    engine = await open_engine()
    clock = Clock()
    source = FlakySource(engine=engine)
    app = SchedtopApp(source, Config(), clock=clock, auto_refresh=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            assert await app.refresh_data()
            source.down = True
            clock.now += timedelta(seconds=42)
            assert not await app.refresh_data()
            await pilot.pause()
            text = screen_text(app)
            assert "disconnected" in text and "connection refused" in text and "age 42s" in text
            assert "disk_repair" in text  # the last data stays on screen
            source.down = False
            await engine.advance(5)
            assert await app.refresh_data()
            await pilot.pause()
            assert "● connected" in screen_text(app) and "age 0s" in screen_text(app)
    finally:
        await engine.close()


async def test_a_panel_that_cannot_render_its_data_shows_the_error_inside_itself() -> None:
    engine = await open_engine()

    class BadStats(EmbeddedSource):
        async def snapshot(self, since: int = 0) -> Snapshot:
            snap = await super().snapshot(since)
            broken = snap.stats.model_copy()
            object.__setattr__(broken, "disk_repair", object())  # a section without any of its fields
            return snap.model_copy(update={"stats": broken})

    app = SchedtopApp(BadStats(engine=engine), Config(), clock=lambda: FIXED_NOW, auto_refresh=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            assert await app.refresh_data()
            await pilot.pause()
            text = screen_text(app)
            assert "⚠ AttributeError" in text
            assert "balance" in text and "disk migrations" in text  # the rest keeps working
    finally:
        await engine.close()


async def test_a_source_that_cannot_open_is_reported_not_raised() -> None:
    class Unopenable(EmbeddedSource):
        async def open(self) -> None:
            raise SourceError("no such host")

    engine = await open_engine(advance=0)
    source = Unopenable(engine=engine)
    app = SchedtopApp(source, Config(), clock=lambda: FIXED_NOW, auto_refresh=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            assert not await app.refresh_data()
            await pilot.pause()
            assert "disconnected" in screen_text(app) and "no such host" in screen_text(app)
    finally:
        await engine.close()
