"""Waiting for a task to finish: cancellable at any time, then shows the task's final status."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from engine.model import TaskState, TaskStatus

from .dialog import Dialog
from .formatting import elapsed_seconds, human_duration


def final_text(status: TaskStatus) -> Content:
    """The final status, coloured by the theme (``$text-success`` / ``$text-error``)."""
    colour = "$text-success" if status.state is TaskState.DONE else "$text-error"
    text = Content.from_markup(f"[b]$id finished: [/b][b {colour}]$state[/]", id=status.id, state=status.state.value)
    elapsed = elapsed_seconds(status.start_time, status.end_time, None)
    if elapsed is not None:
        text += f" after {human_duration(elapsed)}"
    if status.error:
        text += Content.from_markup("\n[$text-error]error: $error[/]", error=status.error)
    if status.progress_total:
        text += f"\nprogress {status.progress_completed:g}/{status.progress_total:g} {status.progress_units}"
    return text


class WaitDialog(Dialog[None]):
    """The app runs the wait in a worker and cancels it when this dialog closes."""

    def __init__(self, task_id: str, started: datetime | None = None) -> None:
        super().__init__()
        self.task_id = task_id
        self.started = started
        self.final: TaskStatus | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content(f"Waiting for task {self.task_id}"), classes="dialog--title")
            since = f" since {self.started:%H:%M:%S}" if self.started else ""
            yield Static(f"waiting{since} … (Esc or Cancel stops waiting; the task keeps running)", id="wait-status")
            yield self.message
            with Horizontal(classes="dialog--buttons"):
                yield Button("Cancel", id="wait-close")

    def on_mount(self) -> None:
        self.query_one("#wait-close", Button).focus()

    def show_final(self, status: TaskStatus) -> None:
        self.final = status
        self.query_one("#wait-status", Static).update(final_text(status))
        self.query_one("#wait-close", Button).label = "Close"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
