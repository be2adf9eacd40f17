"""Drawing the task view's lines: the column header, a task's or a module heading's line from its pieces
(:mod:`widgets._task_line`) and the "no tasks" line, with the caches that make an unchanged line cost a dict lookup.

:class:`TaskLineDrawing` is the bottom layer of :class:`~widgets.task_view.TaskView`; the view gives it the tree,
the clock and the cursor. The header is line 0 of the view and stays put while the rows scroll under it: row *i*
is virtual line *i + 1*.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from engine.model import TaskRow

from ._task_line import Piece, TaskLinePieces
from .formatting import elapsed_seconds, foreground, human_duration, keep_spaces_apart
from .task_columns import ELAPSED_WIDTH, Column, cell, started_text, table_columns
from .task_tree import QUICK_VIEWS, LineKey, ModuleKey, TaskTree

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


class TaskLineDrawing(ScrollView, TaskLinePieces):
    """The task view's lines as strips, cached by row identity; repaints only the lines that now draw differently."""

    # given by TaskView
    task_tree: TaskTree
    show_ids: bool
    empty_message: str
    _now: datetime | None
    _cursor: int
    """The cursor's line (moved by :class:`~widgets._task_cursor.TaskViewCursor`)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._cache: dict[LineKey, _Rendered] = {}
        self._drawn: dict[int, Strip] = {}
        """What each on-screen row last drew (to repaint only rows that would now draw differently)."""
        self._drawn_top = -1
        self._blank: Strip | None = None
        self._empty: tuple[tuple[object, ...], Strip] | None = None
        self._styles: dict[str, Style] | None = None
        self._columns: tuple[tuple[int, str], tuple[Column, ...]] | None = None
        self._header: tuple[tuple[object, ...], Strip] | None = None

    @property
    def columns(self) -> tuple[Column, ...]:
        """The table's columns at the view's current width."""
        return self._columns_at(self.scrollable_content_region.width)

    @property
    def _line_columns(self) -> tuple[Column, ...]:
        """The columns :meth:`_draw_line` worked out for the line it draws (no second look at the width)."""
        cached = self._columns
        return cached[1] if cached is not None else self.columns

    def _columns_at(self, width: int) -> tuple[Column, ...]:
        key = (width, self.task_tree.sort_mode)
        cached = self._columns
        if cached is None or cached[0] != key:
            cached = self._columns = (key, table_columns(key[0], self.show_ids, self.task_tree.sort_mode))
        return cached[1]

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

    def _cursor_style(self, base: Style) -> Style:
        """The cursor line's colours, focused or not (Textual's own cache of component styles is emptied by every
        line repainted, and working the style out again costs more than drawing the line)."""
        styles = self._styles
        if styles is None:
            styles = self._styles = {}
        name = "cursor:focus" if self.has_focus else "cursor"
        style = styles.get(name)
        if style is None:
            style = styles[name] = base + self.get_component_rich_style("task-view--cursor")
        return style

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
        sort_mode, descending = self.task_tree.sort_mode, self.task_tree.sort_descending
        key = (columns, sort_mode, descending, width, base)
        if self._header is not None and self._header[0] == key:
            return self._header[1]
        plain, sorted_style = self._style("header"), self._style("header-sorted")
        pieces: list[Piece] = []
        used = 0
        for column in columns:
            sorted_here = column.sort == sort_mode
            label = column.label + (SORT_ARROWS[descending] if sorted_here else "")
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

    def _draw_empty(self, width: int, base: Style) -> Strip:
        """The only line of a view without lines: no tasks, or none that the quick view and the filter let through."""
        tree = self.task_tree
        text = self.empty_message
        if tree.filtering and tree.rows:
            text = "no task matches the " + " and the ".join(
                ([f"quick view {str(tree.quick_view)!r} (v)"] if tree.quick_view != QUICK_VIEWS[0] else [])
                + ([f"filter {tree.filter_text!r}"] if tree.filter_text else [])
            )
        message = (text, width, base)
        if self._empty is None or self._empty[0] != message:
            self._empty = (message, self._strip([(f"  {text}", self._style("empty"))], width, base))
        return self._empty[1]

    def _draw_line(self, index: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._base_style()
        count = self.task_tree.line_count
        if not count and index == 0:
            return self._draw_empty(width, base)
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
            layout += (self.has_focus, node, started, self._columns_at(width))
        cached = self._cache.get(key)
        if cached is not None and cached.row is row and cached.layout == layout:
            if cached.elapsed != elapsed_text:
                # a running task's clock moved: only the last cell changes, the rest of the line is reused
                cached.elapsed = elapsed_text
                cached.strip = self._finish(cached.head, cached.used, elapsed_text, width, cached.line_style, selected)
            return cached.strip
        line_style = self._cursor_style(base) if selected else base
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
