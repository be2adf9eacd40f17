"""The one client of ScyllaDB's task-manager REST API (``/task_manager/…``): abort, wait, the two TTLs and drain.

A ScyllaDB node serves it on port 10000 and ``schedtop serve`` answers the same paths, so both remote sources
mix this class in over their :class:`~app.sources.http_client.HttpClient`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from engine.model import TaskStatus

from .base import Drains, TaskManagerSource
from .http_client import HttpClient
from .http_errors import translated

WAIT_GRACE = 5.0
"""Seconds the HTTP read may take beyond the server-side wait, so the server's 408 arrives before ours."""


class TaskManagerHttp:
    """Implements :class:`app.sources.base.TaskManagerSource` against ``/task_manager/…`` over ``self.client``."""

    client: HttpClient

    async def abort(self, task_id: str) -> None:
        await translated(self.client.post_json(f"/task_manager/abort_task/{task_id}"))

    async def wait(self, task_id: str, timeout: float | None = None) -> TaskStatus:
        params: dict[str, Any] = {} if timeout is None else {"timeout": max(1, round(timeout))}
        read_timeout = None if timeout is None else timeout + WAIT_GRACE
        body = await translated(
            self.client.get_json(f"/task_manager/wait_task/{task_id}", params=params, timeout=read_timeout)
        )
        return TaskStatus.model_validate(body)

    async def drain(self, module: str) -> None:
        await translated(self.client.post_json(f"/task_manager/drain/{quote(module, safe='')}"))

    async def get_ttl(self) -> int:
        return int(await translated(self.client.get_json("/task_manager/ttl")))

    async def set_ttl(self, seconds: int) -> int:
        return int(await translated(self.client.post_json("/task_manager/ttl", params={"ttl": seconds})))

    async def get_user_ttl(self) -> int:
        return int(await translated(self.client.get_json("/task_manager/user_ttl")))

    async def set_user_ttl(self, seconds: int) -> int:
        return int(await translated(self.client.post_json("/task_manager/user_ttl", params={"user_ttl": seconds})))


if TYPE_CHECKING:  # mypy proves the mixin is the protocol, signatures and types
    _IS_A_TASK_MANAGER: type[TaskManagerSource] = TaskManagerHttp
    _DRAINS: type[Drains] = TaskManagerHttp
