"""Set the task manager's ``task_ttl`` and ``user_task_ttl`` (seconds a finished root task stays listed)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from .dialog import FormDialog

MAX_TTL = 10 * 365 * 24 * 3600


def parse_ttl(text: str, name: str) -> int:
    value = text.strip()
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number of seconds (0 or more), got {text!r}")
    seconds = int(value)
    if seconds > MAX_TTL:
        raise ValueError(f"{name} must be at most {MAX_TTL} seconds (ten years)")
    return seconds


class TtlForm(FormDialog[tuple[int, int | None]]):
    """Posts :class:`TtlForm.Submitted`; ``user_ttl`` is None when the source has no user TTL."""

    class Submitted(Message):
        def __init__(self, form: TtlForm, ttl: int, user_ttl: int | None) -> None:
            super().__init__()
            self.form = form
            self.ttl = ttl
            self.user_ttl = user_ttl

    def __init__(self, ttl: int, user_ttl: int | None) -> None:
        super().__init__()
        self.ttl = ttl
        self.user_ttl = user_ttl

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Task time-to-live", classes="dialog--title")
            yield Static("task_ttl: seconds a finished root task stays listed", classes="dialog--hint")
            yield Input(str(self.ttl), id="ttl")
            if self.user_ttl is not None:
                yield Static("user_task_ttl: the same for tasks started by a user", classes="dialog--hint")
                yield Input(str(self.user_ttl), id="user-ttl")
            yield self.message
            with Horizontal(classes="dialog--buttons"):
                yield Button("Set", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ttl", Input).focus()

    def submit(self) -> None:
        if self.busy:
            return
        try:
            ttl = parse_ttl(self.query_one("#ttl", Input).value, "task_ttl")
            user_ttl = None
            if self.user_ttl is not None:
                user_ttl = parse_ttl(self.query_one("#user-ttl", Input).value, "user_task_ttl")
        except ValueError as error:
            self.show_error(str(error))
            return
        self.show_ok("setting …")
        self.busy = True
        self.post_message(self.Submitted(self, ttl, user_ttl))
