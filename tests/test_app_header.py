"""The header tells one time: the engine's clock (and its speed) wherever the data's times come from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.config import Config
from app.schedtop_app import SchedtopApp
from app.sources.embedded import EmbeddedSource
from engine.clock import RealClock
from engine.engine import Engine, EngineConfig

from .app_support import FIXED_NOW, fixed_clock, running, screen_text

ENGINE_START = datetime(2015, 3, 11, 0, 28, 0, tzinfo=UTC)


async def test_the_header_shows_the_engines_clock_not_the_wall_clock() -> None:
    async with running() as (app, pilot, engine):
        app.update_status()
        await pilot.pause()
        header = screen_text(app).splitlines()[0]
        engine_time = engine.clock.now().strftime("%H:%M:%S")
    assert FIXED_NOW.strftime("%H:%M:%S") not in header
    assert engine_time in header


async def test_a_fast_engine_shows_its_speed_beside_its_clock() -> None:
    engine = await Engine.open(EngineConfig(seed=1, clock=RealClock(speed=30, start=ENGINE_START), autorun=False))
    app = SchedtopApp(EmbeddedSource(engine=engine, label="fast"), Config(), clock=fixed_clock, auto_refresh=False)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await app.refresh_data()
            app.update_status()
            await pilot.pause()
            header = screen_text(app).splitlines()[0]
    finally:
        await engine.close()
    assert "×30" in header
    assert "00:28" in header  # the engine's 00:28, not the wall clock's 12:00


async def test_panels_dim_once_the_data_is_older_than_two_refreshes() -> None:
    engine = await Engine.open(EngineConfig(seed=1, clock=RealClock(speed=1, start=ENGINE_START), autorun=False))
    wall = [FIXED_NOW]
    app = SchedtopApp(EmbeddedSource(engine=engine, label="e"), Config(), clock=lambda: wall[0], auto_refresh=False)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await app.refresh_data()
            app.update_status()
            await pilot.pause()
            body = app.screen.query_one("#body")
            assert body.styles.opacity == 1.0
            wall[0] = FIXED_NOW + timedelta(seconds=2.5)  # 2.5 refreshes of 1 s without new data
            app.update_status()
            await pilot.pause()
            assert body.styles.opacity < 1.0
    finally:
        await engine.close()
