"""The list of background task types that can be switched off and on, with each one's current state.

The state comes from the snapshot: a CubeFS type's stats section carries ``enable`` (upstream's own field); the
distributed types (rebuild, check_disk, rebalance) have no section, so :attr:`Snapshot.switches` says. A type
neither says (e.g. a follower's stats lack the section) shows ``?``. Choosing a type posts
:class:`TaskTypesDialog.Toggle`; the app asks for a confirmation and calls the source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Static

from engine.model import Snapshot
from engine.model.task_types import SWITCHABLE_TYPES

from .dialog import Dialog
from .formatting import foreground
from .keyed_table import KeyedTable

COLUMNS = ("task type", "state")


def switch_states(snapshot: Snapshot | None, types: Sequence[str] = SWITCHABLE_TYPES) -> dict[str, bool | None]:
    """Each switchable type's state: True on, False off, None unknown."""
    states: dict[str, bool | None] = {}
    for task_type in types:
        section = getattr(snapshot.stats, task_type, None) if snapshot is not None else None
        enable = getattr(section, "enable", None)
        if enable is None and snapshot is not None:
            enable = snapshot.switches.get(task_type)
        states[task_type] = enable if isinstance(enable, bool) else None
    return states


def state_cell(state: bool | None, on: Style | None = None, off: Style | None = None) -> Text:
    if state is None:
        return Text("?  unknown", style=Style(dim=True))
    return Text("● on", style=on or Style(bold=True)) if state else Text("○ off", style=off or Style())


class TaskTypesDialog(Dialog[None]):
    """Enter (or space) on a type asks to switch it; Escape closes."""

    DEFAULT_CSS = """
    TaskTypesDialog > #dialog { width: 56; }
    TaskTypesDialog KeyedTable { height: auto; max-height: 14; margin-bottom: 1; }
    TaskTypesDialog > .task-types--on { color: $text-success; text-style: bold; }
    TaskTypesDialog > .task-types--off { color: $text-warning; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"task-types--on", "task-types--off"}

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_row", "Switch", show=False)]

    class Toggle(Message):
        """The user chose a type to switch to ``enable``."""

        def __init__(self, dialog: TaskTypesDialog, task_type: str, enable: bool) -> None:
            super().__init__()
            self.dialog = dialog
            self.task_type = task_type
            self.enable = enable

    def __init__(self, states: Mapping[str, bool | None]) -> None:
        super().__init__()
        self.states = dict(states)
        self.table = KeyedTable(COLUMNS, id="task-types")

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Task types on/off", classes="dialog--title")
            yield Static(
                "A type switched off starts no new work (as CubeFS's enable flag); ⏎ or space switches the "
                "selected one, after asking.",
                classes="dialog--hint",
            )
            yield self.table
            yield self.message
            with Horizontal(classes="dialog--buttons"):
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.show_states(self.states)
        self.table.focus()

    def show_states(self, states: Mapping[str, bool | None]) -> None:
        self.states = dict(states)
        on = foreground(self.get_component_rich_style("task-types--on"))
        off = foreground(self.get_component_rich_style("task-types--off"))
        self.table.sync(
            {task_type: (task_type, state_cell(state, on, off)) for task_type, state in self.states.items()}
        )

    @property
    def selected_type(self) -> str | None:
        return self.table.selected_key

    def action_toggle_row(self) -> None:
        task_type = self.selected_type
        if task_type is None:
            return
        state = self.states.get(task_type)
        if state is None:
            self.show_error(
                f"the state of {task_type} is unknown here (no stats section for it), so it is not switched"
            )
            return
        self.post_message(self.Toggle(self, task_type, not state))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_toggle_row()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
