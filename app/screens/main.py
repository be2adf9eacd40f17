"""Screen 1: status bar, per-task-type panels, the task tree with the selected task's detail, disk migrations."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from widgets.filter_bar import FilterBar
from widgets.migrations import MigrationsPanel
from widgets.quiet import set_display, update_static
from widgets.stats_panel import StatsPanels
from widgets.task_detail import TaskDetail
from widgets.task_view import TaskView

from ..bindings import GLOBAL, TASKS
from ..client_model import Changes
from .tasks import TaskDataScreen, narrowing


class MainScreen(TaskDataScreen):
    SCOPES: ClassVar[frozenset[str]] = frozenset({GLOBAL, TASKS})
    SCREEN_NAME = "main"

    def compose_body(self) -> ComposeResult:
        yield StatsPanels(id="stats")
        with Horizontal(id="work"):
            with Vertical(id="tree-col"):
                yield Static("", id="view-summary")
                yield TaskView(id="tasks")
                yield FilterBar(id="filter")
            yield TaskDetail(id="detail")
        yield MigrationsPanel(id="migrations")

    def __init__(self) -> None:
        super().__init__()
        self._view_summary: Static | None = None

    def on_mount(self) -> None:
        self.query_one("#tasks", TaskView).focus()
        self.query_one(
            "#stats"
        ).border_title = "task types · queue = preparing/doing/finishing · rate = last full minute"

    def apply_data(self, changes: Changes) -> None:
        app = self.schedtop
        snapshot = app.model.latest
        stats = self.one(StatsPanels)
        migrations = self.one(MigrationsPanel)
        assert stats is not None and migrations is not None
        stats.display = app.has_capability("stats")
        migrations.display = app.has_capability("migrations")
        if snapshot is not None:
            app.guard(
                lambda: stats.show(snapshot.stats, snapshot.cluster.is_leader, suspended=snapshot.suspended),
                lambda error: stats.show(None, error=error),
            )
            app.guard(
                lambda: migrations.show(
                    snapshot.migrations,
                    snapshot.taken_at,
                    suspended=[task_type for task_type, count in snapshot.suspended.items() if count],
                ),
                lambda error: migrations.show([], error=error),
            )
        self.apply_tasks(changes)

    def filter_changed(self) -> None:
        """A status line above the list while a quick view or a filter limits it (the header shows the sort)."""
        view = self.one(TaskView)
        if view is None:
            return
        if self._view_summary is None:
            self._view_summary = self.query_one("#view-summary", Static)  # once: this runs on every refresh
        summary = self._view_summary
        parts = narrowing(view)
        if parts:
            update_static(summary, " · ".join([*parts, f"{view.visible_task_count} shown"]), layout=False)
        set_display(summary, bool(parts))
