"""The engine's public Python API, as a Protocol: what the dashboard's embedded source and the HTTP layer call.

Everything here is async except :meth:`EngineAPI.snapshot`, which is a cheap, consistent, in-memory read made
once per dashboard refresh. Bad input raises a subclass of :class:`engine.errors.EngineError` with a message and
leaves the store unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from .model import (
    CreateTaskRequest,
    DiskInfo,
    DiskMigratingStats,
    MigrateTaskDetail,
    ScheduledJob,
    Snapshot,
    StatementResult,
    SupervisorState,
    SupervisorView,
    TasksStat,
    TaskStats,
    TaskStatus,
    UpdateJobRequest,
)


@runtime_checkable
class EngineAPI(Protocol):
    # -- CubeFS scheduler -------------------------------------------------------------------------------------
    async def stats(self) -> TasksStat:
        """This node's ``/stats`` (a follower answers only shard_repair and blob_delete)."""

    async def leader_stats(self) -> TasksStat:
        """``/stats/leader``: the full set."""

    async def task_detail(self, task_type: str, task_id: str) -> MigrateTaskDetail:
        """Raises IllegalTaskType, InvalidArgument (id not ``<type>-…``), NotFound."""

    async def disk_migrating(self, task_type: str, disk_id: int) -> DiskMigratingStats:
        """Raises IllegalTaskType, NotMigrating."""

    async def add_manual_migrate(self, vuid: int, direct_download: bool) -> str:
        """Queue a manual migration of one chunk; returns the new CubeFS task id. Raises InvalidArgument."""

    async def set_enabled(self, task_type: str, enabled: bool) -> None:
        """Switch a background task type on or off (as Clustermgr's config does upstream)."""

    # -- ScyllaDB task manager --------------------------------------------------------------------------------
    async def list_modules(self) -> list[str]: ...

    async def list_module_tasks(
        self, module: str, internal: bool = False, keyspace: str | None = None, table: str | None = None
    ) -> list[TaskStats]:
        """Raises NotFound-like InvalidArgument (400) for an unknown module."""

    async def task_status(self, task_id: str) -> TaskStatus:
        """Status of one task; reading a finished task's status unregisters it. Raises InvalidArgument if unknown."""

    async def abort_task(self, task_id: str) -> None:
        """Abort a task and its children; the work really stops. Raises NotAbortable (403) or InvalidArgument."""

    async def wait_task(self, task_id: str, timeout: float | None = None) -> TaskStatus:
        """Wait until the task is done or failed. Raises WaitTimeout (408)."""

    async def task_status_recursive(self, task_id: str) -> list[TaskStatus]:
        """The task and all its descendants in BFS order; unregisters the root if finished."""

    async def get_ttl(self) -> int: ...

    async def set_ttl(self, seconds: int) -> int:
        """Set ``task_ttl``; returns the previous value."""

    async def get_user_ttl(self) -> int: ...

    async def drain(self, module: str) -> int:
        """Unregister the module's finished tasks now (ScyllaDB's ``drain``); returns how many went. InvalidArgument
        (400) for an unknown module."""

    async def set_user_ttl(self, seconds: int) -> int:
        """Set ``user_task_ttl``; returns the previous value."""

    # -- Ocient-style distributed tasks -----------------------------------------------------------------------
    async def create_task(self, request: CreateTaskRequest) -> str:
        """Start a rebuild/check_disk/rebalance; returns the task-manager id. NODE location refused for two types."""

    async def cancel_task(self, name_or_id: str) -> str:
        """Cancel a distributed task by name or id; returns its id."""

    async def execute(self, statement: str) -> StatementResult:
        """Run a ``CREATE TASK …`` or ``CANCEL TASK '…'`` statement. Raises InvalidArgument with the parse error."""

    # -- supervisor -------------------------------------------------------------------------------------------
    async def supervisor_state(self) -> SupervisorState:
        """Raises Unavailable (503) when no schedule is configured."""

    async def supervisor_halt(self) -> SupervisorState: ...

    async def supervisor_restart(self) -> SupervisorState: ...

    async def supervisor_view(self) -> SupervisorView: ...

    async def add_job(
        self,
        name: str,
        task_type: str,
        interval_seconds: int,
        start: datetime | None = None,
        *,
        remote: bool = False,
        until: datetime | None = None,
    ) -> ScheduledJob:
        """Add a row to SCHEDULED_JOBS; a remote job gets one partial result per IDC; ``until`` ends the schedule."""

    async def update_job(self, job_id: int, change: UpdateJobRequest) -> ScheduledJob:
        """Change the fields ``change`` gives (interval, enabled, until; ``until=None`` given removes the end).
        Raises NotFound, InvalidArgument (nothing to change, until before the next scheduled_start)."""

    async def remove_job(self, job_id: int) -> int:
        """Delete a job and its past runs; returns how many runs went. Conflict while a run of it is in flight."""

    async def cleanup_delete_run(self, job_id: int, scheduled_start: datetime) -> None:
        """Clean-up (a): delete the JOB_RESULTS row and its PARTIAL_JOB_RESULTS so the run happens again."""

    async def cleanup_reschedule(self, job_id: int, scheduled_start: datetime | None = None) -> ScheduledJob:
        """Clean-up (b): mark the running partial results completed and move scheduled_start on."""

    # -- cluster and faults -----------------------------------------------------------------------------------
    async def disks(self) -> list[DiskInfo]: ...

    async def break_disk(self, disk_id: int) -> None: ...

    async def drop_disk(self, disk_id: int) -> None: ...

    async def fail_next(self, task_type: str, count: int = 1) -> None:
        """Make a worker fail the next ``count`` work steps of that task type."""

    async def silence_node(self, host: str, silent: bool = True) -> None: ...

    # -- the dashboard's refresh ------------------------------------------------------------------------------
    def snapshot(self, since: int = 0, compact: bool = False) -> Snapshot:
        """Everything the dashboard shows; tasks as a delta since revision ``since`` (0 = everything), as
        :class:`~engine.model.TaskRow` models in ``tasks`` or (``compact``) as tuples in ``task_rows``."""
