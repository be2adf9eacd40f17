"""Actions on the job supervisor: halt (asks first), restart, and the two clean-ups of a hanging run.

The clean-ups act on the job result selected on the jobs screen (4) and need the supervisor halted; the source
refuses otherwise and the refusal is shown as it comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime
from typing import Any

from textual import work

from engine.model import JobResult

from .base import AppHost


class SupervisorActions(AppHost):
    def action_halt(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._supervisor("halt")

        body = "Halt the supervisor? No new job runs start; a running job blocks until restart."
        from widgets.confirm import ConfirmDialog

        self.push_screen(ConfirmDialog("Halt supervisor", body, "Halt"), answered)

    def action_restart(self) -> None:
        self._supervisor("restart")

    @work(group="supervisor", exit_on_error=False)
    async def _supervisor(self, verb: str) -> None:
        call = self.source.halt() if verb == "halt" else self.source.restart()
        try:
            state = await call
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # Without a schedule this says which key adds a job (`schedtop serve` without --demo has none).
            self.notify(f"{verb} failed: {self.explain_supervisor_error(error)}", severity="error", timeout=8)
            return
        self.notify(f"supervisor {getattr(state, 'value', state)}", timeout=4)
        await self.refresh_data()

    # -- clean-ups --------------------------------------------------------------------------------------------

    def _selected_result(self) -> JobResult | None:
        from ..screens.jobs import JobsScreen

        base = self.base_screen
        return base.selected_result if isinstance(base, JobsScreen) else None

    def action_cleanup_delete(self) -> None:
        self._cleanup("delete")

    def action_cleanup_reschedule(self) -> None:
        self._cleanup("reschedule")

    def _cleanup(self, kind: str) -> None:
        result = self._selected_result()
        if result is None:
            self.notify("select a job result on the jobs screen first", severity="warning", timeout=4)
            return
        start = result.scheduled_start.strftime("%Y-%m-%d %H:%M:%S")
        if kind == "delete":
            title = "Clean-up (a): delete the run"
            body = (
                f"Delete JOB_RESULTS row {result.id} (job {result.job_id}, scheduled_start {start}) and its "
                f"{len(result.partials)} PARTIAL_JOB_RESULTS rows, so the job runs again with the same "
                "scheduled_start? The supervisor must be halted first."
            )
        else:
            title = "Clean-up (b): mark completed and reschedule"
            body = (
                f"Mark the running partial results of job {result.job_id} (run {start}) completed, with result "
                "code 'cleaned up', and move the job's scheduled_start on by its interval? The supervisor must be "
                "halted first."
            )
        if not result.hanging:
            body += "\n\nNote: this run is not flagged as hanging."

        def answered(yes: bool | None) -> None:
            if yes:
                self._run_cleanup(kind, result.job_id, result.scheduled_start)

        from widgets.confirm import ConfirmDialog

        self.push_screen(ConfirmDialog(title, body, "Clean up"), answered)

    @work(group="cleanup", exit_on_error=False)
    async def _run_cleanup(self, kind: str, job_id: int, scheduled_start: datetime) -> None:
        call: Coroutine[Any, Any, object]
        if kind == "delete":
            call = self.source.cleanup_delete_run(job_id, scheduled_start)
        else:
            call = self.source.cleanup_reschedule(job_id, None)
        ok, _ = await self._attempt(call, "clean-up failed")
        if ok:
            self.notify("clean-up done; restart the supervisor with r", timeout=6)
            await self.refresh_data()
