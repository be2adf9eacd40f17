"""Moving every chunk off one disk: the machinery shared by disk_repair (broken disk) and disk_drop.

Each disk gets one root task in the type's module (scope ``disk``, progress in chunks) with one migrate task per
chunk below it. When every chunk has moved the disk becomes repaired/dropped; if some failed for good the root
fails, and the disk is held (left alone) until an operator breaks or drops it again. Aborting the root stops all
its migrations. Finished migrations stay visible in ``views`` for ``KEEP_FINISHED_S`` simulated seconds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from ..errors import NotMigrating
from ..model import DiskMigration, DiskStatus, MigrateState
from ..taskmanager import Task
from ..trusted import construct
from .base import Context, shallow_fields
from .migrate import MigrateWork, Migrations

if TYPE_CHECKING:
    from ..sim.cluster import Volume

KEEP_FINISHED_S = 60.0
RATE_WINDOW_S = 30.0
SAMPLE_EVERY_S = 2.0
KEEP_AFTER = timedelta(seconds=KEEP_FINISHED_S)


@dataclass(slots=True, eq=False)
class DiskJob:
    """The root task's work: one disk being emptied."""

    task_type: str
    disk_id: int
    host: str
    idc: str
    total: int
    bytes_total: int
    started_at: datetime
    tm_id: str = ""
    migrated: int = 0
    failed: int = 0
    bytes_finished: int = 0
    finished_at: datetime | None = None
    aborting: bool = False
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=64))

    def to_json(self) -> dict[str, Any]:
        data = shallow_fields(self)
        data.pop("samples")
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        data["kind"] = "disk_job"
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DiskJob:
        # "children" (the CubeFS ids of its migrate tasks) came with jobs stored before 2026-12: 40 B a chunk, and the
        # whole list rewritten with the job on every chunk that finished.
        values = {k: v for k, v in data.items() if k not in ("kind", "children")}
        values["started_at"] = datetime.fromisoformat(values["started_at"])
        values["finished_at"] = datetime.fromisoformat(values["finished_at"]) if values["finished_at"] else None
        return cls(**values)


class DiskMigrationType:
    """disk_repair or disk_drop: watches for disks to empty and runs one job per disk."""

    def __init__(
        self, ctx: Context, migrations: Migrations, task_type: str, active: DiskStatus, done: DiskStatus
    ) -> None:
        self.ctx = ctx
        self.migrations = migrations
        self.task_type = task_type
        self.modules = (task_type,)
        self.active_status = active
        self.done_status = done
        self.pending: set[int] = set()
        self.jobs: dict[int, DiskJob] = {}
        self._views: dict[int, tuple[DiskJob, tuple[Any, ...], DiskMigration]] = {}
        self._walk_due = True
        """A job started, finished or was restored since the last walk over the jobs (see :meth:`step`)."""
        self._next_sample = float("-inf")
        self._next_removal: datetime | None = None
        migrations.on_finished[task_type] = self._chunk_finished
        ctx.tm.register_module(task_type, self.on_abort)

    @property
    def noun(self) -> str:
        return "repairing" if self.task_type == "disk_repair" else "dropping"

    def request(self, disk_id: int) -> None:
        """Queue a disk for this type (its status was already set by the caller)."""
        self.pending.add(disk_id)

    def active_jobs(self) -> list[DiskJob]:
        return [job for job in self.jobs.values() if job.finished_at is None]

    # -- scheduling -----------------------------------------------------------------------------------------
    def step(self, dt: float) -> None:
        if self.pending and self.ctx.is_enabled(self.task_type):
            for disk_id in sorted(self.pending):
                self._start(disk_id)
            self.pending.clear()
        horizon = self.ctx.clock.monotonic()
        now = self.ctx.now()
        # Walk the jobs only when one is due a sample or its removal, or a job started or finished since: a big
        # failure wave has thousands of jobs and most steps have nothing to do for any of them.
        if (
            not self._walk_due
            and horizon < self._next_sample
            and (self._next_removal is None or now <= self._next_removal)
        ):
            return
        self._walk_due = False
        next_sample, next_removal = float("inf"), None
        in_flight: dict[int, int] | None = None
        for disk_id, job in list(self.jobs.items()):
            if job.finished_at is not None:
                age = (now - job.finished_at).total_seconds()
                if age > KEEP_FINISHED_S:
                    del self.jobs[disk_id]
                    continue
                due = job.finished_at + KEEP_AFTER
                next_removal = due if next_removal is None or due < next_removal else next_removal
                continue
            if not job.samples or horizon - job.samples[-1][0] >= SAMPLE_EVERY_S:
                if in_flight is None:
                    in_flight = self._in_flight_bytes()
                job.samples.append((horizon, self._bytes_done(job, in_flight)))
            next_sample = min(next_sample, job.samples[-1][0] + SAMPLE_EVERY_S)
        self._next_sample, self._next_removal = next_sample, next_removal

    def _start(self, disk_id: int) -> None:
        ctx = self.ctx
        disk = ctx.cluster.disks[disk_id]
        if disk_id in self.jobs and self.jobs[disk_id].finished_at is None:
            return
        chunks = sorted(disk.chunks)
        for vuid in chunks:  # a disk job supersedes e.g. a balance task moving the same unit
            other = self.migrations.busy(vuid)
            if other is not None:
                self.migrations.supersede(other, f"superseded by {self.task_type} of disk {disk_id}")
        found = list(map(ctx.cluster.locate, chunks))
        if None in found:
            raise RuntimeError(f"disk {disk_id} lists a chunk that no volume holds")
        where = cast("list[tuple[Volume, int]]", found)
        sizes = [located[0].chunk_size for located in where]
        table = str(disk_id)  # one string shared by the root and every child
        job = DiskJob(self.task_type, disk_id, disk.host, disk.idc, len(chunks), sum(sizes), ctx.now())
        root = ctx.tm.create(
            self.task_type,
            self.task_type,
            "disk",
            node=ctx.cluster.hosts[disk.host].ip,
            keyspace=disk.idc,
            table=table,
            entity=disk.host,
            progress_units="chunks",
            progress_total=len(chunks),
            work=job,
        )
        job.tm_id = root.id
        ctx.tm.start(root)
        self.jobs[disk_id] = job
        self._walk_due = True
        ctx.cluster.set_status(disk, self.active_status, held=False)
        direct = self.task_type == "disk_drop"
        created = job.started_at
        works = self.migrations.new_works(self.task_type, disk, zip(chunks, where, strict=True), direct, created)
        children = ctx.tm.create_children(
            root,
            self.task_type,
            self.task_type,
            "chunk",
            ((work.task_id, work.total_size, work) for work in works),
            node=ctx.cluster.hosts[disk.host].ip,
            keyspace=disk.idc,
            table=table,
            progress_units="bytes",
        )
        for child in children:
            child.work.tm_id = child.id
        self.migrations.add_queued(child.work for child in children)
        ctx.log(self.task_type, f"disk {disk_id} on {disk.host}: {len(chunks)} chunk migrations queued")
        if not chunks:
            self._complete(job)

    def _chunk_finished(self, work: MigrateWork, error: str | None) -> None:
        job = self.jobs.get(work.source_disk_id)
        if job is None or job.finished_at is not None or work.ctime < job.started_at:
            return  # not one of this job's chunks: those are made as it starts (an earlier job's were made before)
        if error is None:
            job.migrated += 1
            job.bytes_finished += work.total_size
        else:
            job.failed += 1
        root = self.ctx.tm.tasks.get(job.tm_id)
        if root is not None:
            self.ctx.tm.progress(root, job.migrated)
            self.ctx.tm.touch(root)  # the job's counts live in its payload: save them even when only failed moved
        if job.migrated + job.failed >= job.total and not job.aborting:
            self._complete(job)

    def _complete(self, job: DiskJob) -> None:
        ctx = self.ctx
        job.finished_at = ctx.now()
        self._walk_due = True
        disk = ctx.cluster.disks[job.disk_id]
        root = ctx.tm.tasks.get(job.tm_id)
        if job.failed == 0:
            ctx.cluster.set_status(disk, self.done_status)
            ctx.log(self.task_type, f"disk {job.disk_id}: all {job.total} chunks migrated, disk {self.done_status}")
            if root is not None:
                ctx.tm.finish(root)
        else:
            fallback = DiskStatus.BROKEN if self.task_type == "disk_repair" else DiskStatus.NORMAL
            ctx.cluster.set_status(disk, fallback, held=True)
            message = f"{job.failed} of {job.total} chunk migrations failed"
            ctx.log(self.task_type, f"disk {job.disk_id}: {message}")
            if root is not None:
                ctx.tm.finish(root, message)

    def on_abort(self, task: Task) -> None:
        if isinstance(task.work, MigrateWork):
            self.migrations.abort(task.work)
            return
        job = task.work
        if isinstance(job, DiskJob) and job.finished_at is None:
            job.aborting = True
            job.finished_at = self.ctx.now()
            self._walk_due = True
            disk = self.ctx.cluster.disks[job.disk_id]
            fallback = DiskStatus.BROKEN if self.task_type == "disk_repair" else DiskStatus.NORMAL
            self.ctx.cluster.set_status(disk, fallback, held=True)
            self.ctx.log(self.task_type, f"disk {job.disk_id}: {self.task_type} aborted")

    # -- restore and views ----------------------------------------------------------------------------------
    def restore(self, task: Task, payload: dict[str, Any] | None) -> None:
        if not payload:
            return
        if payload.get("kind") == "disk_job":
            job = DiskJob.from_json(payload)
            task.work = job
            self.jobs[job.disk_id] = job
            self._walk_due = True
        elif payload.get("kind") == "migrate":
            work = MigrateWork.from_json(payload)
            task.work = work
            self.migrations.add(work)

    def after_restore(self) -> None:
        """Disks that wait for a job: in the right status, not held, and without one running."""
        for disk in self.ctx.cluster.disks.values():
            wanted = DiskStatus.BROKEN if self.task_type == "disk_repair" else DiskStatus.DROPPING
            busy = disk.disk_id in self.jobs and self.jobs[disk.disk_id].finished_at is None
            if disk.status is wanted and not disk.held and not busy:
                self.pending.add(disk.disk_id)

    def _in_flight_bytes(self) -> dict[int, int]:
        """Bytes copied so far by this type's unfinished migrations, per source disk.

        Only tasks a worker has picked up (prepared, work completed) have copied anything, and they are few, so
        this walks those queues instead of every child of every job (50 000 lookups per snapshot on a big cluster).
        """
        done: dict[int, int] = {}
        queues = self.migrations.queues[self.task_type]
        for state in (MigrateState.PREPARED, MigrateState.WORK_COMPLETED):
            for work in queues[state].values():
                if work.done_size:
                    done[work.source_disk_id] = done.get(work.source_disk_id, 0) + work.done_size
        return done

    def _bytes_done(self, job: DiskJob, in_flight: dict[int, int]) -> int:
        if job.finished_at is not None:
            return job.bytes_finished
        return job.bytes_finished + in_flight.get(job.disk_id, 0)

    def views(self) -> list[DiskMigration]:
        """One DiskMigration per job; a job whose figures did not move since the last call gives the same object.

        Snapshots ask for these on every refresh; with thousands of disks repairing, rebuilding and validating
        each view (and scanning each job's whole rate history) was most of a delta snapshot's cost.
        """
        result = []
        in_flight = self._in_flight_bytes()
        cache, self._views = self._views, {}
        for disk_id, job in self.jobs.items():
            cached = cache.get(disk_id)
            if cached is not None and cached[0] is job:
                # A job whose counts did not move and whose rate had fallen to 0 still has rate 0 (its window holds
                # the same bytes throughout): its view stays without a look at its samples. With thousands of
                # disks queued behind the workers, that is most of them.
                migrated, done, rate, finished_at = cached[1]
                if (
                    rate == 0.0
                    and migrated == job.migrated
                    and finished_at == job.finished_at
                    and done == self._bytes_done(job, in_flight)
                ):
                    self._views[disk_id] = cached
                    result.append(cached[2])
                    continue
            rate = 0.0
            samples = job.samples
            if job.finished_at is None and len(samples) >= 2:
                last = samples[-1]
                horizon = last[0] - RATE_WINDOW_S
                first = samples[0]
                for sample in reversed(samples):  # the window is the newest few samples
                    if sample[0] < horizon:
                        break
                    first = sample
                if last[0] > first[0]:
                    rate = max(0.0, (last[1] - first[1]) / (last[0] - first[0]))
            key = (job.migrated, self._bytes_done(job, in_flight), rate, job.finished_at)
            if cached is not None and cached[0] is job and cached[1] == key:
                view = cached[2]
            else:
                view = construct(
                    DiskMigration,
                    disk_id=job.disk_id,
                    task_type=self.task_type,
                    host=job.host,
                    total_tasks_cnt=job.total,
                    migrated_tasks_cnt=job.migrated,
                    bytes_done=key[1],
                    bytes_total=job.bytes_total,
                    rate_bytes_per_s=rate,
                    started_at=job.started_at,
                    finished_at=job.finished_at,
                )
            self._views[disk_id] = (job, key, view)
            result.append(view)
        return result

    def migrating(self, disk_id: int) -> tuple[int, int]:
        job = self.jobs.get(disk_id)
        if job is None or job.finished_at is not None:
            raise NotMigrating(f"not {self.noun} disk")
        return job.total, job.migrated
