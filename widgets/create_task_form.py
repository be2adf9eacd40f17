"""The create-task form: name, TYPE, LOCATION and OPTIONS, shown live as the CREATE TASK statement it will run."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Select, Static

from engine.model import DistributedType, LocationKind
from engine.model.distributed import OPTION_MODELS

from .dialog import FormDialog

OPTION_HINTS = {
    DistributedType.REBUILD: "node = 'name', segment_groups = [1, 2], table_id = 'id'",
    DistributedType.CHECK_DISK: "fix = true, sample = false, only_unhealthy = true, storage_ids = ['id']",
    DistributedType.REBALANCE: "no options",
}


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_statement(name: str, task_type: str, location: str, location_name: str, options: str) -> str:
    """The statement text the form stands for; the app parses it, so parse errors are the parser's own."""
    parts = ["CREATE TASK"]
    if name.strip():
        parts.append(quote(name.strip()))
    parts += ["TYPE", task_type, "LOCATION", location]
    if location != LocationKind.SYSTEM.value:
        parts.append(quote(location_name.strip()) if location_name.strip() else "")
    if options.strip():
        parts += ["OPTIONS", options.strip()]
    return " ".join(part for part in parts if part) + ";"


class CreateTaskForm(FormDialog[str]):
    """Posts :class:`CreateTaskForm.Submitted` with the statement; the app shows errors or dismisses with the id."""

    class Submitted(Message):
        def __init__(self, form: CreateTaskForm, statement: str) -> None:
            super().__init__()
            self.form = form
            self.statement = statement

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Create a distributed task", classes="dialog--title")
            yield Static("name (optional)", classes="dialog--hint")
            yield Input(placeholder="e.g. nightly_rebuild", id="task-name")
            yield Static("TYPE", classes="dialog--label")
            yield Select(
                [(t.value, t.value) for t in DistributedType],
                value=DistributedType.REBUILD.value,
                allow_blank=False,
                id="task-type",
            )
            yield Static("LOCATION", classes="dialog--label")
            with Horizontal(classes="-row"):
                yield Select(
                    [(k.value, k.value) for k in LocationKind],
                    value=LocationKind.SYSTEM.value,
                    allow_blank=False,
                    id="location-kind",
                )
                yield Input(placeholder="cluster or node name", id="location-name", disabled=True)
            yield Static("OPTIONS", classes="dialog--label")
            yield Input(placeholder=OPTION_HINTS[DistributedType.REBUILD], id="task-options")
            yield Static("", id="statement-preview", classes="dialog--hint")
            yield self.message
            with Horizontal(classes="dialog--buttons"):
                yield Button("Create", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    DEFAULT_CSS = """
    CreateTaskForm .-row { height: auto; }
    CreateTaskForm .-row > Select { width: 16; }
    CreateTaskForm Select { width: 30; }
    """

    def on_mount(self) -> None:
        self.query_one("#task-name", Input).focus()
        self._preview()

    @property
    def statement(self) -> str:
        return build_statement(
            self.query_one("#task-name", Input).value,
            str(self.query_one("#task-type", Select).value),
            str(self.query_one("#location-kind", Select).value),
            self.query_one("#location-name", Input).value,
            self.query_one("#task-options", Input).value,
        )

    def _preview(self) -> None:
        self.query_one("#statement-preview", Static).update(Content(self.statement))  # user text, not markup

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "task-type":
            task_type = DistributedType(str(event.value))
            options = self.query_one("#task-options", Input)
            options.placeholder = OPTION_HINTS[task_type]
            options.disabled = not OPTION_MODELS[task_type].model_fields
        elif event.select.id == "location-kind":
            self.query_one("#location-name", Input).disabled = event.value == LocationKind.SYSTEM.value
        self._preview()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._preview()

    def submit(self) -> None:
        if self.busy:
            return
        kind = str(self.query_one("#location-kind", Select).value)
        if kind != LocationKind.SYSTEM.value and not self.query_one("#location-name", Input).value.strip():
            self.show_error(f"LOCATION {kind} needs a {kind.lower()} name")
            return
        self.show_ok("creating …")
        self.busy = True
        self.post_message(self.Submitted(self, self.statement))
