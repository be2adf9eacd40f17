"""The Enter overlay: one task's full status and migrate detail, kept live while open; Escape closes."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from widgets.task_detail import TaskDetail

if TYPE_CHECKING:
    from ..schedtop_app import SchedtopApp


class DetailScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    DetailScreen { align: center middle; background: $background 60%; }
    DetailScreen > Vertical { width: 124; max-width: 100%; height: 90%; border: thick $primary; background: $surface; }
    DetailScreen .detail--hint { color: $text-muted; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close"),
    ]

    def __init__(self, task_id: str) -> None:
        super().__init__()
        self.task_id = task_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield TaskDetail(id="detail-full")
            yield Static("Esc closes · a aborts · w waits (from the screen behind)", classes="detail--hint")

    def on_mount(self) -> None:
        self.refresh_detail()
        self.query_one(TaskDetail).focus()

    def refresh_detail(self) -> None:
        app: SchedtopApp = self.app  # type: ignore[assignment]
        row = app.model.get(self.task_id)
        migrate, note = app.detail_for(row)
        if row is None:
            note = f"task {self.task_id} is no longer known (finished and unregistered)"
        snapshot = app.model.latest
        self.query_one(TaskDetail).show(row, migrate, note, snapshot.taken_at if snapshot else None)

    def action_close(self) -> None:
        self.dismiss(None)
