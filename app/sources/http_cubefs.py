"""A real CubeFS blobstore scheduler as a source: leader stats, disk migration progress, task detail, manual migrate.

CubeFS has no task list, so the task tree stays empty and its keys are hidden; ``not repairing disk`` (HTTP 500) and
HTTP 700 are normal answers, not failures.

Polite like the ScyllaDB source: requests spend the source's :class:`~app.sources.budget.RequestBudget`, and the
per-disk progress queries (one per repairing or dropping disk) are spread over refreshes by a
:class:`~app.sources.tree_plan.TreePlan`, longest unread first, the others shown as last read.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import urlsplit

from engine.errors import NotFound
from engine.model import (
    ClusterSummary,
    DiskMigration,
    Lag,
    MigrateTaskDetail,
    Snapshot,
    TasksStat,
)

from .base import MANUAL_MIGRATE, MIGRATIONS, STATS, TASK_DETAIL, SourceError
from .http_client import RemoteError
from .http_errors import translated
from .polite import PoliteHttpSource
from .wire_cubefs import is_not_migrating, stats_from_wire


class CubeFSSource(PoliteHttpSource):
    """Implements :class:`app.sources.base.Source` against a CubeFS scheduler (v3.3+ and master layouts)."""

    backend = "CubeFS"
    capabilities = frozenset({STATS, MIGRATIONS, MANUAL_MIGRATE, TASK_DETAIL})

    def _start_state(self) -> None:
        self._progress: dict[str, DiskMigration | None] = {}
        self._leader_path = "/stats/leader"
        self._first_seen: dict[tuple[str, int], datetime] = {}

    def describe(self) -> str:
        return self.label or f"cubefs {self.url}"

    async def open(self) -> None:
        await self._leader_stats()

    async def close(self) -> None:
        await self.client.close()

    async def _leader_stats(self) -> TasksStat:
        try:
            body = await translated(self.client.get_json(self._leader_path))
        except NotFound:
            if self._leader_path == "/leader/stats":
                raise
            self._leader_path = "/leader/stats"  # releases before v3.3.0
            body = await translated(self.client.get_json(self._leader_path))
        try:
            return stats_from_wire(body)
        except ValueError as error:
            raise SourceError(f"{self.url} answered stats schedtop cannot read: {error}") from None

    async def _migration(self, task_type: str, disk_id: int, now: datetime) -> DiskMigration | None:
        try:
            response = await self.client.request(
                "GET",
                "/stats/disk/migrating",
                params={"task_type": task_type, "disk_id": disk_id},
                ok_statuses=(500,),
            )
        except RemoteError as error:
            if is_not_migrating(error.message):
                return None
            raise
        if response.status_code == 500:
            return None  # "not repairing disk": finished between the two calls
        body = response.json()
        started = self._first_seen.setdefault((task_type, disk_id), now)
        return DiskMigration(
            disk_id=disk_id,
            task_type=task_type,
            total_tasks_cnt=int(body.get("total_tasks_cnt", 0)),
            migrated_tasks_cnt=int(body.get("migrated_tasks_cnt", 0)),
            started_at=started,
        )

    async def snapshot(self, since: int = 0) -> Snapshot:
        stats, local = await asyncio.gather(
            self._leader_stats(), translated(self.client.get_json("/stats")), return_exceptions=False
        )
        now = datetime.now(UTC)
        wanted = [("disk_repair", d) for d in (stats.disk_repair.repairing_disks or [])] if stats.disk_repair else []
        if stats.disk_drop:
            wanted += [("disk_drop", d) for d in (stats.disk_drop.dropping_disks or [])]
        keys = {f"{kind}:{disk}": (kind, disk) for kind, disk in wanted}
        tick = self._clock()
        picked = self.plan.plan(dict.fromkeys(keys, True), tick, self.budget.available())
        found = await translated(asyncio.gather(*(self._migration(*keys[key], now) for key in picked)))
        for key, migration in zip(picked, found, strict=True):
            self._progress[key] = migration
            self.plan.read(key, True, tick)
        self._progress = {key: migration for key, migration in self._progress.items() if key in keys}
        self.revision += 1
        host = urlsplit(self.url).netloc or self.url
        is_leader = isinstance(local, dict) and "disk_repair" in (local.get("blobnode") or local)
        return Snapshot(
            revision=self.revision,
            full=True,
            taken_at=now,
            cluster=ClusterSummary(name="cubefs", node=host, is_leader=is_leader),
            stats=stats,
            modules=[],
            migrations=[m for key in keys if (m := self._progress.get(key)) is not None],
            lag=Lag(behind=self.plan.behind(tick), oldest_seconds=round(self.plan.oldest(tick), 1)),
        )

    async def task_detail(self, task_type: str, task_id: str) -> MigrateTaskDetail:
        body = await translated(self.client.get_json(f"/task/detail/{task_type}/{task_id}"))
        return MigrateTaskDetail.model_validate(body)

    async def add_manual_migrate(self, vuid: int, direct_download: bool) -> str:
        body = await translated(
            self.client.post_json("/manual/migrate/task/add", json={"vuid": vuid, "direct_download": direct_download})
        )
        # Upstream answers 200 with an empty body: the task exists but its id is not told.
        return str(body.get("task_id", "")) if isinstance(body, dict) else ""
