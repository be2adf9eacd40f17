"""The task list: a table (column headers, the sort column marked ▲/▼) over the task tree (modules → root tasks →
children), as a line-API scroll view that renders only its visible window.

The tree's index lives in :class:`~widgets.task_tree.TaskTree`; each refresh hands it the ids that changed. A label
or progress change repaints just that line (if it is on screen); a structural change splices the lines below one
parent, and the cursor and the scroll position are moved with the splice, so the selected task and what the user
is looking at stay put. Rendered lines are cached by row identity, so an unchanged line costs a dict lookup.

Every column has a fixed place for a given width (:func:`table_columns`): the tree's indentation lives inside the
TYPE column, as htop does it, so nothing to its right moves with the depth of a row or with a filter. The header
is line 0 of the view and stays put while the rows scroll under it: row *i* is virtual line *i + 1*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from engine.model import TaskRow

from ._task_line import STATE_ICONS, Piece, TaskLinePieces
from .formatting import elapsed_seconds, foreground, human_duration, keep_spaces_apart
from .quiet import set_virtual_size
from .task_columns import (
    ELAPSED_WIDTH,
    STATE_WIDTH,
    Column,
    cell,
    indent,
    started_text,
    table_columns,
)
from .task_tree import (
    MODULE_PREFIX,
    QUICK_VIEWS,
    SORT_MODES,
    LineKey,
    ModuleKey,
    QuickView,
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
    "SortMode",
    "TaskView",
    "module_key",
    "row_matches",
    "started_text",
    "table_columns",
]

SORT_ARROWS = {False: "▲", True: "▼"}
"""Ascending, descending."""
CACHE_LIMIT = 1024
"""Rendered lines kept; a screenful is ~50, so this survives scrolling back and forth without growing forever."""
HEADER_LINES = 1
"""The column header, drawn on the view's first line whatever the scroll position."""


class _Rendered:
    """A drawn line, and what it was drawn from (to tell when it can be reused)."""

    __slots__ = ("elapsed", "head", "layout", "line_style", "row", "strip", "used")

    def __init__(
        self,
        row: TaskRow | None,
        layout: tuple[object, ...],
        head: list[Segment],
        used: int,
        line_style: Style,
        elapsed: str,
        strip: Strip,
    ) -> None:
        self.row, self.layout, self.head, self.used = row, layout, head, used
        self.line_style, self.elapsed, self.strip = line_style, elapsed, strip


class TaskView(ScrollView, TaskLinePieces, can_focus=True):
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
        self._cursor = 0
        self._selected: LineKey | None = None
        self._cache: dict[LineKey, _Rendered] = {}
        self._drawn: dict[int, Strip] = {}
        """What each on-screen row last drew (to repaint only rows that would now draw differently)."""
        self._drawn_top = -1
        self._blank: Strip | None = None
        self._empty: tuple[tuple[object, ...], Strip] | None = None
        self._styles: dict[str, Style] | None = None
        self._columns: tuple[tuple[int, str], tuple[Column, ...]] | None = None
        self._header: tuple[tuple[object, ...], Strip] | None = None

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
    def columns(self) -> tuple[Column, ...]:
        """The table's columns at the view's current width."""
        key = (self.scrollable_content_region.width, self.sort_mode)
        cached = self._columns
        if cached is None or cached[0] != key:
            cached = self._columns = (key, table_columns(key[0], self.show_ids, self.sort_mode))
        return cached[1]

    @property
    def selected_task_id(self) -> str | None:
        key = self._selected
        return key if type(key) is str else None

    @property
    def selected_key(self) -> LineKey | None:
        """The cursor line's key: a task id or a module heading's :class:`ModuleKey`."""
        return self._selected

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
    ) -> None:
        """Take the latest rows; ``changed=None`` means "anything may have changed" (a full resync)."""
        now_moved = now is not None and now != self._now
        if now is not None:
            self._now = now
        anchor = self._anchor()
        if changed is None:
            self.task_tree.now = now or self.task_tree.now
            self.task_tree.reset(rows, modules)
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

    def search(self, direction: int) -> bool:
        """Move the cursor to the next (1) or previous (-1) line that matches the filter text, wrapping round;
        lines shown only as the ancestors of matches are passed over. False when nothing matches."""
        tree = self.task_tree
        count = tree.line_count
        if not tree.filter_text or not count:
            return False
        step = 1 if direction >= 0 else -1
        for offset in range(1, count + 1):
            index = (self._cursor + step * offset) % count
            if tree.is_match(tree.line(index)[0]):
                self._move_cursor(index)
                return True
        return False

    def hidden_reason(self, task_id: str) -> str | None:
        return self.task_tree.hidden_reason(task_id)

    def select(self, task_id: str) -> bool:
        """Move the cursor to a task, expanding its ancestors; False when the task is hidden or unknown."""
        if task_id not in self.task_tree.rows:
            return False
        index = self.task_tree.position(task_id)
        if index is None and self.task_tree.expand_to(task_id):
            self._lines_moved(self._anchor())
            index = self.task_tree.position(task_id)
        if index is None:
            return False
        self._move_cursor(index)
        return True

    # -- following the lines' changes -----------------------------------------------------------------------

    def _key_at(self, index: int) -> LineKey | None:
        if 0 <= index < self.task_tree.line_count:
            return self.task_tree.line(index)[0]
        return None

    def _anchor(self) -> tuple[LineKey, int, bool] | None:
        """(key of the top line, scroll offset, cursor on screen) before an update, to keep the view still."""
        if not self.task_tree.line_count:
            return None
        top = int(self.scroll_offset.y)
        key = self._key_at(top)
        if key is None:
            return None
        on_screen = top <= self._cursor < top + self._rows_shown
        return key, top, on_screen

    @property
    def _rows_shown(self) -> int:
        """Task lines on screen (the header takes one)."""
        return max(1, self.size.height - HEADER_LINES)

    def _lines_moved(self, anchor: tuple[LineKey, int, bool] | None) -> None:
        """Lines appeared, went or moved: follow the selected key and keep the top line where it was."""
        tree = self.task_tree
        count = tree.line_count
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        self._set_virtual_size(Size(self.scrollable_content_region.width, count + HEADER_LINES))
        index = tree.position(self._selected)
        if index is not None:
            self._cursor = index
        else:
            if self._selected is None:
                # first time: start on the first task rather than on a module heading
                first = tree.window(0, min(count, 64))
                self._cursor = next((i for i, (key, _) in enumerate(first) if type(key) is str), 0)
            self._cursor = min(self._cursor, max(0, count - 1))
            self._set_selected(self._key_at(self._cursor))
        if anchor is not None:
            key, top, cursor_shown = anchor
            new_top = tree.position(key) if top > 0 else 0
            if new_top is None:
                new_top = top
            height = self._rows_shown
            if cursor_shown and not new_top <= self._cursor < new_top + height:
                new_top = self._cursor if self._cursor < new_top else self._cursor - height + 1
            if new_top != top:
                self.scroll_to(y=max(0, new_top), animate=False, force=True, immediate=True)
        self._repaint()

    def _set_virtual_size(self, size: Size) -> None:
        set_virtual_size(self, size)

    def _repaint(self) -> None:
        """Repaint exactly the on-screen lines that now draw differently (a changed row, a moved line, a running
        task's clock); drawing an unchanged line is a cache hit, repainting it in Textual is not."""
        top = int(self.scroll_offset.y)
        if top != self._drawn_top:
            self.refresh()
            return
        drawn = self._drawn
        for y in range(self.size.height):
            if drawn.get(y) is not self.render_line(y):
                self.refresh_line(top + y)

    def _set_selected(self, key: LineKey | None) -> None:
        if key != self._selected:
            self._selected = key
            self.post_message(self.Highlighted(self, self.selected_task_id))

    # -- cursor ---------------------------------------------------------------------------------------------

    def _move_cursor(self, index: int) -> None:
        count = self.task_tree.line_count
        if not count:
            return
        index = max(0, min(count - 1, index))
        old, self._cursor = self._cursor, index
        self.refresh_line(old + HEADER_LINES)
        self.refresh_line(index + HEADER_LINES)
        self.scroll_to_region(
            Region(0, index + HEADER_LINES, 1, 1),
            spacing=Spacing(HEADER_LINES, 0, 0, 0),  # the header covers the top line of the window
            animate=False,
            force=True,
            x_axis=False,
            immediate=True,
        )
        self._set_selected(self._key_at(index))

    def action_cursor(self, delta: int) -> None:
        self._move_cursor(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_cursor(self._cursor + direction * max(1, self._rows_shown - 1))

    def action_jump(self, index: int) -> None:
        self._move_cursor(index if index >= 0 else self.task_tree.line_count - 1)

    def action_expand(self, expand: bool) -> None:
        key = self._key_at(self._cursor)
        if key is None:
            return
        if self.task_tree.has_children(key) and self.task_tree.expanded(key) != expand:
            self.action_toggle_row()
        elif not expand and type(key) is str:
            parent = self.task_tree.parent_of(key)
            index = self.task_tree.position(parent)
            if index is not None:
                self._move_cursor(index)

    def action_toggle_row(self) -> None:
        key = self._key_at(self._cursor)
        if key is None or not self.task_tree.has_children(key):
            return
        anchor = self._anchor()
        self.task_tree.toggle(key)
        self._lines_moved(anchor)

    def action_activate(self) -> None:
        key = self._key_at(self._cursor)
        if key is None:
            return
        if type(key) is ModuleKey:
            self.action_toggle_row()
        else:
            self.post_message(self.Activated(self, key))

    def on_click(self, event: events.Click) -> None:
        if event.y < HEADER_LINES:
            self._header_clicked(event.x)
            return
        index = event.y - HEADER_LINES + int(self.scroll_offset.y)
        if not 0 <= index < self.task_tree.line_count:
            return
        self._move_cursor(index)
        key, depth = self.task_tree.line(index)
        toggle_column = 0 if type(key) is ModuleKey else STATE_WIDTH + 1 + 2 * indent(depth)
        if self.task_tree.has_children(key) and toggle_column <= event.x <= toggle_column + 1:
            self.action_toggle_row()
        elif event.chain >= 2:
            self.action_activate()

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

    def on_focus(self) -> None:
        self.refresh_line(self._cursor + HEADER_LINES)

    def on_blur(self) -> None:
        self.refresh_line(self._cursor + HEADER_LINES)

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self._drawn = {}
        self.virtual_size = Size(self.scrollable_content_region.width, self.task_tree.line_count + HEADER_LINES)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._cache.clear()
        self._drawn = {}
        self._blank = None
        self._empty = None
        self._header = None

    # -- rendering ------------------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        styles = self._styles
        if styles is None:
            styles = self._styles = {}
        style = styles.get(name)
        if style is None:
            # partial: only what the component sets, so the row's (cursor) background shows through
            style = styles[name] = foreground(self.get_component_rich_style(f"task-view--{name}"))
        return style

    def _base_style(self) -> Style:
        """The widget's own colours (computing ``rich_style`` walks the ancestors, so once per style change)."""
        styles = self._styles
        if styles is None:
            styles = self._styles = {}
        base = styles.get("")
        if base is None:
            base = styles[""] = self.rich_style
        return base

    def render_line(self, y: int) -> Strip:
        top = int(self.scroll_offset.y)
        if top != self._drawn_top:
            self._drawn = {}
            self._drawn_top = top
        strip = self._draw_header() if y < HEADER_LINES else self._draw_line(y - HEADER_LINES + top)
        self._drawn[y] = strip
        return strip

    def _draw_header(self) -> Strip:
        """The column labels; the sort column's carries the direction's arrow and the accent colour."""
        width = self.scrollable_content_region.width
        base = self._base_style()
        columns = self.columns
        key = (columns, self.sort_mode, self.sort_descending, width, base)
        if self._header is not None and self._header[0] == key:
            return self._header[1]
        plain, sorted_style = self._style("header"), self._style("header-sorted")
        pieces: list[Piece] = []
        used = 0
        for column in columns:
            sorted_here = column.sort == self.sort_mode
            label = column.label + (SORT_ARROWS[self.sort_descending] if sorted_here else "")
            if column.right:
                # right-aligned over the gap before it too, so an arrow fits beside a label as wide as the column
                text = f"{label:>{column.width + 1}}"[-(column.width + 1) :]
                start = column.x - 1
            else:
                text, start = cell(label, column.width), column.x
            if start > used:
                pieces.append((" " * (start - used), plain))
            pieces.append((text, sorted_style if sorted_here else plain))
            used = start + cell_len(text)
        strip = self._strip(pieces, width, base)
        self._header = (key, strip)
        return strip

    def _draw_line(self, index: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._base_style()
        count = self.task_tree.line_count
        if not count and index == 0:
            text = self.empty_message
            if self.task_tree.filtering and self.task_tree.rows:
                text = "no task matches the " + " and the ".join(
                    ([f"quick view {str(self.quick_view)!r} (v)"] if self.quick_view != QUICK_VIEWS[0] else [])
                    + ([f"filter {self.filter_text!r}"] if self.filter_text else [])
                )
            message = (text, width, base)
            if self._empty is None or self._empty[0] != message:
                self._empty = (message, self._strip([(f"  {text}", self._style("empty"))], width, base))
            return self._empty[1]
        if index >= count:
            if self._blank is None or self._blank.cell_length != width:
                self._blank = Strip.blank(width, base)
            return self._blank
        key, depth = self.task_tree.line(index)
        selected = index == self._cursor
        row = None if type(key) is ModuleKey else self.task_tree.rows.get(key)
        tree = self.task_tree
        layout: tuple[object, ...]
        elapsed_text = ""
        node = ""
        if row is None:
            layout = (tree.counts(key), tree.expanded(key), tree.is_context(key), selected, width, self.has_focus)
        else:
            status = row.status
            elapsed = human_duration(elapsed_seconds(status.start_time, status.end_time, self._now))
            elapsed_text = f" {elapsed:>{ELAPSED_WIDTH}}"
            node = tree.node_of(key) if status.has_parent and type(key) is str else ""
            started = started_text(status.start_time, self._now)
            layout = (depth, tree.has_children(key), tree.expanded(key), tree.is_context(key), selected, width)
            layout += (self.has_focus, node, started, self.columns)
        cached = self._cache.get(key)
        if cached is not None and cached.row is row and cached.layout == layout:
            if cached.elapsed != elapsed_text:
                # a running task's clock moved: only the last cell changes, the rest of the line is reused
                cached.elapsed = elapsed_text
                cached.strip = self._finish(cached.head, cached.used, elapsed_text, width, cached.line_style, selected)
            return cached.strip
        line_style = base + self.get_component_rich_style("task-view--cursor") if selected else base
        try:
            pieces = self._module_pieces(key) if row is None else self._task_pieces(key, depth, row, node)
        except Exception as error:  # one malformed row must not break the view
            pieces = [(f"  ⚠ {key}: {type(error).__name__}: {error}", self._style("error"))]
        head, used = self._segments(pieces, width, line_style, selected)
        strip = self._finish(head, used, elapsed_text, width, line_style, selected)
        self._cache[key] = _Rendered(row, layout, head, used, line_style, elapsed_text, strip)
        return strip

    def _finish(
        self, head: list[Segment], used: int, elapsed: str, width: int, line_style: Style, cursor: bool
    ) -> Strip:
        segments = list(head)
        if elapsed and used + len(elapsed) <= width:
            style = line_style + (Style() if cursor else self._style("dim"))
            segments.extend(keep_spaces_apart([Segment(elapsed, style)]))
            used += len(elapsed)
        if used < width:
            segments.append(Segment(" " * (width - used), line_style))
        return Strip(segments, width)

    def _strip(self, pieces: list[Piece], width: int, line_style: Style, cursor: bool = False) -> Strip:
        head, used = self._segments(pieces, width, line_style, cursor)
        return self._finish(head, used, "", width, line_style, cursor)
