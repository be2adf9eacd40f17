"""Waiting for a task to finish: its live state and progress, cancellable at any time, then its final status."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from engine.model import TaskState, TaskStatus

from .dialog import Dialog
from .formatting import bar_parts, elapsed_seconds, human_duration, percent_text

BAR_WIDTH = 30


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def progress_text(status: TaskStatus) -> Content:
    """``running · 4/5 tasks`` and a bar (just the state when the task reports no total)."""
    text = Content.from_markup("[b]$state[/b]", state=status.state.value)
    if status.progress_total:
        units = f" {status.progress_units}" if status.progress_units else ""
        text += f" · {_number(status.progress_completed)}/{_number(status.progress_total)}{units}\n"
        filled, empty = bar_parts(status.fraction, BAR_WIDTH)
        text += Content.from_markup(
            "[$primary]$filled[/][$text-muted]$empty[/] $percent",
            filled=filled,
            empty=empty,
            percent=percent_text(status.fraction),
        )
    return text


def final_text(status: TaskStatus) -> Content:
    """The final status, coloured by the theme (``$text-success`` / ``$text-error``)."""
    colour = "$text-success" if status.state is TaskState.DONE else "$text-error"
    text = Content.from_markup(f"[b]$id finished: [/b][b {colour}]$state[/]", id=status.id, state=status.state.value)
    elapsed = elapsed_seconds(status.start_time, status.end_time, None)
    if elapsed is not None:
        text += f" after {human_duration(elapsed)}"
    if status.error:
        text += Content.from_markup("\n[$text-error]error: $error[/]", error=status.error)
    return text  # its progress stays in the progress line below


class WaitDialog(Dialog[None]):
    """The app runs the wait in a worker and cancels it when this dialog closes; each refresh shows the task's
    progress (:meth:`show_progress`). The button says Cancel while there is a wait to cancel, Close after."""

    def __init__(self, task_id: str, started: datetime | None = None) -> None:
        super().__init__()
        self.task_id = task_id
        self.started = started
        self.final: TaskStatus | None = None
        self.latest: TaskStatus | None = None
        self.waiting = True
        """A wait is running, so the button cancels it; once it ended (answered or failed) the button closes."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content(f"Waiting for task {self.task_id}"), classes="dialog--title")
            since = f" since {self.started:%H:%M:%S}" if self.started else ""
            yield Static(f"waiting{since} … (Esc or Cancel stops waiting; the task keeps running)", id="wait-status")
            yield Static("", id="wait-progress")
            yield self.message
            with Horizontal(classes="dialog--buttons"):
                yield Button("Cancel", id="wait-close")

    def on_mount(self) -> None:
        self.query_one("#wait-close", Button).focus()
        self._show()

    def show_progress(self, status: TaskStatus) -> None:
        """The task as the latest refresh saw it; a final state ends the wait here too (the wait's own answer
        may come late, or never: a long poll a proxy dropped)."""
        if self.final is not None:
            return
        if status.state.is_final:
            self.show_final(status)
            return
        self.latest = status
        self._show()

    def show_final(self, status: TaskStatus) -> None:
        self.final = self.latest = status
        self.waiting = False
        self._show()

    def show_error(self, text: str) -> None:
        """The wait failed: it is over, so there is nothing left to cancel."""
        super().show_error(text)
        self.waiting = False
        self._show()

    def _show(self) -> None:
        if not self.query("#wait-close"):  # not composed yet: on_mount shows what came before
            return
        if self.final is not None:
            self.query_one("#wait-status", Static).update(final_text(self.final))
        elif not self.waiting:
            self.query_one("#wait-status", Static).update("no longer waiting (the task may still be running)")
        if self.latest is not None:
            self.query_one("#wait-progress", Static).update(progress_text(self.latest))
        self.query_one("#wait-close", Button).label = "Cancel" if self.waiting else "Close"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
