"""A remote dashboard's first frame already has the node's task rows: the first snapshot is taken before the first
paint, on the app's own loop, and a node that does not answer in time does not hold the screen back."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from app.config import Config
from app.schedtop_app import PREFETCH_LIMIT, SchedtopApp
from app.sources.http_schedtop import SchedtopHttpSource
from tests.app_support import fixed_clock, screen_text

from .http_support import ServedEngine


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        disk = served.call(served.engine.disks())[0]
        served.call(served.engine.break_disk(disk.disk_id))
        served.advance(1)
        yield served


def _app(source: SchedtopHttpSource) -> SchedtopApp:
    return SchedtopApp(source, Config(), clock=fixed_clock, auto_refresh=False, prefetch_on_load=True)


async def test_the_first_frame_of_a_remote_dashboard_shows_its_task_rows(served: ServedEngine) -> None:
    app = _app(SchedtopHttpSource(served.url))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()  # no refresh was asked for: what shows came before the first paint
        text = screen_text(app)
        assert "disk_repair" in text and "1 running" in text
        assert app.node.connection == "connected"


async def test_a_node_that_does_not_answer_does_not_hold_the_first_frame_back() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        app = _app(SchedtopHttpSource(url))
        loop = asyncio.get_running_loop()
        began = loop.time()
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            assert loop.time() - began < PREFETCH_LIMIT + 3.0
            assert app.node.connection != "connected"
            assert "schedtop" in screen_text(app)
