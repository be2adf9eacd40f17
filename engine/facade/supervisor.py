"""The supervisor family: the embedded supervisor's state, halt and restart, its jobs and the two clean-ups of a
hanging run (all refused with Unavailable when no supervisor is embedded), and :meth:`SupervisorFamily.start_job`,
the engine work a job's run starts (:meth:`engine.tasks.registry.TaskTypes.start_job`)."""

from __future__ import annotations

from datetime import datetime

from ..core import EngineCore, durable
from ..errors import Unavailable
from ..model import ScheduledJob, SupervisorState, SupervisorView, UpdateJobRequest
from ..supervisor import Supervisor


class SupervisorFamily(EngineCore):
    def _sup(self) -> Supervisor:
        if self.supervisor is None:
            raise Unavailable("no schedule configured")
        return self.supervisor

    async def supervisor_state(self) -> SupervisorState:
        return self._sup().state()

    @durable
    async def supervisor_halt(self) -> SupervisorState:
        return self._sup().halt()

    @durable
    async def supervisor_restart(self) -> SupervisorState:
        return self._sup().restart()

    async def supervisor_view(self) -> SupervisorView:
        return self.supervisor.view() if self.supervisor is not None else SupervisorView(configured=False)

    @durable
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
        return self._sup().add_job(name, task_type, interval_seconds, start, remote=remote, until=until)

    @durable
    async def update_job(self, job_id: int, change: UpdateJobRequest) -> ScheduledJob:
        return self._sup().update_job(job_id, change)

    @durable
    async def remove_job(self, job_id: int) -> int:
        return self._sup().remove_job(job_id)

    @durable
    async def cleanup_delete_run(self, job_id: int, scheduled_start: datetime) -> None:
        self._sup().cleanup_delete_run(job_id, scheduled_start)

    @durable
    async def cleanup_reschedule(self, job_id: int, scheduled_start: datetime | None = None) -> ScheduledJob:
        return self._sup().cleanup_reschedule(job_id, scheduled_start)

    def start_job(self, task_type: str) -> str:
        """Kick off one run of a background type now (what a scheduled job does); returns a task-manager id."""
        return self.handlers.start_job(task_type)
