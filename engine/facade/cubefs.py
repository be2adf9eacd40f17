"""The CubeFS scheduler family: task stats, a migrate task's detail, a disk's migration progress, manual
migrations and the per-type switches."""

from __future__ import annotations

from ..core import EngineCore, durable, whole
from ..errors import IllegalTaskType, InvalidArgument, NotFound
from ..model import MIGRATE_TYPES, DiskMigratingStats, MigrateTaskDetail, TasksStat
from ..model.task_types import SWITCHABLE_TYPES
from ..views import tasks_stat


class CubeFSFamily(EngineCore):
    def _stats(self, leader: bool) -> TasksStat:
        h = self.handlers
        return tasks_stat(self.counters, self.migrations, h.repair, h.drop, self.enabled, self.ctx.unix(), leader)

    async def stats(self) -> TasksStat:
        return self._stats(self.config.leader)

    async def leader_stats(self) -> TasksStat:
        return self._stats(True)

    async def task_detail(self, task_type: str, task_id: str) -> MigrateTaskDetail:
        if task_type not in MIGRATE_TYPES:
            raise IllegalTaskType("illegal task type")
        if not isinstance(task_id, str) or not task_id.startswith(f"{task_type}-"):
            raise InvalidArgument(f"Illegal Arguments: a {task_type} task id starts with '{task_type}-'")
        work = self.migrations.get(task_id)
        if work is None or work.task_type != task_type:
            raise NotFound(f"task {task_id} not found")
        volume = self.cluster.volumes.get(work.vid)
        sources = self.cluster.sources(volume) if volume else []
        return work.detail(sources)

    async def disk_migrating(self, task_type: str, disk_id: int) -> DiskMigratingStats:
        if task_type not in ("disk_repair", "disk_drop"):
            raise IllegalTaskType("illegal task type")
        disk_id = whole(disk_id, "disk_id")
        handler = self.handlers.repair if task_type == "disk_repair" else self.handlers.drop
        total, migrated = handler.migrating(disk_id)
        return DiskMigratingStats(total_tasks_cnt=total, migrated_tasks_cnt=migrated)

    @durable
    async def add_manual_migrate(self, vuid: int, direct_download: bool) -> str:
        return self.handlers.manual.add(vuid, direct_download)

    @durable
    async def set_enabled(self, task_type: str, enabled: bool) -> None:
        if task_type == "manual_migrate":
            raise InvalidArgument("manual_migrate has no switch: it is always on")
        if task_type not in SWITCHABLE_TYPES:
            raise IllegalTaskType(f"illegal task type {task_type!r}; switchable: {', '.join(SWITCHABLE_TYPES)}")
        if not isinstance(enabled, bool):
            raise InvalidArgument(f"enabled must be true or false, got {enabled!r}")
        if self.enabled.get(task_type) != enabled:
            self.enabled[task_type] = enabled
            changed = self.tm.switch_type(task_type, enabled)
            verb = ("enabled", "resumed") if enabled else ("disabled", "suspended")
            self._log(task_type, f"{verb[0]}; {changed} running task(s) {verb[1]}" if changed else verb[0])
