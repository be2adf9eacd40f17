"""A light keyed table for a handful of live rows: a header, columns as wide as their widest cell, and rows
updated by key — only the rows whose cells changed are redrawn.

Textual's DataTable re-measures and re-renders its cells through Rich on every update and re-lays the screen out
when a column's width changes; for a panel that changes every second that was most of its cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .formatting import keep_spaces_apart, text_segments
from .quiet import set_virtual_size

Cell = str | Text
GAP = 2
"""Cells between columns."""


class LineTable(ScrollView):
    """Rows keyed by string; ``sync`` adds, removes and updates them. The header stays on top when rows scroll."""

    DEFAULT_CSS = """
    LineTable { height: auto; scrollbar-size-vertical: 1; overflow-x: hidden; }
    LineTable > .line-table--header { text-style: bold; color: $text-accent; }
    """

    COMPONENT_CLASSES = {"line-table--header"}

    def __init__(
        self,
        columns: Sequence[str],
        min_widths: Sequence[int] = (),
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = tuple(columns)
        self._min_widths = [
            max(cell_len(name), width)
            for name, width in zip(self.columns, [*min_widths, *([0] * len(self.columns))], strict=False)
        ]
        self._rows: dict[str, tuple[Text, ...]] = {}
        self._cell_widths: dict[str, tuple[int, ...]] = {}
        self._widths = list(self._min_widths)
        self._strips: dict[str, Strip] = {}
        self._header: Strip | None = None
        self._header_width = 0
        self._strips_width = 0
        self._base: Style | None = None

    @property
    def keys(self) -> list[str]:
        return list(self._rows)

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def row_text(self, key: str) -> str:
        """A row as plain text (for tests)."""
        return "  ".join(cell.plain for cell in self._rows[key])

    def sync(self, rows: Mapping[str, Sequence[Cell]]) -> None:
        """Show exactly these rows, in this order; unchanged rows are not redrawn.

        A row given as the same tuple as last time (a caller keeping its cells for unchanged data) costs a lookup:
        thousands of disks repairing made measuring and comparing every cell of every row most of a refresh.
        """
        old, old_widths = self._rows, self._cell_widths
        new: dict[str, tuple[Text, ...]] = {}
        cell_widths: dict[str, tuple[int, ...]] = {}
        for key, cells in rows.items():
            if old.get(key) is cells:
                new[key] = cells  # it is the tuple of Texts stored last time
                cell_widths[key] = old_widths[key]
                continue
            texts = tuple(cell if isinstance(cell, Text) else Text(cell) for cell in cells)
            if all(a is b for a, b in zip(texts, cells, strict=True)) and isinstance(cells, tuple):
                texts = cells  # the caller's own tuple: next time it is recognised
            new[key] = texts
            cell_widths[key] = tuple(cell.cell_len for cell in texts)
        self._cell_widths = cell_widths
        widths = [max(column) for column in zip(self._min_widths, *cell_widths.values(), strict=False)]
        order_changed = list(old) != list(new)
        self._rows = new
        if widths != self._widths or order_changed or len(old) != len(new):
            self._widths = widths
            self._strips.clear()
            self._header = None
            set_virtual_size(self, Size(self._total_width(), len(new) + 1))
            self.refresh()
            return
        top = int(self.scroll_offset.y)
        for number, (key, cells) in enumerate(new.items()):
            if old.get(key) != cells:
                self._strips.pop(key, None)
                if top <= number < top + self.size.height:
                    self.refresh_line(number + 1)

    def _total_width(self) -> int:
        return sum(self._widths) + GAP * max(0, len(self._widths) - 1)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows) + 1

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._header = None
        self._base = None

    def _base_style(self) -> Style:
        """``rich_style`` walks every ancestor; once per style change is enough."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def _strip(self, cells: Sequence[Text], base: Style, room: int, header: bool = False) -> Strip:
        """One line; columns that do not fit whole in ``room`` cells are left out (the first ones matter most)."""
        segments: list[Segment] = []
        heading = self.get_component_rich_style("line-table--header") if header else None
        console = self.app.console
        used = 0
        for index, cell in enumerate(cells):
            width = self._widths[index]
            if index and used + width > room:
                break
            used += width + GAP
            if header:
                segments.append(Segment(set_cell_size(cell.plain, width), base + heading))
            else:
                cell = cell.copy()
                cell.truncate(width, pad=True)
                segments.extend(
                    Segment(seg.text, base + seg.style if seg.style else base) for seg in text_segments(cell, console)
                )
            if index + 1 < len(cells):
                segments.append(Segment(" " * GAP, base))
        return Strip(keep_spaces_apart(segments))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._base_style()
        if y == 0:
            if self._header is None or self._header_width != width:
                self._header = self._strip([Text(name) for name in self.columns], base, width, header=True)
                self._header_width = width
            return self._header.crop_extend(0, width, base)
        number = y - 1 + int(self.scroll_offset.y)
        if number >= len(self._rows):
            return Strip.blank(width, base)
        key = list(self._rows)[number] if number else next(iter(self._rows))
        if width != self._strips_width:
            self._strips.clear()
            self._strips_width = width
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._strip(self._rows[key], base, width)
        return strip.crop_extend(0, width, base)
