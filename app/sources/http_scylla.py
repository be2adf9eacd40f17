"""A ScyllaDB node's REST task manager (port 10000) as a source: modules, task trees, abort, wait and TTLs.

Works with 6.2.0 (no ``user_ttl`` nor ``drain``, read-once status) and newer nodes (``drain``, state ``suspended``). Trees come from ``task_status_recursive`` of
unfinished roots only: reading a finished task would unregister it. Finished tasks the server forgets stay on
screen, marked gone.

Polite to big nodes: every request spends a token of the source's :class:`~app.sources.budget.RequestBudget`
(20 a second unless configured); each refresh lists the modules' tasks, and reads only as many trees as the budget
has left — changed roots first, then the longest unread (:class:`~app.sources.tree_plan.TreePlan`) — showing the
others as last read. The module list and the TTLs are re-read every ``SLOW_EVERY`` seconds. ``Snapshot.lag`` says
how many trees are overdue.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from engine.errors import EngineError
from engine.model import ClusterSummary, Lag, Snapshot, TaskRow, TasksStat, TaskStats, TaskStatus

from .base import ABORT, DRAIN, KEEPS_FINISHED, TASKS, TTL, USER_TTL, WAIT, Unsupported
from .http_errors import translated
from .polite import PoliteHttpSource
from .task_manager import TaskManagerHttp
from .wire_scylla import SeenTasks, rows_from_tree, stats_list_from_wire, status_from_stats

CONCURRENCY = 8
SLOW_EVERY = 30.0
"""Seconds between reads of what seldom changes: the module list and the two TTLs."""


class ScyllaSource(TaskManagerHttp, PoliteHttpSource):
    """Implements :class:`app.sources.base.Source` against a ScyllaDB node's task-manager API (the mixin's)."""

    backend = "ScyllaDB"

    def _start_state(self) -> None:
        self.capabilities: frozenset[str] = frozenset({TASKS, ABORT, WAIT, TTL, KEEPS_FINISHED, DRAIN})
        self.seen = SeenTasks()
        self._limit = asyncio.Semaphore(CONCURRENCY)
        self._trees: dict[str, list[TaskRow]] = {}
        self._modules: list[str] = []
        self._ttls = (0, 0)
        self._slow_read_at: float | None = None

    def describe(self) -> str:
        return self.label or f"scylla {self.url}"

    async def open(self) -> None:
        await translated(self.client.get_json("/task_manager/list_modules"))
        try:
            await translated(self.client.get_json("/task_manager/user_ttl"))
        except EngineError as error:
            if error.status not in (400, 404, 405):  # 6.2.0 has no user_ttl
                raise
        else:
            self.capabilities = self.capabilities | {USER_TTL}

    async def close(self) -> None:
        await self.client.close()

    async def _get(self, path: str, **kwargs: Any) -> Any:
        async with self._limit:
            return await translated(self.client.get_json(path, **kwargs))

    async def _module_roots(self, module: str) -> list[TaskStats]:
        return stats_list_from_wire(await self._get(f"/task_manager/list_module_tasks/{module}"))

    async def _read_slow(self, now: float) -> None:
        """The module list and the TTLs, when they are due."""
        if self._slow_read_at is not None and now - self._slow_read_at < SLOW_EVERY:
            return
        modules = await self._get("/task_manager/list_modules")
        self._modules = [str(m) for m in modules] if isinstance(modules, list) else []
        ttl = await self._get("/task_manager/ttl")
        user_ttl = await self._get("/task_manager/user_ttl") if USER_TTL in self.capabilities else 0
        self._ttls = (int(ttl or 0), int(user_ttl or 0))
        self._slow_read_at = now

    async def _tree(self, module: str, task_id: str, fallback: TaskStatus) -> list[TaskRow]:
        try:
            return rows_from_tree(module, await self._get(f"/task_manager/task_status_recursive/{task_id}"))
        except EngineError as error:
            if error.status == 400:  # finished and unregistered between the two calls
                return [TaskRow(module=module, status=fallback)]
            raise

    async def snapshot(self, since: int = 0) -> Snapshot:
        now = self._clock()
        await self._read_slow(now)
        per_module = await asyncio.gather(*(self._module_roots(m) for m in self._modules))
        live: dict[str, tuple[str, TaskStats]] = {}
        current: list[TaskRow] = []
        for module, roots in zip(self._modules, per_module, strict=True):
            for root in roots:
                if root.state.is_final:
                    current.append(TaskRow(module=module, status=status_from_stats(root)))
                else:
                    live[root.task_id] = (module, root)
        picked = self.plan.plan({tid: root for tid, (_, root) in live.items()}, now, self.budget.available())
        trees = await asyncio.gather(
            *(self._tree(live[tid][0], tid, status_from_stats(live[tid][1])) for tid in picked)
        )
        for tid, tree in zip(picked, trees, strict=True):
            self._trees[tid] = tree
            self.plan.read(tid, live[tid][1], now)
        self._trees = {tid: tree for tid, tree in self._trees.items() if tid in live}
        for tid, (module, root) in live.items():
            current.extend(self._trees.get(tid) or [TaskRow(module=module, status=status_from_stats(root))])
        full = since != self.revision
        changed, dropped = self.seen.merge(current)
        self.revision += 1
        host = urlsplit(self.url).netloc or self.url
        return Snapshot(
            revision=self.revision,
            full=full,
            taken_at=datetime.now(UTC),
            cluster=ClusterSummary(name="scylla", node=host),
            stats=TasksStat(),
            modules=list(self._modules),
            tasks=list(self.seen.rows.values()) if full else changed,
            removed=dropped,
            task_ttl=self._ttls[0],
            user_task_ttl=self._ttls[1],
            lag=Lag(behind=self.plan.behind(now), oldest_seconds=round(self.plan.oldest(now), 1)),
        )

    async def drain(self, module: str) -> None:
        """Drain where the node has it; an older node (6.2.0 has no ``drain``) answers 404 or 405 to the path."""
        try:
            await super().drain(module)
        except EngineError as error:
            if error.status in (404, 405):
                raise Unsupported(
                    "drain is not supported by this node (ScyllaDB 6.2.0 and older have no drain; "
                    "finished tasks go when their TTL runs out)"
                ) from None
            raise

    async def get_user_ttl(self) -> int:
        if USER_TTL not in self.capabilities:
            raise self._missing("user task TTL")
        return await super().get_user_ttl()

    async def set_ttl(self, seconds: int) -> int:
        previous = await super().set_ttl(seconds)
        self._ttls = (seconds, self._ttls[1])  # shown at once, not at the next slow read
        return previous

    async def set_user_ttl(self, seconds: int) -> int:
        if USER_TTL not in self.capabilities:
            raise self._missing("user task TTL")
        previous = await super().set_user_ttl(seconds)
        self._ttls = (self._ttls[0], seconds)
        return previous
