"""A ScyllaDB node's REST task manager (port 10000) as a source: modules, task trees, abort, wait and TTLs.

Works with 6.2.0 (no ``user_ttl``, read-once status) and newer nodes. Trees come from ``task_status_recursive`` of
unfinished roots only: reading a finished task would unregister it. Finished tasks the server forgets stay on
screen, marked gone.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from engine.model import ClusterSummary, Snapshot, TaskRow, TasksStat, TaskStatus

from .base import ABORT, KEEPS_FINISHED, TASKS, TTL, USER_TTL, WAIT
from .http_client import HttpClient
from .http_errors import translated
from .partial import PartialSource
from .wire_scylla import SeenTasks, rows_from_tree, stats_list_from_wire, status_from_stats

CONCURRENCY = 8


class ScyllaSource(PartialSource):
    """Implements :class:`app.sources.base.Source` against a ScyllaDB node's task-manager API."""

    backend = "ScyllaDB"

    def __init__(self, url: str, token: str | None = None, timeout: float = 5.0, label: str = "") -> None:
        self.url = url.rstrip("/")
        self.client = HttpClient(self.url, token=token, timeout=timeout)
        self.label = label
        self.capabilities: frozenset[str] = frozenset({TASKS, ABORT, WAIT, TTL, KEEPS_FINISHED})
        self.seen = SeenTasks()
        self.revision = 0
        self._limit = asyncio.Semaphore(CONCURRENCY)

    def describe(self) -> str:
        return self.label or f"scylla {self.url}"

    async def open(self) -> None:
        await translated(self.client.get_json("/task_manager/list_modules"))
        try:
            await translated(self.client.get_json("/task_manager/user_ttl"))
        except Exception as error:
            if getattr(error, "status", None) not in (400, 404, 405):
                raise
        else:
            self.capabilities = self.capabilities | {USER_TTL}

    async def close(self) -> None:
        await self.client.close()

    async def _get(self, path: str, **kwargs: Any) -> Any:
        async with self._limit:
            return await translated(self.client.get_json(path, **kwargs))

    async def _module_rows(self, module: str) -> list[TaskRow]:
        roots = stats_list_from_wire(await self._get(f"/task_manager/list_module_tasks/{module}"))
        rows: list[TaskRow] = []
        trees = []
        for root in roots:
            if root.state.is_final:
                rows.append(TaskRow(module=module, status=status_from_stats(root)))
            else:
                trees.append(self._tree(module, root.task_id, status_from_stats(root)))
        for tree in await asyncio.gather(*trees):
            rows.extend(tree)
        return rows

    async def _tree(self, module: str, task_id: str, fallback: TaskStatus) -> list[TaskRow]:
        try:
            return rows_from_tree(module, await self._get(f"/task_manager/task_status_recursive/{task_id}"))
        except Exception as error:
            if getattr(error, "status", None) == 400:  # finished and unregistered between the two calls
                return [TaskRow(module=module, status=fallback)]
            raise

    async def snapshot(self, since: int = 0) -> Snapshot:
        modules = await self._get("/task_manager/list_modules")
        if not isinstance(modules, list):
            modules = []
        per_module = await asyncio.gather(*(self._module_rows(str(m)) for m in modules))
        current = [row for rows in per_module for row in rows]
        full = since != self.revision
        changed, dropped = self.seen.merge(current)
        self.revision += 1
        host = urlsplit(self.url).netloc or self.url
        ttl = await self._get("/task_manager/ttl")
        user_ttl = await self._get("/task_manager/user_ttl") if USER_TTL in self.capabilities else 0
        return Snapshot(
            revision=self.revision,
            full=full,
            taken_at=datetime.now(UTC),
            cluster=ClusterSummary(name="scylla", node=host),
            stats=TasksStat(),
            modules=[str(m) for m in modules],
            tasks=list(self.seen.rows.values()) if full else changed,
            removed=dropped,
            task_ttl=int(ttl or 0),
            user_task_ttl=int(user_ttl or 0),
        )

    async def abort(self, task_id: str) -> None:
        await translated(self.client.post_json(f"/task_manager/abort_task/{task_id}"))

    async def wait(self, task_id: str, timeout: float | None = None) -> TaskStatus:
        params: dict[str, Any] = {} if timeout is None else {"timeout": max(1, round(timeout))}
        read_timeout = None if timeout is None else timeout + 5.0
        body = await translated(
            self.client.get_json(f"/task_manager/wait_task/{task_id}", params=params, timeout=read_timeout)
        )
        return TaskStatus.model_validate(body)

    async def get_ttl(self) -> int:
        return int(await translated(self.client.get_json("/task_manager/ttl")))

    async def set_ttl(self, seconds: int) -> int:
        return int(await translated(self.client.post_json("/task_manager/ttl", params={"ttl": seconds})))

    async def get_user_ttl(self) -> int:
        if USER_TTL not in self.capabilities:
            return await super().get_user_ttl()
        return int(await translated(self.client.get_json("/task_manager/user_ttl")))

    async def set_user_ttl(self, seconds: int) -> int:
        if USER_TTL not in self.capabilities:
            return await super().set_user_ttl(seconds)
        return int(await translated(self.client.post_json("/task_manager/user_ttl", params={"user_ttl": seconds})))
