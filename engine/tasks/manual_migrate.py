"""manual_migrate: an operator moves one chunk (by vuid); the destination is chosen by the engine.

Each request is a user-started root task in module ``manual_migrate`` (so ``user_task_ttl`` applies) whose
entity is the CubeFS task id ``manual_migrate-<disk>-<vid>-<xid>``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from ..errors import InvalidArgument
from ..model import DiskStatus
from ..model.cubefs import UINT64_MAX
from ..taskmanager import Task
from .base import Context
from .migrate import MigrateWork, Migrations


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
        cluster = self.ctx.cluster
        located = cluster.locate(vuid)
        if located is None:
            raise InvalidArgument(f"vuid {vuid} is not on any disk")
        volume, index = located
        disk = cluster.disks[volume.units[index][1]]
        if disk.status in (DiskStatus.DROPPED,):
            raise InvalidArgument(f"vuid {vuid} is on dropped disk {disk.disk_id}")
        busy = self.migrations.busy(vuid)
        if busy is not None:
            raise InvalidArgument(f"vuid {vuid} is already being migrated by task {busy}")
        work = self.migrations.new_work("manual_migrate", vuid, direct_download, now, located)
        task = self.ctx.tm.create(
            "manual_migrate",
            "manual_migrate",
            "chunk",
            node=cluster.hosts[disk.host].ip,
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
        the caller logs them in one); the same tasks, ids and draws as one call each. How many were queued."""
        cluster, migrations = self.ctx.cluster, self.migrations
        hosts, disks, new_work = cluster.hosts, cluster.disks, migrations.new_work

        def roots() -> Iterator[tuple[str, str, str, str, float, MigrateWork]]:
            for vuid in vuids:
                located = cluster.locate(vuid)
                if located is None:
                    raise InvalidArgument(f"vuid {vuid} is not on any disk")
                volume, index = located
                disk = disks[volume.units[index][1]]
                if disk.status is DiskStatus.DROPPED:
                    raise InvalidArgument(f"vuid {vuid} is on dropped disk {disk.disk_id}")
                busy = migrations.busy(vuid)
                if busy is not None:
                    raise InvalidArgument(f"vuid {vuid} is already being migrated by task {busy}")
                work = new_work("manual_migrate", vuid, direct_download, now, located)
                table = sys.intern(str(disk.disk_id))
                yield hosts[disk.host].ip, disk.idc, table, work.task_id, work.total_size, work

        made = self.ctx.tm.create_roots(
            "manual_migrate", "manual_migrate", "chunk", roots(), user=True, progress_units="bytes"
        )
        for task in made:
            task.work.tm_id = task.id
        migrations.add_queued(task.work for task in made)
        return len(made)

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
