"""The wait dialog as the app shows it: kept current with the waited task's live state after each refresh."""

from __future__ import annotations

from widgets.wait_dialog import WaitDialog

from ..client_model import Changes
from ..dashboard import as_dashboard
from .base import Follower


class WaitScreen(Follower, WaitDialog):
    def data_changed(self, changes: Changes) -> None:
        self.show_current()

    def show_current(self) -> None:
        """The task's state and progress as the model has it (nothing while the model does not know the task)."""
        app = as_dashboard(self.app)
        row = app.model.get(self.task_id)
        if row is not None:
            self.show_progress(row.status)
