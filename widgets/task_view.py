"""The task list: a table (column headers, the sort column marked ▲/▼) over the task tree (modules → root tasks →
children), as a line-API scroll view that renders only its visible window.

The tree's index lives in :class:`~widgets.task_tree.TaskTree`; each refresh hands it the ids that changed. A label
or progress change repaints just that line (if it is on screen); a structural change splices the lines below one
parent, and the cursor and the scroll position are moved with the splice, so the selected task and what the user
is looking at stay put. Rendered lines are cached by row identity, so an unchanged line costs a dict lookup.

Every column has a fixed place for a given width (:func:`table_columns`): the tree's indentation lives inside the
TYPE column, as htop does it, so nothing to its right moves with the depth of a row or with a filter. The header
is line 0 of the view and stays put while the rows scroll under it: row *i* is virtual line *i + 1*.

The view is three layers, one module each: drawing the lines and their caches (:mod:`widgets._task_draw`), the
cursor, its keys and clicks and how it follows the lines (:mod:`widgets._task_cursor`), and here the widget's
face: its bindings, styles, messages, and the data, filter, quick view and sort it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from engine.model import TaskRow

from ._task_cursor import TaskViewCursor
from ._task_draw import SORT_ARROWS
from ._task_line import STATE_ICONS
from .task_columns import Column, started_text, table_columns
from .task_tree import (
    MODULE_PREFIX,
    QUICK_VIEWS,
    SORT_MODES,
    LineKey,
    ModuleKey,
    QuickView,
    RowColumns,
    SortMode,
    TaskTree,
    module_key,
    row_matches,
)

__all__ = [
    "MODULE_PREFIX",
    "QUICK_VIEWS",
    "SORT_MODES",
    "STATE_ICONS",
    "Column",
    "LineKey",
    "ModuleKey",
    "QuickView",
    "RowColumns",
    "SortMode",
    "TaskView",
    "module_key",
    "row_matches",
    "started_text",
    "table_columns",
]


class TaskView(TaskViewCursor, can_focus=True):
    """A keyboard- and mouse-driven task tree for hundreds of thousands of rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("right,l", "expand(True)", "Expand", show=False),
        Binding("left", "expand(False)", "Collapse", show=False),
        Binding("space", "toggle_row", "Expand/collapse", show=False),
        Binding("enter", "activate", "Detail", show=False),
    ]

    DEFAULT_CSS = """
    TaskView {
        height: 1fr;
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    TaskView > .task-view--cursor { background: $block-cursor-blurred-background; }
    TaskView:focus > .task-view--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    TaskView > .task-view--module { color: $text-accent; text-style: bold; }
    TaskView > .task-view--running { color: $text-primary; }
    TaskView > .task-view--created { color: $text-muted; }
    TaskView > .task-view--done { color: $text-success; }
    TaskView > .task-view--failed { color: $text-error; text-style: bold; }
    TaskView > .task-view--suspended { color: $text-warning; }
    TaskView > .task-view--dim { color: $text-muted; }
    TaskView > .task-view--gone { color: $text-muted; text-style: italic; }
    TaskView > .task-view--bar { color: $accent; }
    TaskView > .task-view--track { color: $text-muted 30%; }
    TaskView > .task-view--error { color: $text-error; }
    TaskView > .task-view--empty { color: $text-muted; text-style: italic; }
    TaskView > .task-view--header { color: $text-muted; text-style: bold; }
    TaskView > .task-view--header-sorted { color: $text-accent; text-style: bold; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "task-view--cursor",
        "task-view--module",
        "task-view--running",
        "task-view--created",
        "task-view--done",
        "task-view--failed",
        "task-view--suspended",
        "task-view--dim",
        "task-view--gone",
        "task-view--bar",
        "task-view--track",
        "task-view--error",
        "task-view--empty",
        "task-view--header",
        "task-view--header-sorted",
    }

    class Highlighted(Message):
        """The cursor moved to another line; ``task_id`` is None on a module heading or an empty view."""

        def __init__(self, view: TaskView, task_id: str | None) -> None:
            super().__init__()
            self.view = view
            self.task_id = task_id

        @property
        def control(self) -> TaskView:
            return self.view

    class Activated(Message):
        """Enter or a double click on a task."""

        def __init__(self, view: TaskView, task_id: str) -> None:
            super().__init__()
            self.view = view
            self.task_id = task_id

        @property
        def control(self) -> TaskView:
            return self.view

    class SortChanged(Message):
        """A click on a column header sorted the list (keys go through the app, which knows already)."""

        def __init__(self, view: TaskView) -> None:
            super().__init__()
            self.view = view

        @property
        def control(self) -> TaskView:
            return self.view

    def __init__(self, *, show_ids: bool = False, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.show_ids = show_ids
        self.empty_message = "no tasks"
        self.task_tree = TaskTree()
        self._now: datetime | None = None

    # -- public API -----------------------------------------------------------------------------------------

    @property
    def show_internal(self) -> bool:
        return self.task_tree.show_internal

    @property
    def filter_text(self) -> str:
        return self.task_tree.filter_text

    @property
    def sort_mode(self) -> SortMode:
        return self.task_tree.sort_mode

    @property
    def sort_descending(self) -> bool:
        return self.task_tree.sort_descending

    @property
    def sort_label(self) -> str:
        """``started ▼``: the sort column and its direction, as the header marks it."""
        return f"{self.sort_mode} {SORT_ARROWS[self.sort_descending]}"

    @property
    def quick_view(self) -> QuickView:
        return self.task_tree.quick_view

    @property
    def line_count(self) -> int:
        return self.task_tree.line_count

    @property
    def visible_task_count(self) -> int:
        return self.task_tree.line_count - self.task_tree.module_lines

    def line_keys(self) -> list[LineKey]:
        """The keys of every visible line, top to bottom (lays the whole tree out: for tests and small trees)."""
        return self.task_tree.lines

    def update(
        self,
        rows: Mapping[str, TaskRow],
        changed: Iterable[str] | None = None,
        removed: Iterable[str] = (),
        now: datetime | None = None,
        modules: Iterable[str] = (),
        columns: RowColumns | None = None,
    ) -> None:
        """Take the latest rows; ``changed=None`` means "anything may have changed" (a full resync), which
        ``columns`` (the same rows column by column, e.g. ``ClientModel.columns``) makes cheaper."""
        now_moved = now is not None and now != self._now
        if now is not None:
            self._now = now
        anchor = self._anchor()
        if changed is None:
            self.task_tree.now = now or self.task_tree.now
            self.task_tree.reset(rows, modules, columns)
            self._lines_moved(anchor)
            return
        update = self.task_tree.apply(rows, changed, removed, modules)
        # after the changes: they were placed by the clock their lists were sorted with
        resorted = self.task_tree.set_now(now)
        if update.moved or resorted:
            self._lines_moved(anchor)
        elif update.touched or now_moved:
            self._repaint()

    def set_show_internal(self, show: bool) -> None:
        anchor = self._anchor()
        if self.task_tree.set_show_internal(show):
            self._lines_moved(anchor)

    def set_filter(self, text: str) -> None:
        if self.task_tree.set_filter(text):
            self._lines_moved(None)

    def set_quick_view(self, view: str) -> None:
        """Show ``all`` tasks, or only ``running``, ``failed`` or ``unfinished`` ones (with their ancestors)."""
        if self.task_tree.set_quick_view(view):
            self._lines_moved(None)

    def cycle_quick_view(self) -> QuickView:
        view = QUICK_VIEWS[(QUICK_VIEWS.index(self.quick_view) + 1) % len(QUICK_VIEWS)]
        self.set_quick_view(view)
        return view

    def cycle_sort(self) -> SortMode:
        """Sort by the next column to the right (wrapping), in that column's first direction."""
        mode = SORT_MODES[(SORT_MODES.index(self.task_tree.sort_mode) + 1) % len(SORT_MODES)]
        self.set_sort(mode)
        return mode

    def reverse_sort(self) -> None:
        self.set_sort(self.sort_mode, not self.sort_descending)

    def set_sort(self, mode: str, descending: bool | None = None) -> None:
        """Sort by a column (``SORT_MODES``); ``descending`` defaults to the column's first direction."""
        self.task_tree.set_sort(mode, descending)
        self._lines_moved(None)  # repaints the header too: its arrow moved

    def hidden_reason(self, task_id: str) -> str | None:
        return self.task_tree.hidden_reason(task_id)

    # -- the cursor's news, as messages ---------------------------------------------------------------------

    def _highlighted(self, task_id: str | None) -> None:
        self.post_message(self.Highlighted(self, task_id))

    def _activated(self, task_id: str) -> None:
        self.post_message(self.Activated(self, task_id))

    def _header_clicked(self, x: int) -> None:
        """A click on a sortable column's header sorts by it; on the sort column already, it reverses."""
        for column in self.columns:
            if column.sort is not None and column.x <= x < column.x + column.width + 1:
                if column.sort == self.sort_mode:
                    self.reverse_sort()
                else:
                    self.set_sort(column.sort)
                self.post_message(self.SortChanged(self))
                return
