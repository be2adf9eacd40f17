"""The task tree (modules → root tasks → children) as a line-API scroll view that renders only its visible window.

The tree's index lives in :class:`~widgets.task_tree.TaskTree`; each refresh hands it the ids that changed. A label
or progress change repaints just that line (if it is on screen); a structural change splices the lines below one
parent, and the cursor and the scroll position are moved with the splice, so the selected task and what the user
is looking at stay put. Rendered lines are cached by row identity, so an unchanged line costs a dict lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from engine.model import TaskRow, TaskState

from .formatting import bar_parts, elapsed_seconds, foreground, human_duration, keep_spaces_apart, percent_text
from .quiet import set_virtual_size
from .task_tree import MODULE_PREFIX, SORT_MODES, TaskTree, module_key, row_matches

__all__ = ["MODULE_PREFIX", "SORT_MODES", "STATE_ICONS", "TaskView", "module_key", "row_matches"]

STATE_ICONS = {
    TaskState.CREATED: "○",
    TaskState.RUNNING: "▶",
    TaskState.DONE: "✔",
    TaskState.FAILED: "✖",
    TaskState.SUSPENDED: "⏸",
}
TYPE_WIDTH = 14
"""Fits every task type name (``volume_inspect``, ``manual_migrate``); a two-cell gap follows."""
MODULE_WIDTH = 16
"""Module headings pad their name to this, so the counts after them line up."""
CURSOR_KEEPS = 1
"""Pieces of a task line (the tree guides) that keep their own colours on the cursor line."""
ELAPSED_WIDTH = 8
"""`` 12m03s`` right-aligned; drawn separately, since it is the one cell of a running line that moves each second."""
CACHE_LIMIT = 1024
"""Rendered lines kept; a screenful is ~50, so this survives scrolling back and forth without growing forever."""

Piece = tuple[str, Style]


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


class TaskView(ScrollView, can_focus=True):
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
        self.empty_message = "no tasks"
        self.task_tree = TaskTree()
        self._now: datetime | None = None
        self._cursor = 0
        self._selected: str | None = None
        self._cache: dict[str, _Rendered] = {}
        self._drawn: dict[int, Strip] = {}
        """What each on-screen row last drew (to repaint only rows that would now draw differently)."""
        self._drawn_top = -1
        self._blank: Strip | None = None
        self._empty: tuple[tuple[object, ...], Strip] | None = None
        self._styles: dict[str, Style] | None = None

    # -- public API -----------------------------------------------------------------------------------------

    @property
    def show_internal(self) -> bool:
        return self.task_tree.show_internal

    @property
    def filter_text(self) -> str:
        return self.task_tree.filter_text

    @property
    def sort_mode(self) -> str:
        return self.task_tree.sort_mode

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
        return self.task_tree.line_count

    @property
    def visible_task_count(self) -> int:
        return self.task_tree.line_count - self.task_tree.module_lines

    def line_keys(self) -> list[str]:
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
            self.task_tree.reset(rows, modules)
            self._lines_moved(anchor)
            return
        update = self.task_tree.apply(rows, changed, removed, modules)
        if update.moved:
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

    def cycle_sort(self) -> str:
        mode = SORT_MODES[(SORT_MODES.index(self.task_tree.sort_mode) + 1) % len(SORT_MODES)]
        self.set_sort(mode)
        return mode

    def set_sort(self, mode: str) -> None:
        self.task_tree.set_sort(mode)
        self._lines_moved(None)

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

    def _key_at(self, index: int) -> str | None:
        if 0 <= index < self.task_tree.line_count:
            return self.task_tree.line(index)[0]
        return None

    def _anchor(self) -> tuple[str, int, bool] | None:
        """(key of the top line, scroll offset, cursor on screen) before an update, to keep the view still."""
        if not self.task_tree.line_count:
            return None
        top = int(self.scroll_offset.y)
        key = self._key_at(top)
        if key is None:
            return None
        on_screen = top <= self._cursor < top + max(1, self.size.height)
        return key, top, on_screen

    def _lines_moved(self, anchor: tuple[str, int, bool] | None) -> None:
        """Lines appeared, went or moved: follow the selected key and keep the top line where it was."""
        tree = self.task_tree
        count = tree.line_count
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        self._set_virtual_size(Size(self.scrollable_content_region.width, count))
        index = tree.position(self._selected)
        if index is not None:
            self._cursor = index
        else:
            if self._selected is None:
                # first time: start on the first task rather than on a module heading
                first = tree.window(0, min(count, 64))
                self._cursor = next((i for i, (key, _) in enumerate(first) if not key.startswith(MODULE_PREFIX)), 0)
            self._cursor = min(self._cursor, max(0, count - 1))
            self._set_selected(self._key_at(self._cursor))
        if anchor is not None:
            key, top, cursor_shown = anchor
            new_top = tree.position(key) if top > 0 else 0
            if new_top is None:
                new_top = top
            height = max(1, self.size.height)
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

    def _set_selected(self, key: str | None) -> None:
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
        self.refresh_line(old)
        self.refresh_line(index)
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, force=True, x_axis=False, immediate=True)
        self._set_selected(self._key_at(index))

    def action_cursor(self, delta: int) -> None:
        self._move_cursor(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_cursor(self._cursor + direction * max(1, self.size.height - 1))

    def action_jump(self, index: int) -> None:
        self._move_cursor(index if index >= 0 else self.task_tree.line_count - 1)

    def action_expand(self, expand: bool) -> None:
        key = self._key_at(self._cursor)
        if key is None:
            return
        if self.task_tree.has_children(key) and self.task_tree.expanded(key) != expand:
            self.action_toggle()
        elif not expand and not key.startswith(MODULE_PREFIX):
            parent = self.task_tree.parent_of(key)
            index = self.task_tree.position(parent)
            if index is not None:
                self._move_cursor(index)

    def action_toggle(self) -> None:
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
        if key.startswith(MODULE_PREFIX):
            self.action_toggle()
        else:
            self.post_message(self.Activated(self, key))

    def on_click(self, event: events.Click) -> None:
        index = event.y + int(self.scroll_offset.y)
        if not 0 <= index < self.task_tree.line_count:
            return
        self._move_cursor(index)
        key, depth = self.task_tree.line(index)
        toggle_column = 2 * depth
        if self.task_tree.has_children(key) and toggle_column <= event.x <= toggle_column + 1:
            self.action_toggle()
        elif event.chain >= 2:
            self.action_activate()

    def on_focus(self) -> None:
        self.refresh_line(self._cursor)

    def on_blur(self) -> None:
        self.refresh_line(self._cursor)

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self._drawn = {}
        self.virtual_size = Size(self.scrollable_content_region.width, self.task_tree.line_count)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._cache.clear()
        self._drawn = {}
        self._blank = None
        self._empty = None

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
        strip = self._draw_line(y)
        self._drawn[y] = strip
        return strip

    def _draw_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        base = self._base_style()
        count = self.task_tree.line_count
        if not count and y == 0:
            message = (self.empty_message, width, base)
            if self._empty is None or self._empty[0] != message:
                self._empty = (message, self._strip([(f"  {self.empty_message}", self._style("empty"))], width, base))
            return self._empty[1]
        if index >= count:
            if self._blank is None or self._blank.cell_length != width:
                self._blank = Strip.blank(width, base)
            return self._blank
        key, depth = self.task_tree.line(index)
        selected = index == self._cursor
        row = self.task_tree.rows.get(key)
        tree = self.task_tree
        layout: tuple[object, ...]
        elapsed_text = ""
        if row is None:
            layout = (tree.counts(key), tree.expanded(key), tree.is_context(key), selected, width, self.has_focus)
        else:
            status = row.status
            elapsed_text = f" {human_duration(elapsed_seconds(status.start_time, status.end_time, self._now)):>7}"
            layout = (depth, tree.has_children(key), tree.expanded(key), tree.is_context(key), selected, width)
            layout += (self.has_focus,)
        cached = self._cache.get(key)
        if cached is not None and cached.row is row and cached.layout == layout:
            if cached.elapsed != elapsed_text:
                # a running task's clock moved: only the last cell changes, the rest of the line is reused
                cached.elapsed = elapsed_text
                cached.strip = self._finish(cached.head, cached.used, elapsed_text, width, cached.line_style, selected)
            return cached.strip
        line_style = base + self.get_component_rich_style("task-view--cursor") if selected else base
        try:
            pieces = self._module_pieces(key) if row is None else self._task_pieces(key, depth, row, width)
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

    @staticmethod
    def _segments(
        pieces: list[Piece], width: int, line_style: Style, cursor: bool = False
    ) -> tuple[list[Segment], int]:
        """Pieces → segments of at most ``width`` cells on the line's background, and the cells they take.

        On the cursor line the cursor's colours win after the tree guides (the other pieces keep only
        bold/italic), so the whole row reads as selected. Blank runs keep a style of their own: SVG renderers drop
        leading spaces inside a text run, which would pull the text after them to the left in the screenshots.
        """
        segments: list[Segment] = []
        used = 0
        for number, (text, style) in enumerate(pieces):
            if used >= width:
                break
            size = cell_len(text)
            if used + size > width:
                text = set_cell_size(text, width - used - 1) + "…" if width - used > 1 else "…"
                size = width - used
            if cursor and number >= CURSOR_KEEPS:
                style = Style(bold=style.bold, italic=style.italic)
            segments.append(Segment(text, line_style + style))
            used += size
        return keep_spaces_apart(segments), used

    def _module_pieces(self, key: str) -> list[Piece]:
        module = key[len(MODULE_PREFIX) :]
        total, running, failed = self.task_tree.counts(key)
        heading = self._style("module")
        pieces: list[Piece] = [
            ("▼ " if self.task_tree.expanded(key) else "▶ ", heading),
            (f"{module:<{MODULE_WIDTH}} ", heading),
        ]
        summary = f"{total} task{'s' if total != 1 else ''}"
        if running:
            summary += f", {running} running"
        pieces.append((summary, self._style("dim")))
        if failed:
            pieces.append((f", {failed} failed", self._style("failed")))
        return pieces

    def _task_pieces(self, key: str, depth: int, row: TaskRow, width: int) -> list[Piece]:
        status = row.status
        tree = self.task_tree
        dim = self._style("dim")
        if row.gone:
            state_style = self._style("gone")
        elif tree.is_context(key):
            state_style = dim
        else:
            state_style = self._style(status.state.value)
        toggle = ("▼ " if tree.expanded(key) else "▶ ") if tree.has_children(key) else "  "
        pieces: list[Piece] = [("  " * depth + toggle, dim), (STATE_ICONS.get(status.state, "?") + " ", state_style)]
        indent = 2 * depth + 4
        # the right-hand tail: progress bar, percent, elapsed time
        tail: list[Piece] = []
        if width >= 50:
            filled, empty = bar_parts(status.fraction, 10 if width >= 70 else 6)
            bar_style = dim if row.gone else self._style("bar")
            tail += [(filled, bar_style), (empty, self._style("track")), (" " + percent_text(status.fraction), dim)]
        tail_width = sum(cell_len(text) for text, _ in tail) + ELAPSED_WIDTH  # the elapsed cell comes last
        room = max(10, width - indent - tail_width - 1)
        # the middle: type, [id], [scope], entity, then the gone / error note
        type_width = min(TYPE_WIDTH, max(8, room // 2 - 2))
        middle: list[Piece] = [(_cell(status.type, type_width) + "  ", state_style)]
        plain = Style()
        if self.show_ids and room - type_width > 24:
            middle.append((_cell(status.id[:8], 8) + " ", dim))
        if room > 52:
            middle.append((_cell(status.scope, 9) + " ", plain))
        used = sum(cell_len(text) for text, _ in middle)
        notes = (["gone"] if row.gone else []) + ([status.error] if status.state is TaskState.FAILED else [])
        note = " [" + ", ".join(n for n in notes if n) + "]" if any(notes) and width >= 60 else ""
        entity = status.entity or status.keyspace or ""
        available = max(1, room - used)
        if note:
            entity_width = min(cell_len(entity), max(1, available // 2))
            if cell_len(note) > available - entity_width:
                note = _cell(note, max(1, available - entity_width))
        else:
            entity_width = available
        if entity_width:
            middle.append((_cell(entity, entity_width), state_style if row.gone else plain))
        if note:
            middle.append((note, self._style("failed") if status.state is TaskState.FAILED else dim))
        used = sum(cell_len(text) for text, _ in middle)
        if used < room:
            middle.append((" " * (room - used), plain))
        return pieces + middle + [(" ", plain)] + tail


def _cell(text: str, width: int) -> str:
    """Exactly ``width`` cells: padded, or cut with an ellipsis."""
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    return set_cell_size(text, width - 1) + "…"
