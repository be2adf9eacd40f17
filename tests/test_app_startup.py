"""Start-up: the first frame shows data, the collector comes back after it, the footer is rebuilt only on need."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator

import pytest

from engine.engine import Engine
from widgets.footer import KeyFooter

from .app_support import make_app, open_engine, screen_text


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await open_engine()
    yield engine
    await engine.close()


async def test_a_prefetched_snapshot_is_on_the_first_frame(engine: Engine) -> None:
    app = make_app(engine)
    await app.prefetch()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()  # no refresh has run: what shows came with the prefetch
        assert "disk_repair" in screen_text(app)


async def test_the_collector_paused_for_start_up_resumes_after_the_first_frame(engine: Engine) -> None:
    app = make_app(engine)
    gc.disable()
    try:
        await app.prefetch()
        async with app.run_test(size=(120, 40)) as pilot:
            await app.refresh_data()
            for _ in range(100):  # it resumes after the next refresh of the screen, which a loaded machine delays
                await pilot.pause()
                if gc.isenabled():
                    break
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_the_footer_is_not_rebuilt_when_its_keys_stay_the_same(engine: Engine) -> None:
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        keys_before = list(footer.children)
        for _ in range(3):
            app.screen.refresh_bindings()
        await pilot.pause()
        assert list(footer.children) == keys_before


async def test_the_footer_shows_the_keys_of_the_screen_switched_to(engine: Engine) -> None:
    app = make_app(engine)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("4")  # the jobs screen: its own keys
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        assert "Delete run" in [key.description for key in footer.query("FooterKey")]
