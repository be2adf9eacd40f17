"""A DataTable updated by row key: new keys are added, gone keys removed, changed cells updated in place.

Never clearing the table keeps its scroll position across refreshes, and the cursor stays on the row it was on *by
key*: rows removed above it (e.g. the oldest job results dropping off as new ones arrive) do not move the selection
to another row. Home and End go to the first and the last row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable

Cell = str | Text


class KeyedTable(DataTable[Cell]):
    DEFAULT_CSS = """
    KeyedTable { height: auto; max-height: 100%; }
    """

    # A row cursor has no columns to go to: DataTable's Home/End would only scroll sideways.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, columns: Sequence[str], *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._column_names = tuple(columns)
        self._cells: dict[str, tuple[Cell, ...]] = {}

    def on_mount(self) -> None:
        for column in self._column_names:
            self.add_column(column, key=column)

    @property
    def row_keys(self) -> list[str]:
        return list(self._cells)

    @property
    def selected_key(self) -> str | None:
        if not self._cells or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        return key

    def select_key(self, key: str) -> bool:
        """Put the cursor on the row with this key; False if there is none."""
        if key not in self._cells:
            return False
        index = self.get_row_index(key)
        if index != self.cursor_row:
            self.move_cursor(row=index)
        return True

    def sync(self, rows: Mapping[str, Sequence[Cell]]) -> None:
        selected = self.selected_key
        for key in [k for k in self._cells if k not in rows]:
            self.remove_row(key)
            del self._cells[key]
        for key, cells in rows.items():
            # a DataTable reads plain strings as markup; these come from servers and users, so they are text
            cells = tuple(Text(cell) if isinstance(cell, str) else cell for cell in cells)
            old = self._cells.get(key)
            if old is None:
                self.add_row(*cells, key=key)
            elif old != cells:
                for column, before, after in zip(self._column_names, old, cells, strict=True):
                    if before != after:
                        self.update_cell(key, column, after, update_width=True)
            self._cells[key] = cells
        if selected is not None:
            self.select_key(selected)  # when its row is gone, the cursor stays where it is (the next row)
