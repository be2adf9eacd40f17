"""schedtop's own server (``schedtop serve``) as a source: the whole dashboard over HTTP, every control included.

Snapshots come in the compact form (``/api/snapshot/compact``, task rows as arrays, handed on as tuples in
``Snapshot.task_rows``) and as deltas since the last revision; a server from before the compact form is read in the
full one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.errors import EngineError, NotFound
from engine.model import (
    AddJobRequest,
    CreateTaskRequest,
    MigrateTaskDetail,
    ScheduledJob,
    Snapshot,
    StatementResult,
    SupervisorState,
    UpdateJobRequest,
)

from .base import ALL_CAPABILITIES, SourceError
from .budget import DEFAULT_RATE, RequestBudget
from .http_client import HttpClient
from .http_errors import translated
from .task_manager import TaskManagerHttp
from .wire_schedtop import compact_from_body


class SchedtopHttpSource(TaskManagerHttp):
    """Implements :class:`app.sources.base.Source` against ``schedtop serve`` (its task manager: the mixin's)."""

    capabilities = ALL_CAPABILITIES

    def __init__(
        self, url: str, token: str | None = None, timeout: float = 5.0, label: str = "", max_rps: float = DEFAULT_RATE
    ) -> None:
        self.url = url.rstrip("/")
        self.client = HttpClient(self.url, token=token, timeout=timeout, budget=RequestBudget(max_rps))
        self.label = label
        self._compact = True

    def describe(self) -> str:
        return self.label or self.url

    async def open(self) -> None:
        await translated(self.client.get_json("/api/health"))

    async def close(self) -> None:
        await self.client.close()

    async def snapshot(self, since: int = 0) -> Snapshot:
        if self._compact:
            try:
                response = await translated(
                    self.client.request("GET", "/api/snapshot/compact", params={"since": since})
                )
            except NotFound:
                self._compact = False  # a server from before the compact form
            else:
                try:
                    return compact_from_body(response.content)
                except ValueError as error:
                    unreadable = SourceError(f"{self.url} answered a snapshot schedtop cannot read: {error}")
                # a server whose compact rows have another layout (one from before the rows had a head): the
                # full form reads the same, slower; a server that has no readable full form either is the error
                try:
                    snapshot = await self._full_snapshot(since)
                except (SourceError, EngineError):
                    raise unreadable from None
                self._compact = False
                return snapshot
        return await self._full_snapshot(since)

    async def _full_snapshot(self, since: int) -> Snapshot:
        body = await translated(self.client.get_json("/api/snapshot", params={"since": since}))
        try:
            return Snapshot.model_validate(body)
        except ValueError as error:
            raise SourceError(f"{self.url} answered a snapshot schedtop cannot read: {error}") from None

    async def task_detail(self, task_type: str, task_id: str) -> MigrateTaskDetail:
        body = await translated(self.client.get_json(f"/task/detail/{task_type}/{task_id}"))
        return MigrateTaskDetail.model_validate(body)

    async def add_manual_migrate(self, vuid: int, direct_download: bool) -> str:
        body = await translated(
            self.client.post_json("/manual/migrate/task/add", json={"vuid": vuid, "direct_download": direct_download})
        )
        return str(body.get("task_id", "")) if isinstance(body, dict) else ""

    async def create_task(self, request: CreateTaskRequest) -> str:
        body = await translated(self.client.post_json("/api/tasks", json=request.model_dump(mode="json")))
        return StatementResult.model_validate(body).task_id

    async def cancel_task(self, name_or_id: str) -> str:
        body = await translated(self.client.post_json("/api/tasks/cancel", json={"task": name_or_id}))
        return StatementResult.model_validate(body).task_id

    async def execute(self, statement: str) -> StatementResult:
        body = await translated(self.client.post_json("/api/statements", json={"statement": statement}))
        return StatementResult.model_validate(body)

    async def halt(self) -> SupervisorState:
        return await self._supervisor("halt")

    async def restart(self) -> SupervisorState:
        return await self._supervisor("restart")

    async def _supervisor(self, action: str) -> SupervisorState:
        response = await translated(
            self.client.request("POST", f"/api/supervisor/{action}", headers={"Accept": "application/json"})
        )
        return SupervisorState(response.json()["state"])

    async def cleanup_delete_run(self, job_id: int, scheduled_start: datetime) -> None:
        await translated(
            self.client.post_json(
                "/api/supervisor/cleanup/delete-run",
                json={"job_id": job_id, "scheduled_start": scheduled_start.isoformat()},
            )
        )

    async def cleanup_reschedule(self, job_id: int, scheduled_start: datetime | None = None) -> ScheduledJob:
        payload: dict[str, Any] = {"job_id": job_id}
        if scheduled_start is not None:
            payload["scheduled_start"] = scheduled_start.isoformat()
        body = await translated(self.client.post_json("/api/supervisor/cleanup/reschedule", json=payload))
        return ScheduledJob.model_validate(body)

    async def add_job(self, request: AddJobRequest) -> ScheduledJob:
        body = await translated(self.client.post_json("/api/supervisor/jobs", json=request.model_dump(mode="json")))
        return ScheduledJob.model_validate(body)

    async def update_job(self, job_id: int, change: UpdateJobRequest) -> ScheduledJob:
        # Only the fields the change sets: one left out stays as it is, while `until: null` removes the end.
        payload = change.model_dump(mode="json", exclude_unset=True)
        response = await translated(self.client.request("PATCH", f"/api/supervisor/jobs/{job_id}", json=payload))
        return ScheduledJob.model_validate(response.json())

    async def remove_job(self, job_id: int) -> None:
        await translated(self.client.request("DELETE", f"/api/supervisor/jobs/{job_id}"))

    async def set_enabled(self, task_type: str, enabled: bool) -> None:
        verb = "enable" if enabled else "disable"
        await translated(self.client.post_json(f"/api/task_types/{task_type}/{verb}"))
