"""The ``?`` screen: every key binding of this run, generated from the binding registry, grouped by scope."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from widgets.task_view import TaskView

from ..bindings import SCOPE_TITLES, BindingSpec, display_key


def help_table(specs: list[BindingSpec], read_only: bool, config_path: str) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column()
    table.add_column(style="dim", no_wrap=True)
    for scope in SCOPE_TITLES:
        scoped = [spec for spec in specs if spec.scope == scope]
        if not scoped:
            continue
        table.add_row("", Text(SCOPE_TITLES[scope], style="bold underline"), "")
        for spec in scoped:
            table.add_row(display_key(spec), spec.help, spec.id)
        table.add_row("", "", "")
    table.add_row("", Text("Moving around the task tree", style="bold underline"), "")
    for binding in TaskView.BINDINGS:
        assert isinstance(binding, Binding)
        table.add_row(binding.key.replace(",", " "), binding.description, "")
    table.add_row("ctrl+p", "Command palette: every action above by name.", "")
    table.add_row("", "", "")
    note = "read-only: actions that change the cluster are absent. " if read_only else ""
    table.add_row("", Text(f"{note}Remap keys by id in {config_path} under [keys].", style="italic"), "")
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > Vertical { width: 96; max-width: 100%; height: 90%; border: thick $primary; background: $surface; }
    HelpScreen .help--title { text-style: bold; padding: 0 1; background: $primary; color: $text; width: 1fr; }
    HelpScreen VerticalScroll { padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, specs: list[BindingSpec], read_only: bool, config_path: str) -> None:
        super().__init__()
        self.specs = specs
        self.read_only = read_only
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("schedtop keys  (Esc closes)", classes="help--title")
            with VerticalScroll():
                yield Static(help_table(self.specs, self.read_only, self.config_path), id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
