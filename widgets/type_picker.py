"""A dialog to choose which task types a plot shows: space toggles a type, Enter applies, Escape cancels."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import SelectionList, Static

from .dialog import Dialog


class TypePicker(Dialog[frozenset[str]]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "apply", "Apply", priority=True)]

    def __init__(self, types: list[str], chosen: frozenset[str] | None) -> None:
        super().__init__()
        self.types = types
        self.chosen = frozenset(types) if chosen is None else chosen

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Task types to plot", classes="dialog--title")
            yield SelectionList[str](*((name, name, name in self.chosen) for name in self.types), id="types")
            yield self.message
            yield Static("space toggles · Enter applies · Escape cancels", classes="dialog--hint")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_apply(self) -> None:
        selected = frozenset(self.query_one(SelectionList).selected)
        if not selected:
            self.show_error("choose at least one task type")
            return
        self.dismiss(selected)
