"""The supervisor's schedule edits and the runbook's two clean-ups: :class:`ScheduleEdits`, a mixin of
:class:`engine.supervisor.Supervisor`.

Adding, changing and removing jobs (SCHEDULED_JOBS), and the clean-ups of a hanging run: (a) delete the run so it
runs again at the same ``scheduled_start``; (b) complete it with result code ``cleaned up`` and move the job's
``scheduled_start`` on. Both clean-ups need the supervisor halted (:class:`NotHalted`); removing a job with a run
in flight is refused (:class:`RunInFlight`). The rules are in :mod:`engine.supervisor`'s docstring.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .errors import Conflict, InvalidArgument, NotFound
from .model.supervisor import RESULT_CLEANED_UP, JobState, ScheduledJob, SupervisorState, UpdateJobRequest
from .model.times import LATEST_TEXT, plus_seconds, to_text, utc
from .supervisor_store import SupervisorStore


class NotHalted(Conflict):
    """A clean-up was asked for while the supervisor thread is not halted."""

    code = "NotHalted"


class RunInFlight(Conflict):
    """A job was to be removed while one of its runs is still running."""

    code = "RunInFlight"


class _Core(Protocol):
    """What the edits use of the supervisor (its store, clock and bookkeeping)."""

    _store: SupervisorStore
    _task_types: frozenset[str] | None

    def _clock(self) -> datetime: ...

    def _committed(self) -> None: ...

    def _scan(self) -> None: ...

    def _job(self, job_id: int) -> ScheduledJob: ...

    def _forget(self, run_id: int) -> None: ...

    def _require_schedule(self) -> None: ...

    def _require_halted(self, what: str) -> None: ...

    def _require_not_exhausted(self, job: ScheduledJob) -> None: ...

    def update_job(self, job_id: int, change: UpdateJobRequest) -> ScheduledJob: ...


class ScheduleEdits:
    """Jobs and clean-ups; mixed into :class:`engine.supervisor.Supervisor`, whose internals it uses."""

    # -- the schedule -------------------------------------------------------------------------------------------
    def add_job(
        self: _Core,
        name: str,
        task_type: str,
        interval_seconds: int,
        start: datetime | None = None,
        *,
        remote: bool = False,
        until: datetime | None = None,
    ) -> ScheduledJob:
        """Add a job to SCHEDULED_JOBS; ``start`` defaults to now. Raises InvalidArgument or Conflict (name)."""
        name = (name or "").strip() if isinstance(name, str) else ""
        if not name or len(name) > 128:
            raise InvalidArgument("a job needs a name of 1 to 128 characters")
        if not isinstance(task_type, str) or not task_type.strip():
            raise InvalidArgument("a job needs a task_type, e.g. volume_inspect")
        if self._task_types is not None and task_type not in self._task_types:
            allowed = ", ".join(sorted(self._task_types))
            raise InvalidArgument(f"unknown task_type {task_type!r} for a job (allowed: {allowed})")
        if isinstance(interval_seconds, bool) or not isinstance(interval_seconds, int) or interval_seconds < 1:
            raise InvalidArgument(f"interval_seconds must be a whole number >= 1, got {interval_seconds!r}")
        begin = _argument(start, "start") if start is not None else self._clock()
        end = _argument(until, "until") if until is not None else None
        if end is not None and end < begin:
            raise InvalidArgument(f"until ({to_text(end)}) is before the first scheduled_start ({to_text(begin)})")
        # By name in SQL, so that a quarantined job's name counts too (the UNIQUE constraint would say so anyway).
        clash = self._store.job_named(name)
        if clash is not None:
            raise Conflict(f"a job named {name!r} already exists (id {clash})")
        job_id = self._store.insert_job(name, task_type.strip(), begin, interval_seconds, remote, end)
        self._committed()
        return self._job(job_id)

    def set_job_enabled(self: _Core, job_id: int, enabled: bool) -> ScheduledJob:
        return self.update_job(job_id, UpdateJobRequest(enabled=enabled))

    def update_job(self: _Core, job_id: int, change: UpdateJobRequest) -> ScheduledJob:
        """Change a job's interval, enabled flag and/or until (``until=None`` given: no end). Fields not given stay.

        Raises NotFound, or InvalidArgument (nothing to change, a bad value, an until before the job's next
        scheduled_start, or enabling a job that already ran at the last scheduled_start the calendar has).
        """
        job = self._job(job_id)
        given = change.model_fields_set
        interval = change.interval_seconds
        enabled = change.enabled
        if interval is None and enabled is None and "until" not in given:
            raise InvalidArgument("nothing to change: give interval_seconds, enabled or until")
        if interval is not None and (isinstance(interval, bool) or not isinstance(interval, int) or interval < 1):
            raise InvalidArgument(f"interval_seconds must be a whole number >= 1, got {interval!r}")
        until = job.until
        if "until" in given:
            until = _argument(change.until, "until") if change.until is not None else None
            if until is not None and until < job.scheduled_start:
                raise InvalidArgument(
                    f"until ({to_text(until)}) is before the job's next scheduled_start ({to_text(job.scheduled_start)})"
                )
        if enabled and not job.enabled:
            self._require_not_exhausted(job)
        with self._store.atomic():
            if interval is not None:
                self._store.set_interval(job_id, interval)
            if enabled is not None:
                self._store.set_enabled(job_id, enabled)
            if "until" in given:
                self._store.set_until(job_id, until)
        self._committed()
        return self._job(job_id)

    def remove_job(self: _Core, job_id: int) -> int:
        """Delete a job from SCHEDULED_JOBS with its past runs (JOB_RESULTS and PARTIAL_JOB_RESULTS rows).

        Returns how many runs were deleted. Refused (Conflict) while a run of the job is in flight, hanging ones
        included (:class:`RunInFlight`): that run's work would have no job left to report to; clean it up or let it
        finish first. A job whose row cannot be read (quarantined) can be removed too. Raises NotFound for an
        unknown id.
        """
        if isinstance(job_id, bool) or not isinstance(job_id, int) or not self._store.job_exists(job_id):
            raise NotFound(f"SCHEDULED_JOBS has no job with id {job_id!r}")
        in_flight = self._store.runs_in_flight(job_id)
        if in_flight:
            run_id, start = in_flight[0]
            raise RunInFlight(
                f"job {job_id} has a run in flight (JOB_RESULTS id {run_id}, scheduled_start '{start}'); let it "
                "finish, or halt and clean it up (delete-run or reschedule), then remove the job"
            )
        with self._store.atomic():
            runs = self._store.delete_job(job_id)
        self._committed()
        self._scan()  # the job's quarantined rows, if any, are gone with it
        return runs

    # -- the runbook's two clean-ups ------------------------------------------------------------------------
    def cleanup_delete_run(self: _Core, job_id: int, scheduled_start: datetime) -> None:
        """(a) Delete the run's JOB_RESULTS row and its PARTIAL_JOB_RESULTS, so it runs again at that start."""
        start = _argument(scheduled_start, "scheduled_start")
        self._require_halted("delete a run")
        self._job(job_id)
        run_id = self._store.run_id(job_id, start)
        if run_id is None:
            raise NotFound(f"JOB_RESULTS has no run of job {job_id} for scheduled_start '{to_text(start)}'")
        self._forget(run_id)
        with self._store.atomic():
            self._store.delete_run(run_id)
        self._committed()

    def cleanup_reschedule(self: _Core, job_id: int, scheduled_start: datetime | None = None) -> ScheduledJob:
        """(b) Complete the job's running partials and run, and move its scheduled_start on (default: +interval).

        What it completes gets the result code ``cleaned up``, so that it never reads as work that succeeded.

        The default is refused (InvalidArgument) when it would be past 9999-12-31T23:59:59Z.
        """
        target = _argument(scheduled_start, "scheduled_start") if scheduled_start is not None else None
        self._require_halted("reschedule a job")
        job = self._job(job_id)
        if target is None:
            target = plus_seconds(job.scheduled_start, job.interval_seconds)
            if target is None:
                raise InvalidArgument(
                    f"scheduled_start '{to_text(job.scheduled_start)}' plus the interval ({job.interval_seconds} s) "
                    f"would be past {LATEST_TEXT}, the last time a job can have; give the new scheduled_start, "
                    "or switch the job off"
                )
        if target <= job.scheduled_start:
            raise InvalidArgument(
                f"the new scheduled_start '{to_text(target)}' must be after the current "
                f"'{to_text(job.scheduled_start)}'"
            )
        now = self._clock()
        with self._store.atomic():
            for run in self._store.running_runs():
                if run.job_id != job_id:
                    continue
                for partial in run.partials:
                    if partial.state is JobState.RUNNING:
                        seconds = int((now - partial.started).total_seconds())
                        self._store.finish_partial(partial.id, JobState.COMPLETED, max(1, seconds), RESULT_CLEANED_UP)
                self._forget(run.id)
                self._store.finish_run(run.id, JobState.COMPLETED, now, RESULT_CLEANED_UP)
            self._store.set_scheduled_start(job_id, target)
        self._committed()
        return self._job(job_id)

    def _require_not_exhausted(self: _Core, job: ScheduledJob) -> None:
        """A disabled job that already ran at its scheduled_start would clash with that run once enabled again:
        that happens to a job exhausted at the end of the calendar, which keeps the scheduled_start it ran at."""
        run_id = self._store.run_id(job.id, job.scheduled_start)
        if run_id is None or any(run.id == run_id for run in self._store.running_runs()):
            return
        raise InvalidArgument(
            f"job {job.id} already ran at its scheduled_start '{to_text(job.scheduled_start)}' and no later one can "
            f"be stored (past {LATEST_TEXT}); enabled again it would clash with that run. Remove the job, or add a "
            "new one"
        )

    def _require_halted(self: _Core, what: str) -> None:
        self._require_schedule()
        mode, _ = self._store.mode()
        if mode is not SupervisorState.HALTED:
            raise NotHalted(f"halt the supervisor before you {what} (POST /api/supervisor/halt), then restart it")


def _argument(moment: datetime, name: str) -> datetime:
    """A time given to the API, normalised; InvalidArgument naming it when it is out of range."""
    try:
        return utc(moment)
    except ValueError as error:
        raise InvalidArgument(f"{name}: {error}") from None
