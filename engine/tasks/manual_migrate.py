"""manual_migrate: an operator moves one chunk (by vuid); the destination is chosen by the engine.

Each request is a user-started root task in module ``manual_migrate`` (so ``user_task_ttl`` applies) whose
entity is the CubeFS task id ``manual_migrate-<disk>-<vid>-<xid>``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import InvalidArgument
from ..model import DiskStatus
from ..model.cubefs import UINT64_MAX
from ..taskmanager import Task
from .base import Context
from .migrate import MigrateWork, Migrations

if TYPE_CHECKING:
    from ..sim.cluster import Disk, Volume


class ManualMigrate:
    modules = ("manual_migrate",)

    def __init__(self, ctx: Context, migrations: Migrations) -> None:
        self.ctx = ctx
        self.migrations = migrations
        ctx.tm.register_module("manual_migrate", self.on_abort)

    def add(self, vuid: object, direct_download: object, now: datetime | None = None) -> str:
        """Queue a manual migration of the unit ``vuid``; its CubeFS id. ``now``: the creation time, when a caller
        makes many at one moment (one ``datetime`` shared, not one each)."""
        if isinstance(vuid, bool) or not isinstance(vuid, int):
            raise InvalidArgument(f"vuid must be an unsigned 64-bit integer, got {vuid!r}")
        if not 1 <= vuid <= UINT64_MAX:
            raise InvalidArgument(f"vuid must be between 1 and {UINT64_MAX}, got {vuid}")
        if not isinstance(direct_download, bool):
            raise InvalidArgument(f"direct_download must be true or false, got {direct_download!r}")
        located, disk = self._movable(vuid, self.migrations.busy(vuid))
        work = self.migrations.new_work("manual_migrate", vuid, direct_download, now, located)
        task = self.ctx.tm.create(
            "manual_migrate",
            "manual_migrate",
            "chunk",
            node=self.ctx.cluster.hosts[disk.host].ip,
            keyspace=disk.idc,
            table=sys.intern(str(disk.disk_id)),  # shared by every task on the disk
            entity=work.task_id,
            user=True,
            progress_units="bytes",
            progress_total=work.total_size,
            work=work,
        )
        work.tm_id = task.id
        self.migrations.add(work)
        self.ctx.log("manual_migrate", f"{work.task_id}: vuid {vuid} queued (direct_download={direct_download})")
        return work.task_id

    def add_many(self, vuids: Iterable[int], direct_download: bool, now: datetime) -> int:
        """:meth:`add` for many units at one moment, without a log line each (a failure wave's manual migrations:
        the caller logs them in one); the same tasks, ids and draws as one call each, and like them, a unit that is
        refused (InvalidArgument) stops the rest after those before it were queued. How many were queued."""
        hosts, migrations = self.ctx.cluster.hosts, self.migrations
        new_work, busy = migrations.new_work, migrations.busy
        this_batch: dict[int, str] = {}  # vuid → its task: busy once queued, which happens after the batch is made
        refused: list[InvalidArgument] = []

        def roots() -> Iterator[tuple[str, str, str, str, float, MigrateWork]]:
            for vuid in vuids:
                try:
                    located, disk = self._movable(vuid, busy(vuid) or this_batch.get(vuid))
                except InvalidArgument as error:
                    refused.append(error)  # raised once what was made is queued: nothing half made
                    return
                work = new_work("manual_migrate", vuid, direct_download, now, located)
                this_batch[vuid] = work.task_id
                table = sys.intern(str(disk.disk_id))
                yield hosts[disk.host].ip, disk.idc, table, work.task_id, work.total_size, work

        made = self.ctx.tm.create_roots(
            "manual_migrate", "manual_migrate", "chunk", roots(), user=True, progress_units="bytes"
        )
        for task in made:
            task.work.tm_id = task.id
        migrations.add_queued(task.work for task in made)
        if refused:
            raise refused[0]
        return len(made)

    def _movable(self, vuid: int, busy: str | None) -> tuple[tuple[Volume, int], Disk]:
        """(where the unit is, its disk) when a manual migration may move it (``busy``: the task moving it
        already, if any); InvalidArgument saying why not."""
        cluster = self.ctx.cluster
        located = cluster.locate(vuid)
        if located is None:
            raise InvalidArgument(f"vuid {vuid} is not on any disk")
        volume, index = located
        disk = cluster.disks[volume.units.disk_ids[index]]
        if disk.status is DiskStatus.DROPPED:
            raise InvalidArgument(f"vuid {vuid} is on dropped disk {disk.disk_id}")
        if busy is not None:
            raise InvalidArgument(f"vuid {vuid} is already being migrated by task {busy}")
        return located, disk

    def step(self, dt: float) -> None:
        """The shared migrate queues do the work."""

    def on_abort(self, task: Task) -> None:
        if isinstance(task.work, MigrateWork):
            self.migrations.abort(task.work)

    def restore(self, task: Task, payload: dict[str, Any] | None) -> None:
        if payload and payload.get("kind") == "migrate":
            work = MigrateWork.from_json(payload)
            task.work = work
            self.migrations.add(work)
