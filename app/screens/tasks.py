"""Screen 2: the full task view (ids shown) with filter, quick view and sort, and the selected task's detail."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from engine.model import TaskState
from widgets.filter_bar import FilterBar
from widgets.task_detail import TaskDetail
from widgets.task_view import QUICK_VIEWS, TaskView

from ..bindings import GLOBAL, TASKS
from ..client_model import Changes
from .base import DataScreen


class TaskDataScreen(DataScreen):
    """The base of the screens with a task view and a detail pane (main and tasks): their shared behaviour."""

    def apply_tasks(self, changes: Changes) -> None:
        app = self.schedtop
        view = self.one(TaskView)
        assert view is not None
        snapshot = app.model.latest
        now = snapshot.taken_at if snapshot is not None else None
        modules = snapshot.modules if snapshot is not None else ()
        if view.show_internal != app.show_internal:
            view.set_show_internal(app.show_internal)
        full = changes.full or self.synced is None or self.synced[0] != app.node_index
        app.guard(
            lambda: view.update(
                app.model.rows,
                None if full else changes.changed,
                changes.removed,
                now=now,
                modules=modules,
                columns=app.model.columns if full else None,
            ),
            lambda error: setattr(view, "empty_message", f"⚠ {error}"),
        )
        self.synced = app.sync_mark
        self.show_detail()
        self.filter_changed()

    def detail_arrived(self) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        detail = self.one(TaskDetail)
        view = self.one(TaskView)
        if detail is None or view is None or not detail.display:
            return
        app = self.schedtop
        task_id = view.selected_task_id
        row = app.model.get(task_id) if task_id else None
        migrate, note = app.detail_for(row)
        snapshot = app.model.latest
        detail.show(row, migrate, note, snapshot.taken_at if snapshot else None)

    def on_task_view_highlighted(self, event: TaskView.Highlighted) -> None:
        self.show_detail()
        self.schedtop.want_detail(event.task_id)

    def on_task_view_activated(self, event: TaskView.Activated) -> None:
        self.schedtop.open_detail(event.task_id)

    def on_task_view_sort_changed(self, event: TaskView.SortChanged) -> None:
        self.filter_changed()


def narrowing(view: TaskView) -> list[str]:
    """What limits the list, for a status line: the quick view and the filter text (nothing when neither)."""
    parts: list[str] = []
    if view.quick_view != QUICK_VIEWS[0]:
        parts.append(f"view: {view.quick_view} (v)")
    if view.filter_text:
        parts.append(f"filter: {view.filter_text!r} (^n/^r)")
    return parts


class TasksScreen(TaskDataScreen):
    SCOPES: ClassVar[frozenset[str]] = frozenset({GLOBAL, TASKS})
    SCREEN_NAME = "tasks"

    def compose_body(self) -> ComposeResult:
        yield Static("", id="task-summary")
        with Horizontal(id="work"):
            with Vertical(id="tree-col"):
                yield TaskView(show_ids=True, id="tasks")
                yield FilterBar(id="filter")
            yield TaskDetail(id="detail")

    def __init__(self) -> None:
        super().__init__()
        self._summary = ""

    def on_mount(self) -> None:
        self.query_one(TaskView).focus()

    def apply_data(self, changes: Changes) -> None:
        self.apply_tasks(changes)

    def _count_states(self) -> None:
        self.schedtop.model.count(TaskState.RUNNING)
        self.filter_changed()

    def filter_changed(self) -> None:
        view = self.one(TaskView)
        assert view is not None
        model = self.schedtop.model
        if model.counts_ready:
            running = f"{model.count(TaskState.RUNNING)} running"
        else:
            # counting 100 000 tasks by state takes a while: let the first frame out first
            running = "… running"
            self.call_after_refresh(self._count_states)
        suspended = model.count(TaskState.SUSPENDED) if model.counts_ready else 0
        parts = [
            f"{model.count()} tasks",
            running,
            *([f"{suspended} suspended"] if suspended else []),
            f"{view.visible_task_count} shown",
            *narrowing(view),
            f"sort: {view.sort_label}",
            "internal: shown" if view.show_internal else "internal: hidden (i)",
        ]
        summary = " · ".join(parts)
        if summary != self._summary:
            self._summary = summary
            self.query_one("#task-summary", Static).update(summary, layout=False)
