"""The manual-migration form: a vuid (unsigned 64-bit) and direct_download, validated before anything is sent."""

from __future__ import annotations

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Static

from engine.model import ManualMigrateRequest, split_vuid

from .dialog import FormDialog


def validation_text(error: ValidationError) -> str:
    first = error.errors()[0]
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if first.get("type") == "less_than_equal":
        return "vuid must be an unsigned 64-bit integer (at most 18446744073709551615)"
    if first.get("type") == "greater_than_equal":
        return "vuid must be at least 1"
    return message


class MigrateForm(FormDialog[str]):
    """Posts :class:`MigrateForm.Submitted`; the app answers with :meth:`show_error` or dismisses with the task id."""

    class Submitted(Message):
        def __init__(self, form: MigrateForm, request: ManualMigrateRequest) -> None:
            super().__init__()
            self.form = form
            self.request = request

    def __init__(self, vuid: str = "") -> None:
        super().__init__()
        self.initial_vuid = vuid

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Manual chunk migration", classes="dialog--title")
            yield Static("vuid (chunk id, unsigned 64-bit; vid<<32 | index<<24 | epoch)", classes="dialog--hint")
            # No example number: one that is not on this cluster would be refused; the detail pane of a migrate
            # task shows real ones (source_vuid, destination).
            yield Input(self.initial_vuid, placeholder="a chunk's vuid, as in a migrate task's detail", id="vuid")
            yield Static("", id="vuid-parts", classes="dialog--hint")
            yield Checkbox("direct_download (read the source chunk directly)", id="direct-download")
            yield Static("The destination is chosen by the scheduler.", classes="dialog--hint")
            yield self.message
            with Horizontal(classes="dialog--buttons"):
                yield Button("Add migration", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#vuid", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        parts = self.query_one("#vuid-parts", Static)
        if text.isdigit() and 0 < int(text) < 2**64:
            vid, index, epoch = split_vuid(int(text))
            parts.update(f"vid {vid}, index {index}, epoch {epoch}")
        else:
            parts.update("")

    def submit(self) -> None:
        if self.busy:
            return
        text = self.query_one("#vuid", Input).value
        direct = self.query_one("#direct-download", Checkbox).value
        if not text.strip():
            self.show_error("enter a vuid")
            return
        try:
            # the text as given: the model reads digits itself and names what is wrong with anything else
            request = ManualMigrateRequest.model_validate({"vuid": text, "direct_download": direct})
        except ValidationError as error:
            self.show_error(validation_text(error))
            return
        self.show_ok("adding …")
        self.busy = True
        self.post_message(self.Submitted(self, request))
