"""The one data-source protocol the dashboard talks to; the app never knows which implementation is behind it.

A source answers a refresh with a :class:`~engine.model.Snapshot` (tasks as deltas since a revision) and carries
out the user's commands. Errors come in two kinds, so the UI can tell "you asked for something wrong" from "the
backend is not answering":

- a refusal or bad input raises an :class:`engine.errors.EngineError` subclass (remote sources map HTTP 4xx
  bodies onto the same classes: 400 InvalidArgument, 403 NotAbortable, 404 NotFound, 408 WaitTimeout, 409
  Conflict, 503 Unavailable; an auth refusal, 401 or a 403 about the token, is
  :class:`app.sources.http_errors.Unauthorized`; ``error.status`` is the HTTP status) — the UI shows its message
  next to the action;
- a transport problem (refused, timed out, reset) raises :class:`SourceError` — the UI marks the source
  disconnected, keeps the last data with its age, and keeps retrying.

``capabilities`` lists what the backend can do (the constants below, each tied to the small protocol whose methods
it promises in :data:`PROTOCOLS`; :class:`Source` is all of them together); the UI removes the key bindings, palette
commands and panels of anything missing, so e.g. a ScyllaDB node shows no CubeFS stats and no supervisor keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Protocol, runtime_checkable

from engine.model import (
    AddJobRequest,
    CreateTaskRequest,
    MigrateTaskDetail,
    ScheduledJob,
    Snapshot,
    StatementResult,
    SupervisorState,
    TaskStatus,
    UpdateJobRequest,
)

STATS = "stats"
"""Per-task-type CubeFS statistics in ``Snapshot.stats``."""
TASKS = "tasks"
"""Task-manager rows in ``Snapshot.tasks`` (or, from ``schedtop serve``, compact in ``Snapshot.task_rows``)."""
MIGRATIONS = "migrations"
"""Disk migration progress in ``Snapshot.migrations``."""
JOBS = "jobs"
"""The supervisor's jobs and results in ``Snapshot.supervisor``."""
ABORT = "abort"
WAIT = "wait"
TTL = "ttl"
USER_TTL = "user_ttl"
MANUAL_MIGRATE = "manual_migrate"
TASK_DETAIL = "task_detail"
"""``task_detail(type, id)`` for migrate-type tasks (CubeFS ``/task/detail``)."""
SUPERVISOR = "supervisor"
"""halt / restart."""
CLEANUP = "cleanup"
"""The two clean-up procedures for a hanging job run."""
SCHEDULE = "schedule"
"""Add, edit (interval, enabled, until) and remove the supervisor's scheduled jobs."""
SWITCHES = "switches"
"""Turn background task types on and off (the CubeFS ``enable`` flag; upstream that is Clustermgr's config)."""
CREATE_TASK = "create_task"
"""create / cancel distributed tasks, and ``execute`` of CREATE TASK / CANCEL TASK statements."""
DRAIN = "drain"
"""Unregister a module's finished tasks now (ScyllaDB's ``drain/{module}``, newer than 6.2.0)."""
KEEPS_FINISHED = "keeps_finished"
"""The backend forgets finished tasks once read (read-once status, TTL 0): the client keeps them, marked gone."""

ALL_CAPABILITIES = frozenset(
    {
        STATS,
        TASKS,
        MIGRATIONS,
        JOBS,
        ABORT,
        WAIT,
        TTL,
        USER_TTL,
        MANUAL_MIGRATE,
        TASK_DETAIL,
        SUPERVISOR,
        CLEANUP,
        SCHEDULE,
        SWITCHES,
        CREATE_TASK,
        DRAIN,
    }
)


class SourceError(Exception):
    """The source cannot answer now (unreachable, timed out, closed); the UI shows "disconnected" and retries."""


class Unsupported(Exception):
    """The backend has no such feature; raised by a source method outside its ``capabilities``."""


class Lifecycle(Protocol):
    """What every source has: a label, open/close and the refresh."""

    capabilities: frozenset[str]

    def describe(self) -> str:
        """A short label for the header, e.g. ``embedded demo (seed 1, ×30)`` or ``http://host:9800``."""

    async def open(self) -> None:
        """Connect or start; may raise SourceError (the app then shows it and retries on the next refresh)."""

    async def close(self) -> None:
        """Release everything; safe to call twice."""

    async def snapshot(self, since: int = 0) -> Snapshot:
        """Everything the dashboard shows; tasks changed since revision ``since`` (0 = a full snapshot)."""


class Aborts(Protocol):
    """:data:`ABORT`."""

    async def abort(self, task_id: str) -> None:
        """Abort a task and its children. NotAbortable / InvalidArgument on refusal."""


class Waits(Protocol):
    """:data:`WAIT`."""

    async def wait(self, task_id: str, timeout: float | None = None) -> TaskStatus:
        """Wait until the task is done or failed; WaitTimeout after ``timeout`` seconds."""


class TaskTTL(Protocol):
    """:data:`TTL`: how long finished tasks stay listed."""

    async def get_ttl(self) -> int: ...

    async def set_ttl(self, seconds: int) -> int:
        """Returns the previous value."""


class UserTaskTTL(Protocol):
    """:data:`USER_TTL`: the same for tasks a user started."""

    async def get_user_ttl(self) -> int: ...

    async def set_user_ttl(self, seconds: int) -> int:
        """Returns the previous value."""


class TaskManagerSource(Aborts, Waits, TaskTTL, UserTaskTTL, Protocol):
    """The ScyllaDB-style task manager (``/task_manager/…``): abort, wait and the two TTLs."""


class Drains(Protocol):
    """:data:`DRAIN`."""

    async def drain(self, module: str) -> None:
        """Unregister the module's finished (done or failed) tasks; InvalidArgument for an unknown module,
        Unsupported when the node is too old to drain."""


class TaskDetails(Protocol):
    """:data:`TASK_DETAIL`."""

    async def task_detail(self, task_type: str, task_id: str) -> MigrateTaskDetail:
        """The CubeFS detail of a migrate task; NotFound / IllegalTaskType."""


class ManualMigrate(Protocol):
    """:data:`MANUAL_MIGRATE`."""

    async def add_manual_migrate(self, vuid: int, direct_download: bool) -> str:
        """Queue a manual chunk migration; returns the new task's id."""


class TaskSwitches(Protocol):
    """:data:`SWITCHES`."""

    async def set_enabled(self, task_type: str, enabled: bool) -> None:
        """Turn a background task type on or off (one of engine.model.task_types.SWITCHABLE_TYPES)."""


class CubeFSAdmin(TaskDetails, ManualMigrate, TaskSwitches, Protocol):
    """The CubeFS scheduler's administration: task detail, manual migration, task-type switches."""


class DistributedTasks(Protocol):
    """:data:`CREATE_TASK`."""

    async def create_task(self, request: CreateTaskRequest) -> str:
        """Returns the new task's id."""

    async def cancel_task(self, name_or_id: str) -> str:
        """Returns the cancelled task's id."""

    async def execute(self, statement: str) -> StatementResult:
        """Run a CREATE TASK … or CANCEL TASK '…' statement; InvalidArgument carries the parse error."""


class SupervisorControl(Protocol):
    """:data:`SUPERVISOR`."""

    async def halt(self) -> SupervisorState: ...

    async def restart(self) -> SupervisorState: ...


class RunCleanup(Protocol):
    """:data:`CLEANUP`."""

    async def cleanup_delete_run(self, job_id: int, scheduled_start: datetime) -> None:
        """Clean-up (a): delete the run's JOB_RESULTS and PARTIAL_JOB_RESULTS rows so it runs again."""

    async def cleanup_reschedule(self, job_id: int, scheduled_start: datetime | None = None) -> ScheduledJob:
        """Clean-up (b): mark the hanging run completed (result code ``cleaned up``) and move scheduled_start on."""


class Schedule(Protocol):
    """:data:`SCHEDULE`."""

    async def add_job(self, request: AddJobRequest) -> ScheduledJob:
        """Add a scheduled job; InvalidArgument for a bad value, Conflict for a name taken."""

    async def update_job(self, job_id: int, change: UpdateJobRequest) -> ScheduledJob:
        """Change the fields ``change`` sets (interval, enabled, until; ``until=None`` set removes the end)."""

    async def remove_job(self, job_id: int) -> None:
        """Delete a job and its past runs; Conflict while one of its runs is in flight, NotFound if unknown."""


PROTOCOLS: dict[str, type | None] = {
    STATS: None,
    TASKS: None,
    MIGRATIONS: None,
    JOBS: None,
    KEEPS_FINISHED: None,
    ABORT: Aborts,
    WAIT: Waits,
    TTL: TaskTTL,
    USER_TTL: UserTaskTTL,
    TASK_DETAIL: TaskDetails,
    MANUAL_MIGRATE: ManualMigrate,
    SWITCHES: TaskSwitches,
    CREATE_TASK: DistributedTasks,
    DRAIN: Drains,
    SUPERVISOR: SupervisorControl,
    CLEANUP: RunCleanup,
    SCHEDULE: Schedule,
}
"""Each capability → the protocol whose methods a source with it must really implement (None: data in the
snapshot, no method). ``tests/test_sources_capabilities.py`` fails when a source class drifts from this table."""


def protocol_methods(protocol: type) -> tuple[str, ...]:
    """The public methods a capability protocol declares (its own and its bases', which are all protocols)."""
    names = {
        name
        for klass in protocol.__mro__
        if klass not in (object, Protocol, Generic)
        for name, value in vars(klass).items()
        if not name.startswith("_") and callable(value)
    }
    return tuple(sorted(names))


@runtime_checkable
class Source(
    Lifecycle,
    TaskManagerSource,
    Drains,
    CubeFSAdmin,
    DistributedTasks,
    SupervisorControl,
    RunCleanup,
    Schedule,
    Protocol,
):
    """The whole surface the app talks to: every source has every method, and one outside its ``capabilities``
    raises :class:`Unsupported` (the UI never calls it, as it hides what is missing)."""
