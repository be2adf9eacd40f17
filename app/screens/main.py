"""Screen 1: status bar, per-task-type panels, the task tree with the selected task's detail, disk migrations."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from widgets.filter_bar import FilterBar
from widgets.migrations import MigrationsPanel
from widgets.stats_panel import StatsPanels
from widgets.task_detail import TaskDetail
from widgets.task_view import TaskView

from ..bindings import GLOBAL, TASKS
from ..client_model import Changes
from .base import DataScreen
from .tasks import TaskScreenMixin


class MainScreen(TaskScreenMixin, DataScreen):
    SCOPES: ClassVar[frozenset[str]] = frozenset({GLOBAL, TASKS})
    SCREEN_NAME = "main"

    def compose_body(self) -> ComposeResult:
        yield StatsPanels(id="stats")
        with Horizontal(id="work"):
            with Vertical(id="tree-col"):
                yield TaskView(id="tasks")
                yield FilterBar(id="filter")
            yield TaskDetail(id="detail")
        yield MigrationsPanel(id="migrations")

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
                lambda: stats.show(snapshot.stats, snapshot.cluster.is_leader),
                lambda error: stats.show(None, error=error),
            )
            app.guard(
                lambda: migrations.show(snapshot.migrations, snapshot.taken_at),
                lambda error: migrations.show([], error=error),
            )
        self.apply_tasks(changes)
