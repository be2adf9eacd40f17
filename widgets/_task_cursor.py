"""The task view's cursor: the keys and clicks that move it, open and close rows and activate a task; search and
select; and keeping the cursor on its task and the top line where it was while lines appear, go or move.

:class:`TaskViewCursor` is the middle layer of :class:`~widgets.task_view.TaskView`, which owns the messages and
the sort: it answers :meth:`~TaskViewCursor._highlighted`, :meth:`~TaskViewCursor._activated` and
:meth:`~TaskViewCursor._header_clicked`.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Region, Size, Spacing

from ._task_draw import CACHE_LIMIT, HEADER_LINES, TaskLineDrawing
from .quiet import set_virtual_size
from .task_columns import STATE_WIDTH, indent
from .task_tree import LineKey, ModuleKey

Anchor = tuple[LineKey, int, bool]
"""(key of the top line, scroll offset, cursor on screen) before an update, to keep the view still."""


class TaskViewCursor(TaskLineDrawing):
    """The cursor line and the selected key (which follows its task when lines move)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._cursor = 0
        self._selected: LineKey | None = None

    @property
    def selected_task_id(self) -> str | None:
        key = self._selected
        return key if type(key) is str else None

    @property
    def selected_key(self) -> LineKey | None:
        """The cursor line's key: a task id or a module heading's :class:`ModuleKey`."""
        return self._selected

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

    # -- what TaskView answers: it owns the messages and the sort -------------------------------------------

    def _highlighted(self, task_id: str | None) -> None:
        """The cursor moved to another line (``None``: a module heading or an empty view)."""
        raise NotImplementedError

    def _activated(self, task_id: str) -> None:
        """Enter or a double click on a task."""
        raise NotImplementedError

    def _header_clicked(self, x: int) -> None:
        """A click on the column header, ``x`` cells from the left."""
        raise NotImplementedError

    # -- following the lines' changes -----------------------------------------------------------------------

    def _key_at(self, index: int) -> LineKey | None:
        if 0 <= index < self.task_tree.line_count:
            return self.task_tree.line(index)[0]
        return None

    def _anchor(self) -> Anchor | None:
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

    def _lines_moved(self, anchor: Anchor | None) -> None:
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

    def _set_selected(self, key: LineKey | None) -> None:
        if key != self._selected:
            self._selected = key
            self._highlighted(self.selected_task_id)

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
            self._activated(key)

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

    def on_focus(self) -> None:
        self.refresh_line(self._cursor + HEADER_LINES)

    def on_blur(self) -> None:
        self.refresh_line(self._cursor + HEADER_LINES)
