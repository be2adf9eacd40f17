"""SVG snapshots of the dashboard on a deterministic engine (seed 1, manual clock, fixed app clock).

Baselines live in tests/__snapshots__/; after a deliberate UI change, look at the report, then run
``pytest tests/test_app_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from app.config import Config
from app.schedtop_app import SchedtopApp
from app.sources.embedded import EmbeddedSource
from engine.clock import ManualClock
from engine.engine import EngineConfig
from widgets.task_view import TaskView

FIXED_NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)


TOAST_LIFETIME = 3600.0


class SnapshotApp(SchedtopApp):
    """The dashboard with its toasts kept until the screenshot: their timeouts (2 s for `i`) run on the wall clock,
    which a loaded machine (the suite runs on parallel workers) can pass before the screenshot is taken."""

    CSS_PATH = Path(inspect.getfile(SchedtopApp)).with_name("app.tcss")  # relative paths resolve from the subclass

    def notify(self, message: str, *, timeout: float | None = None, **kwargs: Any) -> None:
        super().notify(message, timeout=TOAST_LIFETIME, **kwargs)


def deterministic_app(screen: int = 1) -> SchedtopApp:
    config = EngineConfig(seed=1, demo=True, clock=ManualClock(), autorun=False)
    source = EmbeddedSource(config, threaded=False, label="embedded test engine")
    return SnapshotApp(source, Config(screen=screen), clock=lambda: FIXED_NOW, auto_refresh=False)


def after(
    seconds: float, *keys: str, then: Callable[[SchedtopApp], None] | None = None
) -> Callable[[Pilot], Awaitable[None]]:
    async def run_before(pilot: Pilot) -> None:
        app: SchedtopApp = pilot.app  # type: ignore[assignment]
        await app.refresh_data()
        await app.source.advance(seconds)  # type: ignore[attr-defined]
        await app.refresh_data()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        if then is not None:
            then(app)
        await app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


def select_first_migrate_child(app: SchedtopApp) -> None:
    view = app.screen.query_one(TaskView)
    child = next(r for r in app.model.rows.values() if r.internal and r.status.entity.startswith("disk_repair-"))
    view.select(child.id)


def test_main_screen(snap_compare) -> None:
    assert snap_compare(deterministic_app(), terminal_size=(120, 40), run_before=after(120))


def test_main_screen_at_80_by_24(snap_compare) -> None:
    assert snap_compare(deterministic_app(), terminal_size=(80, 24), run_before=after(120))


def test_tree_with_migrate_detail(snap_compare) -> None:
    assert snap_compare(
        deterministic_app(screen=2),
        terminal_size=(140, 40),
        run_before=after(120, "i", then=select_first_migrate_child),
    )


def test_detail_overlay_of_a_migrate_task(snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await after(120, "i", then=select_first_migrate_child)(pilot)
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(deterministic_app(), terminal_size=(130, 40), run_before=run_before)


def test_migrations_on_a_large_terminal(snap_compare) -> None:
    assert snap_compare(deterministic_app(), terminal_size=(170, 50), run_before=after(240))


def test_plot_screen(snap_compare) -> None:
    assert snap_compare(deterministic_app(screen=3), terminal_size=(120, 40), run_before=after(300))


def test_help_screen(snap_compare) -> None:
    assert snap_compare(deterministic_app(), terminal_size=(120, 40), run_before=after(10, "question_mark"))


def test_too_small_terminal(snap_compare) -> None:
    assert snap_compare(deterministic_app(), terminal_size=(50, 14), run_before=after(10))
