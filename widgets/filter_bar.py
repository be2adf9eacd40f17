"""The ``/`` filter: a one-line input under the task view that filters as you type; Esc clears and closes."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    DEFAULT_CSS = """
    FilterBar { dock: bottom; height: 1; border: none; padding: 0 1; background: $boost; display: none; }
    /* Input:focus draws a tall border, which in one row leaves no room for the text */
    FilterBar:focus { border: none; }
    FilterBar.-open { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "clear_and_close", "Clear filter", show=False)]

    class Closed(Message):
        def __init__(self, bar: FilterBar, cleared: bool) -> None:
            super().__init__()
            self.bar = bar
            self.cleared = cleared

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="filter: id, type, entity, state … (Enter keeps, Esc clears)", id=id)

    def open(self) -> None:
        self.add_class("-open")
        self.focus()

    def action_clear_and_close(self) -> None:
        self.value = ""
        self.remove_class("-open")
        self.post_message(self.Closed(self, cleared=True))

    async def action_submit(self) -> None:
        if not self.value:
            self.remove_class("-open")
        self.post_message(self.Closed(self, cleared=False))
