"""Demo mode's fault injector: disks break, get dropped and are replaced, workers fail, nodes go quiet.

Times are simulated seconds, so at speed 30 the first repair starts a fraction of a second after start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import DiskStatus
from ..tasks.base import Context

FIRST_BREAK_S = 5.0
BREAK_EVERY_S = (40.0, 90.0)
DROP_EVERY_S = (150.0, 300.0)
WORKER_FAULT_EVERY_S = (45.0, 120.0)
SILENCE_EVERY_S = (200.0, 400.0)
SILENCE_FOR_S = 25.0
REPLACE_AFTER_S = 90.0
MAX_REPAIRS = 2


class DemoFaults:
    """Decides, each tick, whether the demo cluster suffers something new."""

    def __init__(
        self,
        ctx: Context,
        break_disk: Callable[[int], None],
        drop_disk: Callable[[int], None],
    ) -> None:
        self.ctx = ctx
        self.break_disk = break_disk
        self.drop_disk = drop_disk
        self.next: dict[str, float] = {}
        self.silenced: dict[str, float] = {}
        self.finished_at: dict[int, float] = {}
        self._statuses_seen = -1
        """The cluster's ``status_version`` when the disks were last looked through for finished ones."""

    def _due(self, name: str, now: float, every: tuple[float, float], first: float | None = None) -> bool:
        if name not in self.next:
            self.next[name] = now + (first if first is not None else self.ctx.rng.uniform(*every))
        if now < self.next[name]:
            return False
        self.next[name] = now + self.ctx.rng.uniform(*every)
        return True

    def step(self) -> None:
        ctx = self.ctx
        now = ctx.unix()
        disks = ctx.cluster.disks
        # The walks over every disk happen only when a fault is due (a turn of a 50 000-disk cluster took ~30 ms).
        if self._due("break", now, BREAK_EVERY_S, FIRST_BREAK_S):
            normal = [d for d in disks.values() if d.status is DiskStatus.NORMAL and d.chunks]
            repairing = sum(1 for d in disks.values() if d.status in (DiskStatus.BROKEN, DiskStatus.REPAIRING))
            if normal and repairing < MAX_REPAIRS:
                self.break_disk(ctx.rng.choice(normal).disk_id)
        if self._due("drop", now, DROP_EVERY_S):
            normal = [d for d in disks.values() if d.status is DiskStatus.NORMAL and d.chunks]
            if normal and not any(d.status is DiskStatus.DROPPING for d in disks.values()):
                self.drop_disk(ctx.rng.choice(normal).disk_id)
        if self._due("worker", now, WORKER_FAULT_EVERY_S):
            task_type = ctx.rng.choice(("disk_repair", "disk_drop", "balance", "shard_repair", "blob_delete"))
            ctx.faults.add(task_type, 1)
            ctx.log(task_type, "demo: a worker will fail its next step")
        if self._due("silence", now, SILENCE_EVERY_S):
            host = ctx.rng.choice(sorted(ctx.cluster.hosts))
            if not ctx.cluster.hosts[host].silent:
                ctx.cluster.hosts[host].silent = True
                ctx.cluster.hosts_dirty = True
                self.silenced[host] = now + SILENCE_FOR_S
                ctx.log("cluster", f"demo: node {host} stopped reporting")
        for host, until in list(self.silenced.items()):
            if now >= until:
                ctx.cluster.hosts[host].silent = False
                ctx.cluster.hosts_dirty = True
                del self.silenced[host]
                ctx.log("cluster", f"demo: node {host} is back")
        self._replace_finished_disks(now)

    def _replace_finished_disks(self, now: float) -> None:
        """A repaired or dropped disk is swapped for a new empty one a while later, so the demo never runs dry.

        Disks that finished are looked for only after a disk's status changed; then only those are looked at.
        """
        cluster = self.ctx.cluster
        finished = (DiskStatus.REPAIRED, DiskStatus.DROPPED)
        if cluster.status_version != self._statuses_seen:
            self._statuses_seen = cluster.status_version
            for candidate in cluster.disks.values():
                if candidate.status in finished and not candidate.chunks:
                    self.finished_at.setdefault(candidate.disk_id, now)
        for disk_id in sorted(self.finished_at):  # in the disks' order, as a walk over them all replaced them
            disk = cluster.disks.get(disk_id)
            if disk is not None and disk.status in finished and not disk.chunks:
                since = self.finished_at[disk_id]
                if now - since >= REPLACE_AFTER_S:
                    disk.base_used = int(disk.capacity * self.ctx.rng.uniform(0.02, 0.1))
                    disk.used = disk.base_used
                    self.ctx.cluster.set_status(disk, DiskStatus.NORMAL, held=False)
                    del self.finished_at[disk.disk_id]
                    self.ctx.log("cluster", f"demo: disk {disk.disk_id} replaced by a new empty disk")

    def state(self) -> dict[str, Any]:
        return {"next": self.next, "silenced": self.silenced}

    def load_state(self, data: dict[str, Any]) -> None:
        self.next = {k: float(v) for k, v in data.get("next", {}).items()}
        self.silenced = {k: float(v) for k, v in data.get("silenced", {}).items()}
