"""CubeFS chunk migration, shared by disk_repair, disk_drop, balance and manual_migrate.

A migrate task walks CubeFS's states: 1 inited (prepare queue) → 2 prepared (a destination was chosen; the work
queue, where blobnode workers copy or rebuild the chunk in steps) → 3 work_completed (finish queue: the
volume mapping is switched) → 4 finished. A worker step may fail (random or injected fault): the task is
redone from scratch (``worker_redo_cnt`` + 1); after ``MAX_REDO`` redos it fails for real and ends in state 5
finished_in_advance with the error as reason. Workers run on the destination's IDC, a few at a time; a silent
destination host stalls its tasks.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

from ..model import (
    DiskStatus,
    MigrateState,
    make_vuid,
    split_vuid,
)
from ..taskmanager import ABORTED, Task
from .base import Context
from .migrate_work import MigrateWork, Origin, interned_origin

if TYPE_CHECKING:
    from ..sim.cluster import Disk, Volume

__all__ = ["MigrateWork", "Migrations"]

MAX_REDO = 3
SHARD_BYTES = 820 * 1024
WORKERS_PER_IDC = 6
FINISH_SECONDS = 1.0
PREPARE_PER_STEP = 8
PREPARED_PER_WORKER = 4
FINISHED_KEPT = 5000
TYPE_PRIORITY = ("disk_repair", "manual_migrate", "disk_drop", "balance")

Finished = Callable[["MigrateWork", str | None], None]


_SHARD_COUNTS: dict[int, int] = {}
"""Shard counts made so far, each one ``int`` shared by the works that have it: at most ~17 000 values (chunk size
over shard size, ±20 %), where a work each had its own 32-byte int (−28 MiB in a million-task wave)."""
SHARD_COUNTS_KEPT = 65_536


class Migrations:
    """The prepare, work and finish queues of every migrate type, and the workers that drain them."""

    def __init__(
        self, ctx: Context, workers_per_idc: int = WORKERS_PER_IDC, prepare_per_step: int = PREPARE_PER_STEP
    ) -> None:
        self.ctx = ctx
        self.workers_per_idc = workers_per_idc
        self.prepare_per_step = prepare_per_step
        # Plain dicts (they keep insertion order; re-inserting a key moves it to the end): an OrderedDict's linked
        # list cost ~50 B more per queued task, 5 MB in a 100 000-task wave.
        self.queues: dict[str, dict[MigrateState, dict[str, MigrateWork]]] = {
            t: {s: {} for s in (MigrateState.INITED, MigrateState.PREPARED, MigrateState.WORK_COMPLETED)}
            for t in TYPE_PRIORITY
        }
        # No index by id over all of them: a task id names its type (``disk_repair-…``), so a lookup tries that
        # type's three queues and the finished ones (an index was ~40 B a task, 4 MB in a 100 000-task wave).
        self.finished: OrderedDict[str, MigrateWork] = OrderedDict()
        self.busy_units: dict[int, str] = {}
        """Live migrate task id per unit, keyed by the unit's vuid as the task found it (its ``source_vuid``, the int
        the task already holds: a key made per task was 32 B more, 3 MB in a 100 000-task wave). A unit has one
        live task at a time, so its vuid (whose epoch changes when a migration completes) is current until that
        task ends."""
        self.on_finished: dict[str, Finished] = {}

    # -- creation -------------------------------------------------------------------------------------------
    def new_work(
        self,
        task_type: str,
        vuid: int,
        direct_download: bool,
        now: datetime | None = None,
        located: tuple[Volume, int] | None = None,
    ) -> MigrateWork:
        """A migrate task for the unit ``vuid`` (which must be current); not queued until ``add``.

        ``now``: the creation time, when many are made at one moment (a disk job's chunks share one ``datetime``
        object rather than one each: 49 B a task, ~5 MB in a 100 000-task wave). ``located``: the unit's
        ``Cluster.locate``, when the caller has it already (a million-task wave located every unit twice)."""
        if located is None:
            located = self.ctx.cluster.locate(vuid)
            if located is None:
                raise ValueError(f"vuid {vuid} is not on any disk")
        volume, index = located
        source = self.ctx.cluster.disks[volume.units.disk_ids[index]]
        return next(self.new_works(task_type, source, ((vuid, located),), direct_download, now or self.ctx.now()))

    def new_works(
        self,
        task_type: str,
        source: Disk,
        units: Iterable[tuple[int, tuple[Volume, int]]],
        direct_download: bool,
        now: datetime,
    ) -> Iterator[MigrateWork]:
        """New migrate tasks for (vuid, located) units of the disk ``source`` (see :meth:`new_work`), as a disk job
        makes them: what they share (the origin, the id's prefix) made once per volume kind."""
        rng, xid, chunk_bytes = self.ctx.rng, self.ctx.xid, SHARD_BYTES
        random = rng.random
        forbidden, disk_id, idc = not direct_download, source.disk_id, source.idc
        origins: dict[int, Origin] = {}
        if len(_SHARD_COUNTS) >= SHARD_COUNTS_KEPT:
            _SHARD_COUNTS.clear()
        counts = _SHARD_COUNTS
        prefix = f"{task_type}-{disk_id}-"
        for vuid, (volume, _) in units:
            size = volume.chunk_size
            # rng.uniform(a, b) is a + (b - a) * random(): written out, the draws (and so the ids) are the same
            shards = max(1, int(size / chunk_bytes * (0.8 + (1.2 - 0.8) * random())))
            shards = counts.setdefault(shards, shards)
            task_id = f"{prefix}{volume.vid}-{xid()}"
            rate = (150 + (400 - 150) * random()) * 1024**2
            mode = int(volume.code_mode)
            origin = origins.get(mode)
            if origin is None:
                origin = origins[mode] = interned_origin((task_type, mode, idc, disk_id, forbidden))
            yield MigrateWork.queued(task_id, origin, vuid, now, size, shards, rate)

    def busy(self, vuid: int) -> str | None:
        """The id of the live migrate task already moving this unit, if any."""
        return self.busy_units.get(vuid)

    def add(self, work: MigrateWork) -> None:
        if work.final:
            self._keep_finished(work)
            return
        self.queues[work.task_type][work.state][work.task_id] = work
        self.busy_units[work.source_vuid] = work.task_id

    def add_queued(self, works: Iterable[MigrateWork]) -> None:
        """:meth:`add` for many new works of one type, all queued (``inited``): a disk job's chunks, a wave's
        manual migrations."""
        queue, busy = None, self.busy_units
        for work in works:
            if queue is None:
                queue = self.queues[work.task_type][MigrateState.INITED]
            if work.state is not MigrateState.INITED:
                raise ValueError(f"{work.task_id} is {work.state.name}, not queued")
            queue[work.task_id] = work
            busy[work.source_vuid] = work.task_id

    def counts(self, task_type: str) -> tuple[int, int, int]:
        q = self.queues[task_type]
        return (
            len(q[MigrateState.INITED]),
            len(q[MigrateState.PREPARED]),
            len(q[MigrateState.WORK_COMPLETED]),
        )

    def get(self, task_id: str) -> MigrateWork | None:
        """The migrate task with this id: queued, in work, or among the last finished."""
        queues = self.queues.get(task_id.partition("-")[0])
        for by_state in (queues,) if queues is not None else self.queues.values():
            for queue in by_state.values():
                work = queue.get(task_id)
                if work is not None:
                    return work
        return self.finished.get(task_id)

    def works(self) -> Iterator[MigrateWork]:
        """Every migrate task known: the live ones, queue by queue, then the last finished."""
        for by_state in self.queues.values():
            for queue in by_state.values():
                yield from queue.values()
        yield from self.finished.values()

    # -- the work -------------------------------------------------------------------------------------------
    def step(self, dt: float) -> None:
        # Queues drain back to front, so a task moves at most one state per step and every state is observable.
        # A switched-off type's tasks are suspended: nothing of theirs moves until it is switched on again.
        active = [t for t in TYPE_PRIORITY if t == "manual_migrate" or self.ctx.is_enabled(t)]
        for task_type in active:
            self._finish(task_type, dt)
        slots: dict[str, int] = {}
        for task_type in active:
            self._work(task_type, dt, slots)
        for task_type in active:
            self._prepare(task_type)

    def _task(self, work: MigrateWork) -> Task | None:
        return self.ctx.tm.tasks.get(work.tm_id)

    def _move(self, work: MigrateWork, state: MigrateState) -> None:
        queues = self.queues[work.task_type]
        queues[work.state].pop(work.task_id, None)
        work.state = state
        work.mtime = self.ctx.now()
        if state in queues:
            queues[state][work.task_id] = work
        task = self._task(work)
        if task is not None:
            self.ctx.tm.touch(task)

    def _prepare(self, task_type: str) -> None:
        queues = self.queues[task_type]
        inited = queues[MigrateState.INITED]
        cluster = self.ctx.cluster
        # Like CubeFS's bounded work queue: prepare only what the workers can pick up soon.
        room = PREPARED_PER_WORKER * self.workers_per_idc * max(1, len(cluster.idcs)) - len(
            queues[MigrateState.PREPARED]
        )
        budget = min(self.prepare_per_step, room)
        if budget <= 0 or not inited:
            return
        for work in list(islice(inited.values(), budget * 4)):
            if budget == 0:
                break
            located = cluster.locate(work.source_vuid)
            if located is None:
                self._end(work, None, advance_reason="the chunk has moved since the task was created")
                continue
            volume, index = located
            dest = cluster.pick_destination(volume, index)
            if dest is None:
                inited[work.task_id] = inited.pop(work.task_id)  # no room anywhere yet: let the others try first
                continue
            budget -= 1
            _, _, epoch = split_vuid(work.source_vuid)
            work.dest_disk_id = dest.disk_id
            work.dest_host = dest.host
            work.dest_vuid = make_vuid(volume.vid, index, (epoch + 1) % 2**24 or 1)
            cluster.dirty_volumes.add(volume.vid)
            self._move(work, MigrateState.PREPARED)
            task = self._task(work)
            if task is not None:
                self.ctx.tm.start(task)

    def _work(self, task_type: str, dt: float, slots: dict[str, int]) -> None:
        cluster = self.ctx.cluster
        for work in list(self.queues[task_type][MigrateState.PREPARED].values()):
            dest = cluster.disks.get(work.dest_disk_id)
            idc = dest.idc if dest else work.source_idc
            free = slots.get(idc, self.workers_per_idc)
            if free <= 0:
                continue
            slots[idc] = free - 1
            if dest is None or dest.status is not DiskStatus.NORMAL:
                self._redo(work, "destination disk is no longer writable", new_destination=True)
                continue
            if cluster.hosts[dest.host].silent:
                continue  # the worker stopped reporting: the task stalls
            error = self.ctx.faults.step_error(task_type, dt)
            if error is not None:
                self._redo(work, error)
                continue
            before_count = work.done_count
            moved = min(work.total_size - work.done_size, int(work.rate * dt))
            work.done_size += moved
            unix = self.ctx.unix()
            self.ctx.stats.add(task_type, "data_amount_byte", unix, moved)
            self.ctx.stats.add(task_type, "shard_cnt", unix, work.done_count - before_count)
            work.mtime = self.ctx.now()
            task = self._task(work)
            if task is not None:
                self.ctx.tm.progress(task, work.done_size)
            if work.done_size >= work.total_size:
                work.finish_left = FINISH_SECONDS
                self._move(work, MigrateState.WORK_COMPLETED)

    def _redo(self, work: MigrateWork, error: str, new_destination: bool = False) -> None:
        work.worker_redo_cnt += 1
        work.last_error = error
        work.done_size = 0
        task = self._task(work)
        if work.worker_redo_cnt > MAX_REDO:
            self._end(work, f"{error} (gave up after {MAX_REDO} redos)")
            return
        self.ctx.log(work.task_type, f"{work.task_id} redo #{work.worker_redo_cnt}: {error}")
        if new_destination:
            located = self.ctx.cluster.locate(work.source_vuid)
            if located is not None:
                self.ctx.cluster.release_destination(*located)
            work.dest_disk_id, work.dest_host, work.dest_vuid = 0, "", 0
            self._move(work, MigrateState.INITED)
        if task is not None:
            self.ctx.tm.progress(task, 0)
            self.ctx.tm.touch(task)

    def _finish(self, task_type: str, dt: float) -> None:
        cluster = self.ctx.cluster
        for work in list(self.queues[task_type][MigrateState.WORK_COMPLETED].values()):
            work.finish_left -= dt
            if work.finish_left > 0:
                continue
            located = cluster.locate(work.source_vuid)
            if located is None:
                self._end(work, None, advance_reason="the chunk has moved since the task was created")
                continue
            cluster.complete_migration(*located)
            self.ctx.stats.add(task_type, "finished_cnt", self.ctx.unix())
            self._end(work, None)

    def _end(self, work: MigrateWork, error: str | None, advance_reason: str = "") -> None:
        """Leave the queues: finished (4), or finished in advance (5) on error or when moot."""
        if error is not None or advance_reason:
            located = self.ctx.cluster.locate(work.source_vuid)
            if located is not None:
                self.ctx.cluster.release_destination(*located)
                self.ctx.cluster.dirty_volumes.add(located[0].vid)
            work.finish_advance_reason = error or advance_reason
            self._move(work, MigrateState.FINISHED_IN_ADVANCE)
        else:
            self._move(work, MigrateState.FINISHED)
        if self.busy_units.get(work.source_vuid) == work.task_id:
            del self.busy_units[work.source_vuid]
        self._keep_finished(work)
        task = self._task(work)
        if task is not None and error != ABORTED:  # the task manager finishes an aborted task itself
            self.ctx.tm.finish(task, error)
        if error and error != ABORTED:
            self.ctx.log(work.task_type, f"{work.task_id} failed: {error}")
        callback = self.on_finished.get(work.task_type)
        if callback is not None:
            callback(work, error)

    def _keep_finished(self, work: MigrateWork) -> None:
        self.finished[work.task_id] = work
        while len(self.finished) > FINISHED_KEPT:
            self.finished.popitem(last=False)

    def abort(self, work: MigrateWork) -> None:
        if not work.final:
            self._end(work, ABORTED)

    def supersede(self, task_id: str, reason: str) -> None:
        """End a live migrate task that another one replaces (it fails with ``reason``)."""
        work = self.get(task_id)
        if work is not None and not work.final:
            self._end(work, reason)
