"""The dashboard's control of the schedule and of the task types: a mixin of :class:`~app.schedtop_app.SchedtopApp`.

On the jobs screen (4): add a job (a form), edit the selected one (interval, enabled, until), switch it on or off,
and remove it with its past runs (asks first; the supervisor refuses while a run of it is in flight). On the task
views (1 and 2): a list of the task types that can be switched, each with its state, switched after asking.

Like every mutating action these bindings are absent in read-only mode and for sources without the capability
(:data:`~app.sources.base.SCHEDULE`, :data:`~app.sources.base.SWITCHES`), so the CubeFS and ScyllaDB sources
never show them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from engine.errors import Unavailable
from engine.model import AddJobRequest, JobState, ScheduledJob, UpdateJobRequest
from engine.model.task_types import JOB_TASK_TYPES
from widgets.formatting import human_duration

from ..bindings import display_key
from ..nodes import describe_error
from .base import AppHost

if TYPE_CHECKING:  # the dialogs are imported when first opened (start-up time)
    from widgets.job_form import AddJobForm, EditJobForm
    from widgets.task_types_dialog import TaskTypesDialog


class ScheduleActions(AppHost):
    """Actions ``add_job``, ``edit_job``, ``toggle_job``, ``remove_job`` and ``task_types`` (see app.bindings)."""

    # -- helpers --------------------------------------------------------------------------------------------

    def key_for(self, binding_id: str) -> str | None:
        """The key this run binds to ``binding_id`` (remapped or not), None when it is absent (read-only, a source
        without the feature)."""
        for spec in self.specs:
            if spec.id == binding_id:
                if spec.requires is not None and not self.has_capability(spec.requires):
                    return None
                return display_key(spec)
        return None

    def explain_supervisor_error(self, error: BaseException) -> str:
        """The error's message; with no schedule configured, also which key adds a job."""
        message = describe_error(error)
        key = self.key_for("add_job")
        if isinstance(error, Unavailable) and "schedule" in message and key:
            message += f" — press {key} on the jobs screen (4) to add one"
        return message

    def _selected_job(self) -> ScheduledJob | None:
        from ..screens.jobs import JobsScreen

        base = self.base_screen
        return base.selected_job if isinstance(base, JobsScreen) else None

    def _job_or_warn(self, what: str) -> ScheduledJob | None:
        job = self._selected_job()
        if job is None:
            key = self.key_for("add_job")
            extra = f" (none yet: {key} adds one)" if key and not self._jobs() else ""
            self.notify(f"select a job to {what} in the jobs table first{extra}", severity="warning", timeout=4)
        return job

    def _jobs(self) -> list[ScheduledJob]:
        latest = self.model.latest
        return list(latest.supervisor.jobs) if latest is not None else []

    def _select_job(self, job_id: int) -> None:
        from widgets.jobs import JobsPanel

        for panel in self.base_screen.query(JobsPanel):
            panel.jobs_table.select_key(str(job_id))

    # -- add ------------------------------------------------------------------------------------------------

    def action_add_job(self) -> None:
        def done(job: ScheduledJob | None) -> None:
            if job is not None:
                when = job.scheduled_start.strftime("%Y-%m-%d %H:%M:%S")
                self.notify(f"added job {job.name} (id {job.id}), first run {when} UTC", timeout=6)
                self._refresh_then_select(job.id)

        from widgets.job_form import AddJobForm

        self.push_screen(AddJobForm(JOB_TASK_TYPES), done)

    def on_add_job_form_submitted(self, event: AddJobForm.Submitted) -> None:
        self._add_job(event.form, event.request)

    @work(group="schedule", exit_on_error=False)
    async def _add_job(self, form: AddJobForm, request: AddJobRequest) -> None:
        try:
            job = await self.source.add_job(request)
        except Exception as error:
            form.show_error(describe_error(error))
            return
        form.dismiss(job)

    @work(group="schedule-refresh", exit_on_error=False)
    async def _refresh_then_select(self, job_id: int) -> None:
        await self.refresh_data()
        self._select_job(job_id)

    # -- edit -----------------------------------------------------------------------------------------------

    def action_edit_job(self) -> None:
        job = self._job_or_warn("edit")
        if job is None:
            return

        def done(edited: ScheduledJob | None) -> None:
            if edited is not None:
                self.notify(f"job {edited.name} saved: {_summary(edited)}", timeout=6)
                self.refresh_soon()

        from widgets.job_form import EditJobForm

        self.push_screen(EditJobForm(job), done)

    def on_edit_job_form_submitted(self, event: EditJobForm.Submitted) -> None:
        self._edit_job(event.form, event.job_id, event.change)

    @work(group="schedule", exit_on_error=False)
    async def _edit_job(self, form: EditJobForm, job_id: int, change: UpdateJobRequest) -> None:
        try:
            job = await self.source.update_job(job_id, change)
        except Exception as error:
            form.show_error(describe_error(error))
            return
        form.dismiss(job)

    # -- on / off -------------------------------------------------------------------------------------------

    def action_toggle_job(self) -> None:
        job = self._job_or_warn("switch on or off")
        if job is not None:
            self._toggle_job(job.id, job.name, not job.enabled)

    @work(group="schedule", exit_on_error=False)
    async def _toggle_job(self, job_id: int, name: str, enabled: bool) -> None:
        verb = "enable" if enabled else "disable"
        ok, _ = await self._attempt(self.source.update_job(job_id, UpdateJobRequest(enabled=enabled)), f"{verb} failed")
        if ok:
            key = self.key_for("toggle_job") or "the on/off key"
            again = "disables" if enabled else "enables"
            self.notify(f"job {name} {verb}d ({key} {again} it again)", timeout=5)
            await self.refresh_data()

    # -- remove ---------------------------------------------------------------------------------------------

    def action_remove_job(self) -> None:
        job = self._job_or_warn("remove")
        if job is None:
            return
        latest = self.model.latest
        results = latest.supervisor.results if latest is not None else []
        running = [r for r in results if r.job_id == job.id and r.state is JobState.RUNNING]
        label = f"job {job.name} (id {job.id}, {job.task_type} every {human_duration(job.interval_seconds)})"
        if running:
            run = running[0]
            cleanups = " or ".join(k for k in (self.key_for("cleanup_delete"), self.key_for("cleanup_reschedule")) if k)
            how = f"halt the supervisor and clean the run up ({cleanups})" if cleanups else "halt and clean it up"
            body = (
                f"A run of {label} is in flight (result {run.id}, scheduled_start "
                f"{run.scheduled_start:%Y-%m-%d %H:%M:%S}). Let it finish, or {how}, then remove the job."
            )
            from widgets.confirm import ConfirmDialog

            self.push_screen(ConfirmDialog(f"Cannot remove job {job.name}", body, can_confirm=False))
            return
        toggle = self.key_for("toggle_job")
        keep = f"\n\nTo keep its history, disable the job instead ({toggle})." if toggle else ""
        body = (
            f"Remove {label} from SCHEDULED_JOBS and delete all its past runs (its JOB_RESULTS rows and their "
            f"PARTIAL_JOB_RESULTS)? This cannot be undone.{keep}"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove_job(job.id, job.name)

        from widgets.confirm import ConfirmDialog

        self.push_screen(ConfirmDialog("Remove job", body, "Remove"), answered)

    @work(group="schedule", exit_on_error=False)
    async def _remove_job(self, job_id: int, name: str) -> None:
        ok, _ = await self._attempt(self.source.remove_job(job_id), f"remove job {name} failed")
        if ok:
            self.notify(f"removed job {name} and its past runs", timeout=5)
            await self.refresh_data()

    # -- task types on/off ----------------------------------------------------------------------------------

    def action_task_types(self) -> None:
        from widgets.task_types_dialog import TaskTypesDialog, switch_states

        self.push_screen(TaskTypesDialog(switch_states(self.model.latest)))

    def on_task_types_dialog_toggle(self, event: TaskTypesDialog.Toggle) -> None:
        dialog, task_type, enable = event.dialog, event.task_type, event.enable
        if enable:
            body = (
                f"Switch {task_type} on? Its suspended tasks resume where they stopped, and it starts new work again."
            )
        else:
            body = (
                f"Switch {task_type} off? Its running tasks are suspended (their progress frozen), it starts no new "
                f"work, and scheduled jobs of this type complete at once as skipped, until it is switched on again."
            )

        def answered(yes: bool | None) -> None:
            if yes:
                self._switch_type(dialog, task_type, enable)

        from widgets.confirm import ConfirmDialog

        self.push_screen(
            ConfirmDialog(f"{task_type} {'on' if enable else 'off'}", body, "On" if enable else "Off"), answered
        )

    @work(group="switches", exit_on_error=False)
    async def _switch_type(self, dialog: TaskTypesDialog, task_type: str, enable: bool) -> None:
        try:
            await self.source.set_enabled(task_type, enable)
        except Exception as error:
            if dialog.is_attached:
                dialog.show_error(f"{task_type}: {describe_error(error)}")
            else:
                self.notify(f"switching {task_type} failed: {describe_error(error)}", severity="error", timeout=8)
            return
        self.notify(f"{task_type} switched {'on' if enable else 'off'}", timeout=4)
        await self.refresh_data()
        if dialog.is_attached:
            from widgets.task_types_dialog import switch_states

            dialog.show_states(switch_states(self.model.latest))
            dialog.show_ok(f"{task_type} is {'on' if enable else 'off'}")


def _summary(job: ScheduledJob) -> str:
    until = f", until {job.until:%Y-%m-%d %H:%M:%S}" if job.until is not None else ""
    return f"every {human_duration(job.interval_seconds)}{until}, {'enabled' if job.enabled else 'disabled'}"
