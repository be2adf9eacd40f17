"""The base of schedtop's modal dialogs: a centred box with a title, an inline message line and Escape to cancel."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """Subclasses compose their fields inside ``#dialog`` and report problems with :meth:`show_error`."""

    DEFAULT_CSS = """
    Dialog { align: center middle; background: $background 60%; }
    Dialog > #dialog {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    Dialog .dialog--title { text-style: bold; width: 1fr; padding-bottom: 1; }
    Dialog .dialog--message { color: $text-error; height: auto; }
    Dialog .dialog--message.-ok { color: $text-success; }
    Dialog .dialog--hint { color: $text-muted; height: auto; }
    Dialog .dialog--buttons { height: auto; align-horizontal: right; padding-top: 1; }
    Dialog .dialog--buttons > Button { margin-left: 1; }
    Dialog Input { width: 1fr; }
    Dialog .dialog--label { padding-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self) -> None:
        super().__init__()
        self.message = Static("", classes="dialog--message")
        self.busy = False

    def show_error(self, text: str) -> None:
        """Show a problem inline and let the user fix the input."""
        self.busy = False
        self.message.set_class(False, "-ok")
        self.message.update(Content(f"⚠ {text}"))  # plain text: a message may quote the user's input

    def show_ok(self, text: str) -> None:
        self.busy = False
        self.message.set_class(True, "-ok")
        self.message.update(Content(text))

    @property
    def error_text(self) -> str:
        return str(self.message.render()).removeprefix("⚠ ")

    def action_cancel(self) -> None:
        self.dismiss(None)


class FormDialog(Dialog[ResultT]):
    """A dialog with fields and Submit/Cancel buttons: Enter in a field or the ``#submit`` button submits."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.submit()
        else:
            self.dismiss(None)

    def submit(self) -> None:
        raise NotImplementedError
