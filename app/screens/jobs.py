"""Screen 4: the supervisor's state, scheduled jobs, recent results with partials; the two clean-ups and the
schedule's controls (add, edit, on/off, remove a job) live here."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult

from engine.model import JobResult, ScheduledJob
from widgets.jobs import JobsPanel

from ..bindings import GLOBAL, JOBS
from ..client_model import Changes
from .base import DataScreen

JOB_KEYS = (("add_job", "add"), ("edit_job", "edit"), ("toggle_job", "on/off"), ("remove_job", "remove"))
"""The schedule's bindings, each with the word that says what it does to the selected job."""


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

    @property
    def selected_job(self) -> ScheduledJob | None:
        return self.query_one(JobsPanel).selected_job

    def apply_data(self, changes: Changes) -> None:
        app = self.schedtop
        panel = self.query_one(JobsPanel)
        if not app.has_capability("jobs"):
            panel.show(None, error="this source has no supervisor")
            return
        key = app.key_for("add_job")
        panel.add_hint = f"press {key} to add a job" if key else ""
        # The footer has no room left for these; the table they act on lists them.
        keys = [(app.key_for(binding), word) for binding, word in JOB_KEYS]
        panel.job_keys = " · ".join(f"{key} {word}" for key, word in keys if key)
        snapshot = app.model.latest
        if snapshot is not None:
            app.guard(lambda: panel.show(snapshot.supervisor), lambda error: panel.show(None, error=error))
