"""Screen 4: the supervisor's state, scheduled jobs, recent results with partials; the two clean-ups live here."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult

from engine.model import JobResult
from widgets.jobs import JobsPanel

from ..bindings import GLOBAL, JOBS
from ..client_model import Changes
from .base import DataScreen


class JobsScreen(DataScreen):
    SCOPES: ClassVar[frozenset[str]] = frozenset({GLOBAL, JOBS})
    SCREEN_NAME = "jobs"

    def compose_body(self) -> ComposeResult:
        yield JobsPanel(id="jobs")

    def on_mount(self) -> None:
        self.query_one(JobsPanel).results_table.focus()

    @property
    def selected_result(self) -> JobResult | None:
        return self.query_one(JobsPanel).selected_result

    def apply_data(self, changes: Changes) -> None:
        app = self.schedtop
        panel = self.query_one(JobsPanel)
        if not app.has_capability("jobs"):
            panel.show(None, error="this source has no supervisor")
            return
        snapshot = app.model.latest
        if snapshot is not None:
            app.guard(lambda: panel.show(snapshot.supervisor), lambda error: panel.show(None, error=error))
