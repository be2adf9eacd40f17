"""Big scenarios for benchmarks, soak runs and ``--tasks N``: many real tasks on a big cluster, stored at once.

``populate(engine, tasks=100_000)`` breaks disks (each becomes a disk_repair root with one migrate child per chunk)
until about ``repair_share`` of the wanted tasks exist, sets disks to drop (disk_drop roots with their chunk
children) for about ``drop_share``, starts a balance round if asked, then queues manual migrations of chunks on
other disks for the rest. These are the code paths of ``break_disk``, ``drop_disk``, the balance type's own round
and ``add_manual_migrate``, minus one store write per call: the tasks are real task-manager tasks with real migrate
work, written in one transaction at the end. :func:`failure_wave` is the mix ``--tasks N`` starts with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from .errors import InvalidArgument
from .model import DiskStatus
from .tasks.balance import CHUNKS_PER_ROUND

if TYPE_CHECKING:
    from .core import EngineCore
    from .tasks.disk_migration import DiskMigrationType

WAVE_REPAIR_SHARE = 0.6
WAVE_DROP_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Populated:
    broken_disks: int
    repair_tasks: int
    manual_tasks: int
    dropped_disks: int = 0
    drop_tasks: int = 0
    balance_tasks: int = 0

    @property
    def tasks(self) -> int:
        return self.repair_tasks + self.manual_tasks + self.drop_tasks + self.balance_tasks


def populate(
    engine: EngineCore, tasks: int, repair_share: float = 0.5, drop_share: float = 0.0, balance: bool = False
) -> Populated:
    """Create about ``tasks`` tasks (never fewer when the cluster has the chunks); raises InvalidArgument if not.

    A disk is broken (or dropped) only while its root and children fit in the share left, so a small ``tasks``
    gives exactly that many tasks (manual migrations fill up); with ``repair_share + drop_share`` of 1 or more
    the last disk may overshoot, as the repairs always did.
    """
    if not 0.0 <= repair_share <= 1.0 or not 0.0 <= drop_share <= 1.0:
        raise InvalidArgument(f"repair_share and drop_share must be between 0 and 1, got {repair_share}, {drop_share}")
    if tasks < 0:
        raise InvalidArgument(f"tasks must be at least 0, got {tasks}")
    cluster = engine.cluster
    candidates = [d for d in cluster.disks.values() if d.status is DiskStatus.NORMAL and d.chunks]
    most = sum(len(d.chunks) for d in candidates) + len(candidates)  # every chunk migrated, every disk a root
    if tasks > most:
        raise InvalidArgument(f"the cluster has chunks for at most {most} tasks, not {tasks}")
    emptied: set[int] = set()
    overshoot = repair_share + drop_share >= 1.0
    repairs = _empty_disks(engine, engine._break, engine.handlers.repair, tasks * repair_share, emptied, overshoot)
    broken = len(emptied)
    drops = _empty_disks(engine, engine._drop, engine.handlers.drop, tasks * drop_share, emptied, overshoot)
    balanced = 0
    if balance and tasks - repairs - drops >= 1 + CHUNKS_PER_ROUND:
        balanced = _balance_round(engine)
    wanted = tasks - repairs - drops - balanced
    busy = engine.migrations.busy
    free_units = (
        vuid
        for volume in cluster.volumes.values()
        for vuid, disk_id in volume.units
        if disk_id not in emptied and busy(vuid) is None
    )
    manual_tasks = engine.handlers.manual.add_many(islice(free_units, max(0, wanted)), True, engine.clock.now())
    if manual_tasks:
        engine._log("manual_migrate", f"{manual_tasks} manual migrations queued")
    made = Populated(broken, repairs, manual_tasks, len(emptied) - broken, drops, balanced)
    if made.tasks < tasks:
        raise InvalidArgument(f"the cluster has chunks for {made.tasks} tasks, not {tasks}")
    engine.flush()
    return made


def failure_wave(engine: EngineCore, tasks: int) -> Populated:
    """``--tasks N``: repairs (~60 %) and drops (~10 %) with their chunk children, a balance round, and manual
    migrations for the rest — exactly ``tasks`` tasks when the cluster has the chunks (InvalidArgument if not)."""
    return populate(engine, tasks, WAVE_REPAIR_SHARE, WAVE_DROP_SHARE, balance=True)


def _empty_disks(
    engine: EngineCore,
    start: Callable[[int], None],
    handler: DiskMigrationType,
    budget: float,
    emptied: set[int],
    overshoot: bool,
) -> int:
    """Break or drop disks (``start``) whose tree fits in ``budget`` tasks; the tasks the handler made of them."""
    planned = 0
    for disk in sorted(engine.cluster.disks.values(), key=lambda d: d.disk_id):
        if planned >= budget or (not overshoot and budget - planned < 2):
            break
        if disk.status is not DiskStatus.NORMAL or not disk.chunks or disk.disk_id in emptied:
            continue
        size = 1 + len(disk.chunks)
        if not overshoot and planned + size > budget:
            continue
        start(disk.disk_id)
        emptied.add(disk.disk_id)
        planned += size
    before = len(engine.tm.tasks)
    handler.step(0.0)  # the handler turns the disks into task trees now
    return len(engine.tm.tasks) - before


def _balance_round(engine: EngineCore) -> int:
    """Start the balance type's round now (if the disks are uneven enough); the tasks it made."""
    balance = engine.handlers.balance
    if balance.current is not None:
        return 0
    before = len(engine.tm.tasks)
    balance.next_at = 0.0
    balance.step(0.0)
    return len(engine.tm.tasks) - before
