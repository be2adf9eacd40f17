"""A yes/no confirmation for destructive actions (abort, halt, clean-ups); Enter or y confirms, Escape or n cancels."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from .dialog import Dialog


class ConfirmDialog(Dialog[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
    ]

    def __init__(self, title: str, body: str, confirm_label: str = "Yes", *, can_confirm: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label
        self.can_confirm = can_confirm

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            # plain text: titles and bodies quote task ids and entities from the server
            yield Static(Content(self.title_text), classes="dialog--title")
            yield Static(Content(self.body), id="confirm-body")
            yield self.message
            with Horizontal(classes="dialog--buttons"):
                if self.can_confirm:
                    yield Button(self.confirm_label, variant="error", id="confirm-yes")
                yield Button("Cancel" if self.can_confirm else "Close", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no" if not self.can_confirm else "#confirm-yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes and self.can_confirm)

    def action_cancel(self) -> None:
        self.dismiss(False)
