"""The Enter overlay: one task's full status and migrate detail, kept live while open; Escape closes.

The task views' abort and wait keys work here too, on the task shown: bindings of this screen with the registry's
ids (so ``[keys]`` moves them here as well), absent where the run lacks them (read-only, a source without them).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from widgets.task_detail import TaskDetail

from ..bindings import screen_binding
from ..client_model import Changes
from ..dashboard import as_dashboard
from .base import Follower


class DetailScreen(Follower, ModalScreen[None]):
    DEFAULT_CSS = """
    DetailScreen { align: center middle; background: $background 60%; }
    DetailScreen > Vertical { width: 124; max-width: 100%; height: 90%; border: thick $primary; background: $surface; }
    DetailScreen .detail--hint { color: $text-muted; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close"),
        screen_binding("abort", "abort_task"),
        screen_binding("wait", "wait_for_task"),
    ]
    TASK_ACTIONS: ClassVar[dict[str, str]] = {"abort_task": "abort", "wait_for_task": "wait"}
    """This screen's task actions and the registry binding each stands for."""

    def __init__(self, task_id: str) -> None:
        super().__init__()
        self.task_id = task_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield TaskDetail(id="detail-full")
            yield Static(self._hint(), classes="detail--hint")

    def _hint(self) -> str:
        """Names the keys as this run binds them, and only those it has (read-only has no abort)."""
        app = as_dashboard(self.app)
        hints = ["Esc closes"]
        hints += [
            f"{key} {verb}" for key, verb in ((app.key_for("abort"), "aborts"), (app.key_for("wait"), "waits")) if key
        ]
        return " · ".join(hints)

    def on_mount(self) -> None:
        self.refresh_detail()
        self.query_one(TaskDetail).focus()

    def data_changed(self, changes: Changes) -> None:
        self.refresh_detail()

    def node_switched(self) -> None:
        self.refresh_detail()

    def detail_arrived(self) -> None:
        self.refresh_detail()

    def refresh_detail(self) -> None:
        app = as_dashboard(self.app)
        row = app.model.get(self.task_id)
        migrate, note = app.detail_for(row)
        if row is None:
            note = f"task {self.task_id} is no longer known (finished and unregistered)"
        snapshot = app.model.latest
        self.query_one(TaskDetail).show(row, migrate, note, snapshot.taken_at if snapshot else None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        binding_id = self.TASK_ACTIONS.get(action)
        if binding_id is None:
            return True
        # the app's own binding is inert under this overlay; this one exists where the app's would
        app = as_dashboard(self.app)
        return app.key_for(binding_id) is not None

    def action_abort_task(self) -> None:
        app = as_dashboard(self.app)
        app.request_abort(self.task_id)

    def action_wait_for_task(self) -> None:
        app = as_dashboard(self.app)
        app.wait_for(self.task_id)

    def action_close(self) -> None:
        self.dismiss(None)
