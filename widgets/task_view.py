"""The task tree (modules → root tasks → children) as a line-API scroll view that renders only its visible window.

The widget keeps a flat index of the rows it is given (parent → children, per-parent sorted order) and updates it
from the ids that changed each refresh. Only when the tree's shape changes (a task appears, goes, moves, or its sort
key or visibility changes) is the list of visible lines rebuilt; otherwise just the changed lines repaint. The
cursor follows the selected task's id, so selection and scroll position survive refreshes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from engine.model import TaskRow, TaskState

from .formatting import bar_text, elapsed_seconds, human_duration, percent_text

MODULE_PREFIX = "module:"
SORT_MODES = ("default", "state", "progress", "elapsed", "type")
STATE_ICONS = {
    TaskState.CREATED: "○",
    TaskState.RUNNING: "▶",
    TaskState.DONE: "✔",
    TaskState.FAILED: "✖",
    TaskState.SUSPENDED: "⏸",
}
TYPE_WIDTH = 14
"""Fits every task type name (``volume_inspect``, ``manual_migrate``)."""
_STATE_ORDER = {
    TaskState.RUNNING: 0,
    TaskState.CREATED: 1,
    TaskState.SUSPENDED: 2,
    TaskState.FAILED: 3,
    TaskState.DONE: 4,
}


def module_key(module: str) -> str:
    return MODULE_PREFIX + module


def _sort_key(mode: str) -> Callable[[TaskRow], tuple]:
    if mode == "state":
        return lambda r: (_STATE_ORDER.get(r.status.state, 9), r.status.sequence_number, r.status.id)
    if mode == "progress":
        return lambda r: (-(r.status.fraction or 0.0), r.status.id)
    if mode == "elapsed":
        return lambda r: (r.status.start_time.timestamp() if r.status.start_time else float("inf"), r.status.id)
    if mode == "type":
        return lambda r: (r.status.type, r.status.entity, r.status.id)
    return lambda r: (
        r.status.sequence_number,
        r.status.start_time.timestamp() if r.status.start_time else 0.0,
        r.status.id,
    )


def row_matches(row: TaskRow, needle: str) -> bool:
    """Filter text matches id, type, entity, state, scope, module, keyspace or table (case-insensitive)."""
    status = row.status
    haystack = (
        status.id,
        status.type,
        status.entity,
        status.state.value,
        status.scope,
        row.module,
        status.keyspace,
        status.table,
    )
    return any(needle in field.lower() for field in haystack)


@dataclass(slots=True)
class Line:
    key: str
    """A task id, or ``module:<name>`` for a module heading."""
    depth: int
    has_children: bool
    expanded: bool
    context: bool = False
    """Shown only because a descendant matches the filter."""


class TaskView(ScrollView, can_focus=True):
    """A keyboard- and mouse-driven task tree for thousands of rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("right,l", "expand(True)", "Expand", show=False),
        Binding("left", "expand(False)", "Collapse", show=False),
        Binding("space", "toggle", "Expand/collapse", show=False),
        Binding("enter", "activate", "Detail", show=False),
    ]

    DEFAULT_CSS = """
    TaskView {
        height: 1fr;
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    TaskView > .task-view--cursor { background: $block-cursor-blurred-background; }
    TaskView:focus > .task-view--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    TaskView > .task-view--module { color: $text-accent; text-style: bold; }
    TaskView > .task-view--running { color: $text-primary; }
    TaskView > .task-view--created { color: $text-muted; }
    TaskView > .task-view--done { color: $text-success; }
    TaskView > .task-view--failed { color: $text-error; text-style: bold; }
    TaskView > .task-view--suspended { color: $text-warning; }
    TaskView > .task-view--dim { color: $text-muted; }
    TaskView > .task-view--bar { color: $accent; }
    TaskView > .task-view--track { color: $text-muted 30%; }
    TaskView > .task-view--error { color: $text-error; }
    TaskView > .task-view--empty { color: $text-muted; text-style: italic; }
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
        "task-view--bar",
        "task-view--track",
        "task-view--error",
        "task-view--empty",
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

    def __init__(self, *, show_ids: bool = False, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.show_ids = show_ids
        self.show_internal = False
        self.filter_text = ""
        self.sort_mode = SORT_MODES[0]
        self.empty_message = "no tasks"
        self._rows: Mapping[str, TaskRow] = {}
        self._modules: list[str] = []
        self._now: datetime | None = None
        # The flat index: raw parent id → ids naming it, and tree parent key → children in the tree.
        self._by_parent_id: dict[str, dict[str, None]] = {}
        self._kids: dict[str, dict[str, None]] = {}
        self._parent_of: dict[str, str] = {}
        self._shape: dict[str, tuple] = {}
        self._sorted: dict[str, list[str]] = {}
        self._collapsed: set[str] = set()
        self._lines: list[Line] = []
        self._line_of: dict[str, int] = {}
        self._shape_dirty = True
        self._cursor = 0
        self._selected: str | None = None
        self._cache: dict[str, tuple[TaskRow | None, tuple, Strip]] = {}
        self._key_fn = _sort_key(self.sort_mode)

    # -- public API -----------------------------------------------------------------------------------------

    @property
    def selected_task_id(self) -> str | None:
        key = self._selected
        return None if key is None or key.startswith(MODULE_PREFIX) else key

    @property
    def selected_key(self) -> str | None:
        """The cursor line's key: a task id or ``module:<name>``."""
        return self._selected

    @property
    def line_count(self) -> int:
        return len(self._lines)

    @property
    def visible_task_count(self) -> int:
        return sum(1 for line in self._lines if not line.key.startswith(MODULE_PREFIX))

    def line_keys(self) -> list[str]:
        """The keys of the visible lines, top to bottom (for tests and the screen's summaries)."""
        return [line.key for line in self._lines]

    def update(
        self,
        rows: Mapping[str, TaskRow],
        changed: Iterable[str] | None = None,
        removed: Iterable[str] = (),
        now: datetime | None = None,
        modules: Iterable[str] = (),
    ) -> None:
        """Take the latest rows; ``changed=None`` means "anything may have changed" (a full resync)."""
        self._rows = rows
        if changed is None:
            module_set = set(modules) | {row.module for row in rows.values()}
        else:
            changed = list(changed)
            module_set = set(self._modules) | set(modules) | {rows[t].module for t in changed if t in rows}
        if sorted(module_set) != self._modules:
            self._modules = sorted(module_set)
            self._shape_dirty = True
        now_moved = now is not None and now != self._now
        self._now = now or self._now
        if changed is None:
            self._reindex_all()
        else:
            for task_id in removed:
                self._forget(task_id)
            for task_id in changed:
                row = rows.get(task_id)
                if row is None:
                    self._forget(task_id)
                else:
                    self._index(task_id, row)
        if self.filter_text:
            self._shape_dirty = True
        if self._shape_dirty:
            self._rebuild_lines()
            return
        dirty_lines = {self._line_of[t] for t in (changed or ()) if t in self._line_of}
        if changed:
            dirty_lines.update(self._line_of[module_key(m)] for m in self._modules if module_key(m) in self._line_of)
        for index in dirty_lines:
            self._cache.pop(self._lines[index].key, None)
            self.refresh_line(index)
        if now_moved:
            self._refresh_running_lines()

    def set_show_internal(self, show: bool) -> None:
        if show != self.show_internal:
            self.show_internal = show
            self._reindex_all()
            self._rebuild_lines()

    def set_filter(self, text: str) -> None:
        text = text.strip().lower()
        if text != self.filter_text:
            self.filter_text = text
            self._shape_dirty = True
            self._rebuild_lines()

    def cycle_sort(self) -> str:
        self.sort_mode = SORT_MODES[(SORT_MODES.index(self.sort_mode) + 1) % len(SORT_MODES)]
        self._reindex_all()
        self._rebuild_lines()
        return self.sort_mode

    def set_sort(self, mode: str) -> None:
        if mode not in SORT_MODES:
            raise ValueError(f"unknown sort {mode!r}; one of {', '.join(SORT_MODES)}")
        self.sort_mode = mode
        self._reindex_all()
        self._rebuild_lines()

    def hidden_reason(self, task_id: str) -> str | None:
        """Why a known task has no line: internal hidden, filtered out, collapsed; None if shown or unknown."""
        row = self._rows.get(task_id)
        if row is None or task_id in self._line_of:
            return None
        if row.internal and not self.show_internal:
            return "it is internal (press i to show internal tasks)"
        if self.filter_text and not row_matches(row, self.filter_text):
            return f"it does not match the filter {self.filter_text!r}"
        return "its parent is collapsed"

    def select(self, task_id: str) -> bool:
        """Move the cursor to a task, expanding its ancestors; False when the task is hidden or unknown."""
        if task_id not in self._rows:
            return False
        if task_id not in self._line_of:
            parent = self._parent_of.get(task_id)
            opened = False
            while parent is not None:
                if parent in self._collapsed:
                    self._collapsed.discard(parent)
                    opened = True
                parent = self._parent_of.get(parent)
            if opened:
                self._rebuild_lines()
        index = self._line_of.get(task_id)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    # -- index maintenance ----------------------------------------------------------------------------------

    @staticmethod
    def _module_sample(rows: Mapping[str, TaskRow], changed: Iterable[str] | None) -> Iterable[TaskRow]:
        if changed is None:
            return rows.values()
        return (rows[t] for t in changed if t in rows)

    def _visible(self, row: TaskRow) -> bool:
        return self.show_internal or not row.internal

    def _tree_parent(self, row: TaskRow) -> str:
        parent = row.status.parent_id
        if row.status.has_parent and parent in self._rows:
            return parent
        return module_key(row.module)

    def _index(self, task_id: str, row: TaskRow) -> None:
        raw_parent = row.status.parent_id
        old_raw = self._shape.get(task_id, (None,))[0]
        is_new = task_id not in self._shape
        if old_raw != raw_parent:
            if old_raw is not None:
                self._by_parent_id.get(old_raw, {}).pop(task_id, None)
            self._by_parent_id.setdefault(raw_parent, {})[task_id] = None
        parent = self._tree_parent(row)
        shape = (raw_parent, parent, self._visible(row), self._key_fn(row))
        if shape == self._shape.get(task_id):
            return
        self._shape[task_id] = shape
        old_parent = self._parent_of.get(task_id)
        if old_parent != parent:
            if old_parent is not None:
                self._kids.get(old_parent, {}).pop(task_id, None)
                self._sorted.pop(old_parent, None)
            self._kids.setdefault(parent, {})[task_id] = None
            self._parent_of[task_id] = parent
        self._sorted.pop(parent, None)
        self._shape_dirty = True
        if is_new:
            # Children that arrived before their parent hang under the module until now.
            for child in list(self._by_parent_id.get(task_id, ())):
                if child != task_id and child in self._rows:
                    self._index(child, self._rows[child])

    def _forget(self, task_id: str) -> None:
        shape = self._shape.pop(task_id, None)
        if shape is None:
            return
        self._by_parent_id.get(shape[0], {}).pop(task_id, None)
        parent = self._parent_of.pop(task_id, None)
        if parent is not None:
            self._kids.get(parent, {}).pop(task_id, None)
            self._sorted.pop(parent, None)
        self._cache.pop(task_id, None)
        self._shape_dirty = True
        for child in list(self._by_parent_id.get(task_id, ())):
            if child in self._rows:
                self._index(child, self._rows[child])

    def _reindex_all(self) -> None:
        self._key_fn = _sort_key(self.sort_mode)
        self._shape.clear()
        self._parent_of.clear()
        self._kids.clear()
        self._sorted.clear()
        self._by_parent_id.clear()
        for task_id, row in self._rows.items():
            self._by_parent_id.setdefault(row.status.parent_id, {})[task_id] = None
        for task_id, row in self._rows.items():
            self._index(task_id, row)
        self._modules = sorted(set(self._modules) | {row.module for row in self._rows.values()})
        self._cache.clear()
        self._shape_dirty = True

    def _sorted_children(self, parent: str) -> list[str]:
        cached = self._sorted.get(parent)
        if cached is None:
            rows = self._rows
            kids = [t for t in self._kids.get(parent, ()) if t in rows and self._shape[t][2]]
            kids.sort(key=lambda t: self._shape[t][3])
            cached = self._sorted[parent] = kids
        return cached

    # -- the visible lines ----------------------------------------------------------------------------------

    def _rebuild_lines(self) -> None:
        self._shape_dirty = False
        lines: list[Line] = []
        wanted = self._filter_set() if self.filter_text else None

        def walk(parent: str, depth: int) -> None:
            for task_id in self._sorted_children(parent):
                if wanted is not None and task_id not in wanted:
                    continue
                kids = self._sorted_children(task_id) if task_id in self._kids else []
                has_children = bool(kids)
                expanded = has_children and (task_id not in self._collapsed or wanted is not None)
                lines.append(Line(task_id, depth, has_children, expanded, wanted is not None and not wanted[task_id]))
                if expanded:
                    walk(task_id, depth + 1)

        for module in self._modules:
            key = module_key(module)
            if wanted is not None and key not in wanted:
                continue
            has_children = bool(self._sorted_children(key))
            expanded = key not in self._collapsed or wanted is not None
            lines.append(Line(key, 0, has_children, expanded))
            if expanded:
                walk(key, 1)
        self._lines = lines
        self._line_of = {line.key: index for index, line in enumerate(lines)}
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(lines))
        if self._selected in self._line_of:
            self._cursor = self._line_of[self._selected]
        else:
            if self._selected is None:
                # first time: start on the first task rather than on a module heading
                self._cursor = next((i for i, ln in enumerate(lines) if not ln.key.startswith(MODULE_PREFIX)), 0)
            self._cursor = min(self._cursor, max(0, len(lines) - 1))
            new_key = lines[self._cursor].key if lines else None
            if new_key != self._selected:
                self._selected = new_key
                self.post_message(self.Highlighted(self, self.selected_task_id))
        self.refresh()

    def _filter_set(self) -> dict[str, bool]:
        """Matching tasks (True) plus their ancestors and modules (False, shown for context)."""
        wanted: dict[str, bool] = {}
        needle = self.filter_text
        for task_id, row in self._rows.items():
            if not self._shape.get(task_id, (0, 0, False))[2] or not row_matches(row, needle):
                continue
            wanted[task_id] = True
            parent = self._parent_of.get(task_id)
            while parent is not None and parent not in wanted:
                wanted[parent] = False
                parent = self._parent_of.get(parent)
        return wanted

    def _refresh_running_lines(self) -> None:
        top = int(self.scroll_offset.y)
        for index in range(top, min(len(self._lines), top + self.size.height)):
            row = self._rows.get(self._lines[index].key)
            if row is not None and not row.status.state.is_final:
                self.refresh_line(index)

    # -- cursor ---------------------------------------------------------------------------------------------

    def _move_cursor(self, index: int) -> None:
        if not self._lines:
            return
        index = max(0, min(len(self._lines) - 1, index))
        old = self._cursor
        self._cursor = index
        key = self._lines[index].key
        if old < len(self._lines):
            self._cache.pop(self._lines[old].key, None)
            self.refresh_line(old)
        self._cache.pop(key, None)
        self.refresh_line(index)
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, force=True, x_axis=False)
        if key != self._selected:
            self._selected = key
            self.post_message(self.Highlighted(self, self.selected_task_id))

    def action_cursor(self, delta: int) -> None:
        self._move_cursor(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_cursor(self._cursor + direction * max(1, self.size.height - 1))

    def action_jump(self, index: int) -> None:
        self._move_cursor(index if index >= 0 else len(self._lines) - 1)

    def action_expand(self, expand: bool) -> None:
        if not self._lines:
            return
        line = self._lines[self._cursor]
        if line.has_children and line.expanded != expand:
            self.action_toggle()
        elif not expand and line.depth > 0:
            parent = self._parent_of.get(line.key)
            if parent is not None and parent in self._line_of:
                self._move_cursor(self._line_of[parent])

    def action_toggle(self) -> None:
        if not self._lines:
            return
        line = self._lines[self._cursor]
        if not line.has_children:
            return
        if line.key in self._collapsed:
            self._collapsed.discard(line.key)
        else:
            self._collapsed.add(line.key)
        self._rebuild_lines()

    def action_activate(self) -> None:
        if not self._lines:
            return
        key = self._lines[self._cursor].key
        if key.startswith(MODULE_PREFIX):
            self.action_toggle()
        else:
            self.post_message(self.Activated(self, key))

    def on_click(self, event: events.Click) -> None:
        index = event.y + int(self.scroll_offset.y)
        if not 0 <= index < len(self._lines):
            return
        line = self._lines[index]
        self._move_cursor(index)
        toggle_column = 2 * line.depth if line.depth else 0
        if line.has_children and toggle_column <= event.x <= toggle_column + 1:
            self.action_toggle()
        elif event.chain >= 2:
            self.action_activate()

    def on_focus(self) -> None:
        self._refresh_cursor_line()

    def on_blur(self) -> None:
        self._refresh_cursor_line()

    def _refresh_cursor_line(self) -> None:
        if self._cursor < len(self._lines):
            self.refresh_line(self._cursor)

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._lines))

    # -- rendering ------------------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"task-view--{name}")

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not self._lines:
            if y == 0:
                return self._strip(Text(f"  {self.empty_message}", self._style("empty")), width, base)
            return Strip.blank(width, base)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        line = self._lines[index]
        selected = index == self._cursor
        row = self._rows.get(line.key)
        elapsed = None
        if row is not None and not row.status.state.is_final:
            elapsed = elapsed_seconds(row.status.start_time, row.status.end_time, self._now)
        key = (line.depth, line.expanded, line.context, selected, width, self.has_focus, elapsed)
        cached = self._cache.get(line.key)
        if cached is not None and cached[0] is row and cached[1] == key:
            return cached[2]
        try:
            text = self._module_text(line) if row is None else self._task_text(line, row, width)
        except Exception as error:  # one malformed row must not break the view
            text = Text(f"  ⚠ {line.key}: {type(error).__name__}: {error}", self._style("error"))
        style = base + self._style("cursor") if selected else base
        strip = self._strip(text, width, style)
        self._cache[line.key] = (row, key, strip)
        return strip

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.truncate(width, overflow="ellipsis")
        segments = [
            Segment(seg.text, style + seg.style if seg.style else style) for seg in text.render(self.app.console)
        ]
        return Strip(segments).adjust_cell_length(width, style)

    def _module_text(self, line: Line) -> Text:
        module = line.key[len(MODULE_PREFIX) :]
        kids = self._sorted_children(line.key)
        running = sum(1 for t in kids if self._rows[t].status.state is TaskState.RUNNING)
        failed = sum(1 for t in kids if self._rows[t].status.state is TaskState.FAILED)
        text = Text("▼ " if line.expanded else "▶ ", self._style("module"))
        text.append(module, self._style("module"))
        summary = f"  {len(kids)} task{'s' if len(kids) != 1 else ''}"
        if running:
            summary += f", {running} running"
        text.append(summary, self._style("dim"))
        if failed:
            text.append(f", {failed} failed", self._style("failed"))
        return text

    def _task_text(self, line: Line, row: TaskRow, width: int) -> Text:
        status = row.status
        state_style = self._style(status.state.value) if not (row.gone or line.context) else self._style("dim")
        text = Text("  " * line.depth)
        text.append(("▼ " if line.expanded else "▶ ") if line.has_children else "  ", self._style("dim"))
        text.append(STATE_ICONS.get(status.state, "?") + " ", state_style)
        indent = text.cell_len
        elapsed = elapsed_seconds(status.start_time, status.end_time, self._now)
        tail = Text()
        bar_width = 10 if width >= 70 else 6
        if width >= 50:
            tail.append_text(bar_text(status.fraction, bar_width, self._style("bar"), self._style("track")))
            tail.append(" " + percent_text(status.fraction), self._style("dim"))
        tail.append(f" {human_duration(elapsed):>7}", self._style("dim"))
        room = max(10, width - indent - tail.cell_len - 1)
        type_width = min(TYPE_WIDTH, max(8, room // 2))
        columns = [(status.type, type_width)]
        if self.show_ids and room - type_width > 20:
            columns.append((status.id[:8], 8))
        if room > 50:
            columns.append((status.scope, 9))
        columns.append((status.entity or status.keyspace or "", 0))
        used = 0
        for value, column_width in columns:
            column_width = column_width or max(1, room - used)
            cell = value[: column_width - 1] + "…" if len(value) > column_width else value
            text.append(f"{cell:<{column_width}}", state_style if value == status.type else "")
            used += column_width
            if used < room:
                text.append(" ")
                used += 1
        text.truncate(indent + room, pad=True)
        suffix = []
        if row.gone:
            suffix.append("gone")
        if status.state is TaskState.FAILED and status.error:
            suffix.append(status.error)
        if suffix and width >= 60:
            label = " [" + ", ".join(suffix) + "]"
            text.right_crop(min(len(label), text.cell_len - indent - type_width))
            text.append(label, self._style("failed") if status.state is TaskState.FAILED else self._style("dim"))
        text.append(" ")
        text.append_text(tail)
        return text
