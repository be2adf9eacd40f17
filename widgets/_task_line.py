"""The pieces (text, style) of the task list's lines: a module heading's, a task's cells; and pieces → segments."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from engine.model import TaskRow, TaskState

from .formatting import bar_parts, keep_spaces_apart, percent_text
from .task_columns import ID_WIDTH, Column, cell, indent, started_text
from .task_tree import LineKey, ModuleKey, TaskTree

STATE_ICONS = {
    TaskState.CREATED: "○",
    TaskState.RUNNING: "▶",
    TaskState.DONE: "✔",
    TaskState.FAILED: "✖",
    TaskState.SUSPENDED: "⏸",
}
MODULE_WIDTH = 16
"""Module headings pad their name to this, so the counts after them line up."""
CURSOR_KEEPS = 1
"""Pieces of a task line (the state icon) that keep their own colours on the cursor line."""

Piece = tuple[str, Style]


class TaskLinePieces:
    """What :class:`~widgets._task_draw.TaskLineDrawing` draws a line from (a mixin: the drawing gives the tree,
    the columns, the clock and the styles)."""

    task_tree: TaskTree
    _now: datetime | None

    @property
    def columns(self) -> tuple[Column, ...]:
        raise NotImplementedError

    @property
    def _line_columns(self) -> tuple[Column, ...]:
        """The columns of the line being drawn (the drawing has them at hand already)."""
        return self.columns

    def _style(self, name: str) -> Style:
        raise NotImplementedError

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

    def _module_pieces(self, key: LineKey) -> list[Piece]:
        module = key.name if type(key) is ModuleKey else key
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

    def _task_pieces(self, key: LineKey, depth: int, row: TaskRow, node: str) -> list[Piece]:
        """A task's cells, each exactly as wide as its column (the elapsed time is added by :meth:`_finish`)."""
        status = row.status
        tree = self.task_tree
        dim = self._style("dim")
        plain = Style()
        if row.gone:
            state_style = self._style("gone")
        elif tree.is_context(key):
            state_style = dim
        else:
            state_style = self._style(status.state.value)
        pieces: list[Piece] = []
        used = 0
        for column in self._line_columns:
            if column.name == "elapsed":
                break
            if column.x > used:
                pieces.append((" " * (column.x - used), plain))
            name, width = column.name, column.width
            first = len(pieces)
            if name == "state":
                pieces.append((cell(STATE_ICONS.get(status.state, "?"), width), state_style))
            elif name == "type":
                toggle = ("▼ " if tree.expanded(key) else "▶ ") if tree.has_children(key) else "  "
                guides = cell("  " * indent(depth) + toggle, min(width, 2 * indent(depth) + 2))
                pieces += [(guides, dim), (cell(status.type, width - cell_len(guides)), state_style)]
            elif name == "id":
                pieces.append((cell(status.id[:ID_WIDTH], width), dim))
            elif name == "scope":
                pieces.append((cell(status.scope, width), plain))
            elif name == "node":
                pieces.append((cell(node, width), plain))
            elif name == "entity":
                pieces += self._entity_pieces(row, node, width, state_style)
            elif name == "progress":
                filled, empty = bar_parts(status.fraction, width - 5)
                bar_style = dim if row.gone else self._style("bar")
                pieces += [
                    (filled, bar_style),
                    (empty, self._style("track")),
                    (" " + percent_text(status.fraction), dim),
                ]
            elif name == "started":
                pieces.append((cell(started_text(status.start_time, self._now), width), dim))
            drawn = sum(cell_len(text) for text, _ in pieces[first:])
            if drawn < width:  # e.g. an unknown progress's shorter percent: the next column must not move
                pieces.append((" " * (width - drawn), plain))
            used = column.x + max(width, drawn)
        return pieces

    def _entity_pieces(self, row: TaskRow, node: str, width: int, state_style: Style) -> list[Piece]:
        """The entity (after the node, when the node has no column of its own), then the gone / error note."""
        status = row.status
        entity = status.entity or status.keyspace or ""
        if node and not any(column.name == "node" for column in self._line_columns):
            entity = f"{node} {entity}" if entity else node
        notes = (["gone"] if row.gone else []) + ([status.error] if status.state is TaskState.FAILED else [])
        note = " [" + ", ".join(n for n in notes if n) + "]" if any(notes) else ""
        if note:
            entity_width = min(cell_len(entity), max(1, width // 2))
            note = cell(note, max(0, width - entity_width))
        else:
            entity_width = width
        pieces: list[Piece] = []
        if entity_width:
            pieces.append((cell(entity, entity_width), state_style if row.gone else Style()))
        if note:
            pieces.append((note, self._style("failed") if status.state is TaskState.FAILED else self._style("dim")))
        return pieces
