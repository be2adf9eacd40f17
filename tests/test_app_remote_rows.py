"""The remote dashboard keeps ``schedtop serve``'s rows compact and builds a row only for what it shows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.client_model import CompactRows
from app.config import Config
from app.schedtop_app import SchedtopApp
from app.sources.http_schedtop import SchedtopHttpSource
from tests.app_support import fixed_clock
from widgets.task_view import TaskView

from .http_support import ServedEngine


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        disks = served.call(served.engine.disks())
        for disk in disks[:24]:  # repair trees with a child per chunk: over a hundred tasks
            served.call(served.engine.break_disk(disk.disk_id))
        served.advance(1)
        yield served


async def test_a_remote_dashboard_builds_rows_only_for_the_lines_it_draws(served: ServedEngine) -> None:
    source = SchedtopHttpSource(served.url)
    await source.open()
    app = SchedtopApp(source, Config(), clock=fixed_clock, auto_refresh=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await app.refresh_data()
        view = app.screen.query_one(TaskView)
        view.set_show_internal(True)
        await pilot.pause()
        rows = app.model.rows
        screenful = view.size.height + 2  # the lines on screen, the selected task's detail
        assert isinstance(rows, CompactRows) and len(rows) > 5 * screenful
        assert 0 < len(rows._made) <= 2 * screenful  # drawn before and after internal tasks were shown
        rows._made.clear()
        served.advance(2)
        await app.refresh_data()
        await pilot.pause()
        assert app.model.rows is rows and 0 < len(rows._made) <= screenful
        for sort in ("state", "type", "progress", "elapsed"):  # sorting reads the tuples, it builds no row
            view.set_sort(sort)
            await pilot.pause()
        view.set_filter("disk")
        await pilot.pause()
        assert view.visible_task_count > 0 and len(rows._made) <= 5 * screenful
    await source.close()
