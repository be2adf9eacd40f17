"""The ``:`` command line: CREATE TASK … / CANCEL TASK '…' statements, errors shown inline, history on ↑/↓."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from .dialog import Dialog

EXAMPLES = "CREATE TASK nightly TYPE rebuild LOCATION CLUSTER c1;   CANCEL TASK 'nightly';"


class CommandLine(Dialog[str]):
    """Docked at the bottom like vim's; posts :class:`CommandLine.Submitted` and stays open until it succeeds."""

    DEFAULT_CSS = """
    CommandLine { align: center bottom; background: $background 30%; }
    CommandLine > #dialog { width: 100%; border: none; border-top: tall $primary; padding: 0 1; }
    CommandLine .-prompt { width: 2; padding-top: 1; text-style: bold; }
    CommandLine #command-row { height: auto; }
    /* also when focused: Input:focus draws a tall border, which in one row leaves no room for the text */
    CommandLine Input, CommandLine Input:focus { border: none; height: 1; padding: 0; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    class Submitted(Message):
        def __init__(self, line: CommandLine, text: str) -> None:
            super().__init__()
            self.line = line
            self.text = text

    def __init__(self, history: list[str] | None = None) -> None:
        super().__init__()
        self.history = history if history is not None else []
        self._history_pos = len(self.history)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            with Horizontal(id="command-row"):
                yield Static(":", classes="-prompt")
                yield Input(placeholder="CREATE TASK … or CANCEL TASK '…'", id="command")
            yield self.message
            yield Static(f"e.g. {EXAMPLES}  (Esc closes)", classes="dialog--hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @property
    def input(self) -> Input:
        return self.query_one("#command", Input)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._history_pos = max(0, min(len(self.history), self._history_pos + step))
        self.input.value = self.history[self._history_pos] if self._history_pos < len(self.history) else ""
        self.input.cursor_position = len(self.input.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if not self.busy:
            self.message.update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if self.busy:
            return
        if not text:
            self.show_error("type a statement, or Esc to close")
            return
        if not self.history or self.history[-1] != text:
            self.history.append(text)
        self._history_pos = len(self.history)
        self.show_ok("running …")
        self.busy = True
        self.post_message(self.Submitted(self, text))
