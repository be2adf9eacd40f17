"""A base for sources that speak to a backend with only some of schedtop's features.

Every command raises :class:`Unsupported` naming the backend until a subclass overrides it; the UI never calls
them anyway, because it hides whatever is missing from ``capabilities``.
"""

from __future__ import annotations

from datetime import datetime

from engine.model import (
    AddJobRequest,
    CreateTaskRequest,
    MigrateTaskDetail,
    ScheduledJob,
    StatementResult,
    SupervisorState,
    TaskStatus,
    UpdateJobRequest,
)

from .base import Unsupported


class PartialSource:
    """Every method of :class:`~app.sources.base.Source` beyond the lifecycle, raising :class:`Unsupported`."""

    backend = "this backend"
    """The backend's name in the Unsupported message."""

    def _missing(self, feature: str) -> Unsupported:
        return Unsupported(f"{self.backend} has no {feature}")

    async def abort(self, task_id: str) -> None:
        raise self._missing("abort")

    async def wait(self, task_id: str, timeout: float | None = None) -> TaskStatus:
        raise self._missing("wait")

    async def drain(self, module: str) -> None:
        raise self._missing("drain")

    async def task_detail(self, task_type: str, task_id: str) -> MigrateTaskDetail:
        raise self._missing("task detail")

    async def get_ttl(self) -> int:
        raise self._missing("task TTL")

    async def set_ttl(self, seconds: int) -> int:
        raise self._missing("task TTL")

    async def get_user_ttl(self) -> int:
        raise self._missing("user task TTL")

    async def set_user_ttl(self, seconds: int) -> int:
        raise self._missing("user task TTL")

    async def add_manual_migrate(self, vuid: int, direct_download: bool) -> str:
        raise self._missing("manual migration")

    async def create_task(self, request: CreateTaskRequest) -> str:
        raise self._missing("distributed tasks")

    async def cancel_task(self, name_or_id: str) -> str:
        raise self._missing("distributed tasks")

    async def execute(self, statement: str) -> StatementResult:
        raise self._missing("task statements")

    async def halt(self) -> SupervisorState:
        raise self._missing("supervisor")

    async def restart(self) -> SupervisorState:
        raise self._missing("supervisor")

    async def cleanup_delete_run(self, job_id: int, scheduled_start: datetime) -> None:
        raise self._missing("supervisor")

    async def cleanup_reschedule(self, job_id: int, scheduled_start: datetime | None = None) -> ScheduledJob:
        raise self._missing("supervisor")

    async def add_job(self, request: AddJobRequest) -> ScheduledJob:
        raise self._missing("supervisor schedule")

    async def update_job(self, job_id: int, change: UpdateJobRequest) -> ScheduledJob:
        raise self._missing("supervisor schedule")

    async def remove_job(self, job_id: int) -> None:
        raise self._missing("supervisor schedule")

    async def set_enabled(self, task_type: str, enabled: bool) -> None:
        raise self._missing("task-type switches")
