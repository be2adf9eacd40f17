"""Big scenarios for benchmarks and soak runs: many real tasks on a big cluster, written to the store at once.

``populate(engine, tasks=100_000)`` breaks disks (each becomes a disk_repair root with one migrate child per chunk)
until about ``repair_share`` of the wanted tasks exist, then queues manual migrations of chunks on other disks for
the rest. These are the code paths of ``break_disk`` and ``add_manual_migrate``, minus one store write per call:
the tasks are real task-manager tasks with real migrate work, written in one transaction at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import InvalidArgument
from .model import DiskStatus

if TYPE_CHECKING:
    from .engine import Engine


@dataclass(frozen=True, slots=True)
class Populated:
    broken_disks: int
    repair_tasks: int
    manual_tasks: int

    @property
    def tasks(self) -> int:
        return self.repair_tasks + self.manual_tasks


def populate(engine: Engine, tasks: int, repair_share: float = 0.5) -> Populated:
    """Create about ``tasks`` tasks (never fewer when the cluster has the chunks); raises InvalidArgument if not."""
    if not 0.0 <= repair_share <= 1.0:
        raise InvalidArgument(f"repair_share must be between 0 and 1, got {repair_share}")
    cluster = engine.cluster
    candidates = [d for d in cluster.disks.values() if d.status is DiskStatus.NORMAL and d.chunks]
    most = sum(len(d.chunks) for d in candidates) + len(candidates)  # every chunk migrated, every disk a root
    if tasks > most:
        raise InvalidArgument(f"the cluster has chunks for at most {most} tasks, not {tasks}")
    broken: set[int] = set()
    repair_tasks = 0
    for disk in sorted(cluster.disks.values(), key=lambda d: d.disk_id):
        if repair_tasks >= tasks * repair_share:
            break
        if disk.status is not DiskStatus.NORMAL or not disk.chunks:
            continue
        engine._break(disk.disk_id)
        broken.add(disk.disk_id)
        repair_tasks += 1 + len(disk.chunks)
    before = len(engine.tm.tasks)
    engine.handlers.repair.step(0.0)  # the repair handler turns the broken disks into task trees now
    repair_tasks = len(engine.tm.tasks) - before
    manual_tasks = 0
    wanted = tasks - repair_tasks
    manual = engine.handlers.manual
    for volume in cluster.volumes.values():
        if manual_tasks >= wanted:
            break
        for vuid, disk_id in volume.units:
            if manual_tasks >= wanted:
                break
            if disk_id in broken or engine.migrations.busy(vuid) is not None:
                continue
            manual.add(vuid, True)
            manual_tasks += 1
    if repair_tasks + manual_tasks < tasks:
        raise InvalidArgument(f"the cluster has chunks for {repair_tasks + manual_tasks} tasks, not {tasks}")
    engine.flush()
    return Populated(len(broken), repair_tasks, manual_tasks)
