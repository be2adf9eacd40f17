"""The job supervisor of the scheduler admin seed: scheduled jobs, their runs, halt/restart and the two clean-ups.

It behaves like one supervisor *thread*: at most one run is in flight at a time, oldest ``scheduled_start`` first.
The engine calls :meth:`Supervisor.tick` once per tick. A due job gets a ``JOB_RESULTS`` row (state running) and one
``PARTIAL_JOB_RESULTS`` row per cluster (one IDC each for a remote job, else one for the local cluster); each
partial's work starts through the ``launch`` callback. When a partial's work returns, the partial is completed;
when all are, the run is completed and the job's ``scheduled_start`` moves on by whole intervals to the first slot
after now (missed slots are skipped, not caught up).

Editing the schedule (add, change, remove jobs) and the two clean-ups live in :mod:`engine.supervisor_schedule`
(:class:`~engine.supervisor_schedule.ScheduleEdits`, a mixin of :class:`Supervisor`); this module runs the thread.

Rules chosen where the seed is silent (the README repeats them):

* **halt** returns at once and stops new runs; a run in flight keeps its work going but is not completed (its rows
  stay ``running``) until **restart**. The mode (RUNNING/HALTED) persists in the ``SUPERVISOR`` table.
* **FINISHED** when no run is in flight and every job is disabled or past its ``until``.
* A (job, scheduled_start) clash on ``JOB_RESULTS`` is the seed's DuplicateKeyException: the thread "runtimes" —
  it goes HALTED with ``last_error`` saying what clashed and how to clean up; :meth:`restart` refuses with
  :class:`~engine.errors.Conflict` while the clash is still there. A tick never raises.
* A run is **hanging** when it has been running longer than ``max(hang_factor × interval, min_hang_seconds)``.
  :meth:`lose_next_completion` simulates the seed's cause (the DB connection lost as a job completes): the last
  partial's completion and the run's completion are never written, so the run hangs and blocks the thread.
* Both clean-ups require HALTED (:class:`NotHalted`, 409), as the runbook says to halt first. The reschedule
  clean-up completes the run, and its partials still running, with result code ``cleaned up`` (not ``ok``). The
  supervisor also honours the runbook's raw SQL: a running run whose partials are no longer running counts as
  finished, and a deleted run is forgotten.
* Runs left ``running`` by a previous process (e.g. after kill -9) are adopted: their running partials are launched
  again with ``resumed=True``.

Broken rows and the edges of the calendar:

* Times are accepted from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z once in UTC (:mod:`engine.model.times`);
  one outside that is :class:`~engine.errors.InvalidArgument` naming the argument.
* A job whose next slot would be past 9999-12-31T23:59:59Z is **exhausted** when its run completes: no later
  scheduled_start can be stored, so it is switched off (``enabled = 0``) and keeps the scheduled_start it ran at.
  The default of the reschedule clean-up (+interval) is refused (InvalidArgument) when it would pass that end.
* On start, times an older version stored with an unpadded year (``'1-01-01 00:00:00'``) are rewritten padded.
  A row that still cannot be read is **quarantined** instead of halting the thread: its job (that of the run,
  for a run or partial) does not run, and the rest of the schedule goes on. :meth:`Supervisor.view` lists each
  with the UPDATE that fixes it (``quarantined``, and ``last_error`` when nothing else is); the server log says
  it once. A restart reads every row again; a fixed row is released by then at the latest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from .errors import Conflict, InvalidArgument, NotFound, Unavailable
from .model.supervisor import (
    JobResult,
    JobState,
    ScheduledJob,
    SupervisorState,
    SupervisorView,
)
from .model.times import LATEST_TEXT, plus_seconds, to_text, utc
from .supervisor_schedule import NotHalted, RunInFlight, ScheduleEdits
from .supervisor_store import BadRow, SupervisorStore

__all__ = ["LOCAL_CLUSTER", "RESULT_OK", "JobLaunch", "Launch", "NotHalted", "RunInFlight", "Supervisor"]

log = logging.getLogger("schedtop.supervisor")

LOCAL_CLUSTER = "local"
RESULT_OK = "ok"


@dataclass(frozen=True, slots=True)
class JobLaunch:
    """One partial of a run, handed to ``launch``: start that work and return when it is done."""

    job: ScheduledJob
    cluster: str
    job_result_id: int
    partial_id: int
    scheduled_start: datetime
    resumed: bool = False

    @property
    def task_type(self) -> str:
        return self.job.task_type


Launch = Callable[[JobLaunch], Awaitable[str | None]]
"""Returns a result code (None = ``"ok"``); raising marks the partial failed with the error as its result code."""


class Supervisor(ScheduleEdits):
    """The supervisor the engine embeds; all state lives in the SQLite connection it is given.

    Editing the schedule (jobs) and the runbook's two clean-ups are in :class:`ScheduleEdits`.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        now: Callable[[], datetime],
        launch: Launch | None = None,
        *,
        clusters: Callable[[], Iterable[str]] | None = None,
        commit: Callable[[], None] | None = None,
        task_types: Iterable[str] | None = None,
        hang_factor: float = 2.0,
        min_hang_seconds: int = 60,
        history: int = 50,
    ) -> None:
        self._store = SupervisorStore(conn)
        self._now = now
        self._launch = launch
        self._clusters = clusters
        self._commit = commit
        self._task_types = None if task_types is None else frozenset(task_types)
        self._hang_factor = hang_factor
        self._min_hang_seconds = min_hang_seconds
        self._history = history
        self._handles: dict[int, asyncio.Future[str | None]] = {}  # partial id → its launched work
        self._current: int | None = None  # the run this process is supervising
        self._lost: set[int] = set()  # runs whose completion the simulated DB outage swallowed
        self._lose_armed: list[int | None] = []
        self._store.heal()
        self._scan()

    # -- the engine's tick --------------------------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> None:
        """Advance the schedule: collect finished work, complete runs, start the next due run. Never raises.

        Synchronous (plain SQLite work); it must run on the event loop the launched work lives on.
        """
        try:
            with self._store.atomic():
                try:
                    self._tick(utc(now) if now is not None else self._clock())
                except Conflict as error:
                    # Keep what this tick completed (the clashing insert wrote nothing); the thread stops.
                    self._runtime(error.message)
        except BadRow:
            pass  # a row went bad under this tick: it is quarantined now, and the next tick works around it
        except sqlite3.Error as error:
            self._runtime(f"database error: {error}")
        except Exception as error:
            # A bug must not take the engine's loop down with it: the thread stops, and says why.
            log.exception("the supervisor's tick failed")
            self._runtime(f"internal error: {type(error).__name__}: {error}")

    def _tick(self, now: datetime) -> None:
        if self._store.job_count() == 0:
            return
        self._reconcile(now)
        mode, _ = self._store.mode()
        if mode is SupervisorState.HALTED:
            return
        running = self._running()
        if running:
            run = running[0]
            if run.id in self._lost:
                return  # hung: nothing will ever complete it until someone cleans up
            if self._current != run.id:
                self._adopt(run)
            if not self._collect(run, now):
                return
        job = self._next_due(now)
        if job is not None:
            self._start(job, now)

    # -- state and control --------------------------------------------------------------------------------------
    def configured(self) -> bool:
        return self._store.job_count() > 0

    def state(self) -> SupervisorState:
        """RUNNING, HALTED or FINISHED; raises Unavailable when no schedule is configured."""
        self._require_schedule()
        return self._state(self._clock())

    def halt(self) -> SupervisorState:
        """Stop starting runs and block the one in flight from completing. Returns at once."""
        self._require_schedule()
        _, last_error = self._store.mode()
        self._store.set_mode(SupervisorState.HALTED, last_error)
        self._committed()
        return SupervisorState.HALTED

    def restart(self) -> SupervisorState:
        """Resume a halted (or runtimed) thread. Raises Conflict while a (job, scheduled_start) clash remains."""
        self._require_schedule()
        now = self._clock()
        self._scan()
        with self._store.atomic():
            self._reconcile(now)
            clash = self._clash(now)
        if clash is not None:
            self._store.set_mode(SupervisorState.HALTED, clash)
            self._committed()
            raise Conflict(clash)
        self._store.set_mode(SupervisorState.RUNNING, None)
        self._committed()
        return self._state(now)

    def view_now(self) -> SupervisorView:
        """The engine's snapshot hook: the same as :meth:`view`."""
        return self.view()

    def view(self) -> SupervisorView:
        """Jobs, recent runs (running ones always included, each with its partials) and the state, in one piece."""
        _, last_error = self._store.mode()
        if not self.configured():
            return SupervisorView(configured=False, state=None, last_error=last_error)
        now = self._clock()
        jobs = self._store.jobs()
        results = self._store.recent_runs(self._history)
        quarantined = [entry.message for entry in self._store.quarantined()]
        intervals = {job.id: job.interval_seconds for job in jobs}
        for result in results:
            result.hanging = self._is_hanging(result, intervals.get(result.job_id, 60), now)
        running = [result for result in results if result.state is JobState.RUNNING]
        held = self._store.held_jobs()
        return SupervisorView(
            configured=True,
            state=self._state(now, jobs=jobs, any_running=any(r.job_id not in held for r in running)),
            running_job_id=min(running, key=lambda r: r.id).job_id if running else None,
            jobs=jobs,
            results=results,
            last_error=last_error or _quarantine_summary(quarantined),
            quarantined=quarantined,
        )

    # -- fault injection ------------------------------------------------------------------------------------
    def lose_next_completion(self, job_id: int | None = None) -> None:
        """Simulate the DB connection dropping as the next run (of ``job_id``, or any) completes: it will hang."""
        self._lose_armed.append(job_id)

    async def close(self) -> None:
        handles = list(self._handles.values())
        self._handles.clear()
        for handle in handles:
            handle.cancel()
        for handle in handles:
            with contextlib.suppress(BaseException):
                await handle

    # -- internals ------------------------------------------------------------------------------------------
    def _clock(self) -> datetime:
        return utc(self._now())

    def _scan(self) -> None:
        """Read every row the schedule depends on again, so that the quarantine is exactly the unreadable ones."""
        self._store.forget_quarantine()
        self._store.jobs()
        self._store.running_runs()
        self._store.recent_runs(self._history)

    def _running(self) -> list[JobResult]:
        """The running runs this thread supervises: those of a job a quarantined row holds back are left alone."""
        running = self._store.running_runs()
        held = self._store.held_jobs()
        return [run for run in running if run.job_id not in held]

    def _committed(self) -> None:
        if self._commit is not None:
            self._commit()

    def _require_schedule(self) -> None:
        if not self.configured():
            raise Unavailable("no schedule is configured: SCHEDULED_JOBS is empty (add a job first)")

    def _job(self, job_id: int) -> ScheduledJob:
        try:
            job = self._store.job(job_id) if isinstance(job_id, int) and not isinstance(job_id, bool) else None
        except BadRow as error:
            raise InvalidArgument(f"job {job_id} is quarantined: {error}") from None
        if job is None:
            raise NotFound(f"SCHEDULED_JOBS has no job with id {job_id!r}")
        return job

    def _state(
        self, now: datetime, *, jobs: list[ScheduledJob] | None = None, any_running: bool | None = None
    ) -> SupervisorState:
        mode, _ = self._store.mode()
        if mode is SupervisorState.HALTED:
            return SupervisorState.HALTED
        jobs = self._store.jobs() if jobs is None else jobs
        if any_running is None:
            any_running = bool(self._running())
        # A quarantined row is work left to do once it is fixed: not FINISHED.
        if not any_running and not self._store.quarantined() and all(not self._runnable(job) for job in jobs):
            return SupervisorState.FINISHED
        return SupervisorState.RUNNING

    @staticmethod
    def _runnable(job: ScheduledJob) -> bool:
        return job.enabled and (job.until is None or job.scheduled_start <= job.until)

    def _runtime(self, message: str) -> None:
        """The thread dies of an error (the seed's "runtimed"): HALTED, with the reason kept for the operator."""
        with contextlib.suppress(sqlite3.Error):
            self._store.set_mode(SupervisorState.HALTED, message)

    def _is_hanging(self, run: JobResult, interval: int, now: datetime) -> bool:
        if run.state is not JobState.RUNNING:
            return False
        limit = max(self._hang_factor * interval, self._min_hang_seconds)
        return (now - run.started).total_seconds() > limit

    def _due(self, now: datetime) -> list[ScheduledJob]:
        jobs = self._store.jobs()
        held = self._store.held_jobs()
        return [job for job in jobs if self._runnable(job) and job.id not in held and job.scheduled_start <= now]

    def _next_due(self, now: datetime) -> ScheduledJob | None:
        due = self._due(now)
        return min(due, key=lambda job: (job.scheduled_start, job.id)) if due else None

    def _clash(self, now: datetime) -> str | None:
        if self._running():
            return None  # the thread will finish that run first; no new row is inserted yet
        for job in self._due(now):
            if self._store.run_id(job.id, job.scheduled_start) is not None:
                return _duplicate_message(job.id, job.scheduled_start)
        return None

    def _reconcile(self, now: datetime) -> None:
        """Honour edits made with the runbook's SQL: finished partials finish their run; deleted runs are dropped."""
        running = self._running()
        alive = {run.id for run in running}
        for run in running:
            if any(partial.state is JobState.RUNNING for partial in run.partials):
                continue
            failed = [p for p in run.partials if p.state is JobState.FAILED]
            code = (failed[0].result_code or "failed") if failed else RESULT_OK
            self._store.finish_run(run.id, JobState.FAILED if failed else JobState.COMPLETED, now, code)
            alive.discard(run.id)
        if self._current is not None and self._current not in alive:
            self._forget(self._current)
        self._lost &= alive

    def _forget(self, run_id: int) -> None:
        """Stop supervising a run: cancel the waits on its work (the engine work itself is not aborted)."""
        self._lost.discard(run_id)
        if self._current == run_id:
            self._current = None
            for handle in self._handles.values():
                handle.cancel()
            self._handles.clear()

    def _start(self, job: ScheduledJob, now: datetime) -> None:
        try:
            run_id = self._store.insert_run(job.id, job.scheduled_start, now)
        except sqlite3.IntegrityError:
            raise Conflict(_duplicate_message(job.id, job.scheduled_start)) from None
        clusters = self._clusters_for(job)
        self._current = run_id
        for cluster in clusters:
            partial_id = self._store.insert_partial(run_id, cluster, now)
            self._spawn(JobLaunch(job, cluster, run_id, partial_id, job.scheduled_start))

    def _clusters_for(self, job: ScheduledJob) -> list[str]:
        if job.remote and self._clusters is not None:
            names = list(dict.fromkeys(str(name) for name in self._clusters() if str(name)))
            if names:
                return names
        return [LOCAL_CLUSTER]

    def _adopt(self, run: JobResult) -> None:
        """Take over a run this process did not start (a previous process died mid-run): relaunch its partials."""
        if self._current is not None:
            self._forget(self._current)
        self._current = run.id
        job = self._store.job(run.job_id)
        for partial in run.partials:
            if partial.state is not JobState.RUNNING:
                continue
            if job is None:
                self._store.finish_partial(partial.id, JobState.FAILED, 0, f"job {run.job_id} no longer exists")
                continue
            self._spawn(JobLaunch(job, partial.cluster, run.id, partial.id, run.scheduled_start, resumed=True))

    def _spawn(self, launch: JobLaunch) -> None:
        if self._launch is None:
            return  # nothing to do: the partial completes at the next tick
        self._handles[launch.partial_id] = asyncio.ensure_future(_call(self._launch, launch))

    def _collect(self, run: JobResult, now: datetime) -> bool:
        """Record the partials whose work is done; complete the run when none is left. True if it completed."""
        pending = [p for p in run.partials if p.state is JobState.RUNNING]
        finished: list[tuple[int, JobState, int, str]] = []
        for partial in pending:
            handle = self._handles.get(partial.id)
            if handle is not None and not handle.done():
                continue
            state, code = _outcome(handle)
            finished.append((partial.id, state, int((now - partial.started).total_seconds()), code))
        if not finished:
            return False
        if len(finished) == len(pending) and self._disarm(run.job_id):
            # The simulated outage: the last completion never reaches the DB and the thread loses the run.
            self._lost.add(run.id)
            self._current = None
            for partial_id, *_ in finished:
                self._handles.pop(partial_id, None)
            return False
        for partial_id, state, duration, code in finished:
            self._store.finish_partial(partial_id, state, duration, code)
            self._handles.pop(partial_id, None)
        if len(finished) < len(pending):
            return False
        earlier = [(p.state, p.result_code or RESULT_OK) for p in run.partials if p.state is not JobState.RUNNING]
        outcomes = earlier + [(state, code) for _, state, _, code in finished]
        failures = [code for state, code in outcomes if state is JobState.FAILED]
        codes = {code for _, code in outcomes}
        summary = failures[0] if failures else (codes.pop() if len(codes) == 1 else RESULT_OK)
        self._store.finish_run(run.id, JobState.FAILED if failures else JobState.COMPLETED, now, summary)
        self._current = None
        self._advance(run, now)
        return True

    def _disarm(self, job_id: int) -> bool:
        for index, armed in enumerate(self._lose_armed):
            if armed is None or armed == job_id:
                del self._lose_armed[index]
                return True
        return False

    def _advance(self, run: JobResult, now: datetime) -> None:
        job = self._store.job(run.job_id)
        if job is None or job.scheduled_start > run.scheduled_start:
            return  # gone, or an operator already moved it on; theirs wins
        step = job.interval_seconds
        slots = max(1, math.floor((now - run.scheduled_start).total_seconds() / step) + 1)
        following = plus_seconds(run.scheduled_start, slots * step)
        if following is None:
            # No later scheduled_start can be stored: the job is exhausted. Left enabled, it would be due again
            # at the slot it just ran, and that would clash.
            log.info("job %s is exhausted: its next run would be past %s", job.id, LATEST_TEXT)
            self._store.set_enabled(job.id, False)
            return
        self._store.set_scheduled_start(job.id, following)


async def _call(launch: Launch, job: JobLaunch) -> str | None:
    return await launch(job)


def _outcome(handle: asyncio.Future[str | None] | None) -> tuple[JobState, str]:
    if handle is None:
        return JobState.COMPLETED, RESULT_OK
    if handle.cancelled():
        return JobState.FAILED, "cancelled"
    error = handle.exception()
    if error is not None:
        return JobState.FAILED, f"{type(error).__name__}: {error}"[:500]
    result = handle.result()
    return JobState.COMPLETED, (str(result) if result else RESULT_OK)[:500]


def _quarantine_summary(messages: list[str]) -> str | None:
    if not messages:
        return None
    more = f" (and {len(messages) - 1} more, see quarantined)" if len(messages) > 1 else ""
    return f"quarantined: {messages[0]}{more}"


def _duplicate_message(job_id: int, scheduled_start: datetime) -> str:
    start = to_text(scheduled_start)
    return (
        f"DuplicateKeyException: JOB_RESULTS already has a run of job {job_id} for scheduled_start '{start}'. "
        f"Clean up while halted: delete that run (and its PARTIAL_JOB_RESULTS) to rerun it, or move the job's "
        f"scheduled_start on; then restart the supervisor"
    )
