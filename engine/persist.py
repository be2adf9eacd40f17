"""Mapping the engine's live state to its store and back: one flush per turn, one load at open.

:class:`Persistence` is owned by the engine and given, explicitly, the parts of the live state it maps (the task
manager, the cluster, the per-minute statistics) and the store (any :class:`engine.store_protocol.EngineStore`);
the settings row set (seed, TTLs, switches, the handlers' own state…) is the engine's, passed to each flush.
Only what changed since the last flush is written (dirty disks, volumes, tasks, minute slots); a chunk's
placement and the state of the task that moved it always land in the same transaction. Loading rebuilds derived
state (chunks per disk, used and reserved bytes, queues) from the rows.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .errors import StoreError
from .jsontext import encode
from .model import CodeMode, DiskStatus
from .sim.cluster import Cluster, Disk, Host, Volume
from .sim.compact import Units
from .stats import SLOTS, StatsBook
from .store_protocol import Changes, EngineStore, TaskRow, VolumeRow
from .taskmanager import Task, TaskManager
from .tasks.migrate import MigrateWork

if TYPE_CHECKING:
    from .tasks.registry import TaskTypes


def load_cluster(store: EngineStore) -> Cluster:
    cluster = Cluster()
    for url, ip, idc, silent in store.load_hosts():
        cluster.hosts[url] = Host(url=url, ip=ip, idc=idc, silent=bool(silent))
    for disk_id, host, idc, capacity, base_used, status, held in store.load_disks():
        cluster.disks[disk_id] = Disk(
            disk_id, host, idc, capacity, base_used, DiskStatus(status), bool(held), used=base_used
        )
    cluster.reindex()
    for vid, mode, size, units, pending in store.load_volumes():
        volume = Volume(vid, CodeMode(mode), size, Units((int(v), int(d)) for v, d in units))
        volume.pending = {int(i): int(d) for i, d in pending.items()}
        cluster.volumes[vid] = volume
        for vuid, did in volume.units:
            disk = cluster.disks[did]
            disk.chunks.add(vuid)
            disk.used += size
        for did in volume.pending.values():
            cluster.disks[did].reserved += size
    return cluster


class Persistence:
    """The engine's live state to rows and back, through one store; see the module docstring."""

    def __init__(self, store: EngineStore, tm: TaskManager, cluster: Cluster, counters: StatsBook) -> None:
        self.store = store
        self.tm = tm
        self.cluster = cluster
        self.counters = counters
        self.uncommitted_removed: list[str] = []
        """Ids deleted by a flush inside a turn's transaction that has not committed yet."""
        self.last_prune_minute = 0
        """The minute slots are pruned once a minute."""

    def load(self, settings: Mapping[str, Any], task_types: TaskTypes) -> None:
        """Statistics and tasks (with their work) from a reopened store; the settings were applied already."""
        tm, store = self.tm, self.store
        unix = float(settings.get("sim_time", 0.0))
        for task_type, counter, minute, value in store.load_minute_stats(int(unix) // 60 - SLOTS):
            self.counters.ring(task_type, counter).set(minute, value)
        for task_type, error, count in store.load_error_stats():
            self.counters.error_book(task_type).counts[error] = count
        loaded: list[tuple[Task, dict[str, Any] | None]] = []
        work_heads: list[bool] = []
        for head, tail, work_head, work in store.load_tasks():
            if isinstance(work, list):  # a payload's tail: its head holds the rest
                if work_head is None:
                    raise StoreError(f"store {store.where}: task {head.get('id')} has a payload tail without its head")
                work = MigrateWork.stored_json(work_head, work)
            loaded.append((Task.from_stored(head, tail), work))
            work_heads.append(work_head is not None)
        tm.restore(task for task, _ in loaded)
        task_types.restore(loaded)
        for (task, _), has_head in zip(loaded, work_heads, strict=True):
            if isinstance(task.work, MigrateWork):
                task.work.head_stored = has_head
        tm.dirty.clear()

    def flush(self, settings: Mapping[str, object], unix: float) -> None:
        """Write everything that changed since the last flush, with ``settings``, in one transaction.

        ``unix`` is the simulated time of the flush: the minute slots older than the kept window are pruned once
        a minute.
        """
        tm, cluster = self.tm, self.cluster
        durable = self.store.durable
        if durable:
            changed, removed = tm.take_dirty()
        else:  # nothing of the tasks is written: no list of them (a million after a wave)
            changed, removed = [], list(tm.dirty_removed)
            tm.dirty.clear()
            tm.dirty_removed.clear()
        if self.store.in_transaction:  # inside a turn: known written only once the turn commits
            self.uncommitted_removed.extend(removed)
        task_rows = task_rows_of(changed) if changed and durable else ()
        if not durable:
            removed = []
        disk_rows = [cluster.disks[d].to_row() for d in cluster.dirty_disks if d in cluster.disks] if durable else []
        volume_rows: list[VolumeRow] = []
        for vid in cluster.dirty_volumes if durable else ():
            volume = cluster.volumes.get(vid)
            if volume is not None:
                units = json.dumps([[v, d] for v, d in volume.units])
                pending = json.dumps({str(i): d for i, d in volume.pending.items()})
                volume_rows.append((vid, int(volume.code_mode), volume.chunk_size, units, pending))
        cluster.dirty_disks.clear()
        cluster.dirty_volumes.clear()
        host_rows = []
        if cluster.hosts_dirty and durable:
            host_rows = [(h.url, h.ip, h.idc, int(h.silent)) for h in cluster.hosts.values()]
            cluster.hosts_dirty = False
        minutes, errors = self.counters.take_dirty()
        current_minute = int(unix) // 60
        prune = None
        if current_minute != self.last_prune_minute:
            self.last_prune_minute = current_minute
            prune = current_minute - SLOTS
        changes = Changes(
            settings=settings,
            hosts=host_rows,
            disks=disk_rows,
            volumes=volume_rows,
            tasks=task_rows,
            removed=removed,
            minutes=minutes,
            errors=errors,
            prune_before_minute=prune,
        )
        try:
            self.store.flush(changes)
        except StoreError:
            tm.dirty_removed.update(removed)
            self.mark_all_dirty()  # nothing of this turn reached the store: write everything next time
            raise

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """A turn's transaction; if it does not commit, everything is written again by the next flush.

        The flush inside already took the dirty sets, so a failed COMMIT (disk full, file gone read-only) would
        otherwise leave the store without this turn's changes for good, and removed tasks alive in it.
        """
        try:
            with self.store.transaction():
                yield
        except StoreError:
            self.tm.dirty_removed.update(self.uncommitted_removed)
            self.mark_all_dirty()
            raise
        finally:
            self.uncommitted_removed.clear()

    def mark_all_dirty(self) -> None:
        """Everything is written again by the next flush, heads included (the store may not have them)."""
        tm, cluster, counters = self.tm, self.cluster, self.counters
        tm.dirty.update(tm.tasks)
        for task in tm.tasks.values():
            task.stored = False
        cluster.dirty_disks.update(cluster.disks)
        cluster.dirty_volumes.update(cluster.volumes)
        cluster.hosts_dirty = True
        for (task_type, name), ring in counters.rings.items():
            counters.dirty.update((task_type, name, m) for m in ring.minutes if m >= 0)
        for task_type, book in counters.errors.items():
            counters.dirty_errors.update((task_type, kind) for kind in book.counts)


class _Flushing(Protocol):
    def flush(self) -> None: ...


def flush(engine: _Flushing) -> None:
    """``engine.flush()``: what the engine benchmark calls (its baseline engine had this function only)."""
    engine.flush()


def task_rows_of(changed: list[Task]) -> Iterator[TaskRow]:
    """The store rows of the changed tasks (see :data:`engine.store_protocol.TaskRow`), made as the store takes them.

    A generator rather than a list: the first flush of a 100 000-task cluster would otherwise hold all its JSON text
    at once, and the process keeps that memory long after the strings are gone. A task's head goes with its first
    row only (and again after a failed flush, see :meth:`Persistence.mark_all_dirty`).
    """
    for task in changed:
        payload = task.work
        work_head: str | None = None
        work: str | None
        if payload.__class__ is MigrateWork:  # the hot payload: a head once, then its tail
            if not (task.stored and payload.head_stored):
                work_head = payload.head_json()
                payload.head_stored = True
            work = payload.tail_json()
        else:
            to_json = getattr(payload, "to_json", None)
            work = encode(to_json()) if to_json is not None else None
        head: str | None = None
        if not task.stored or work_head is not None:
            head = task.head_json()
            task.stored = True
        yield task.order, task.id, task.module, task.parent_id, head, work_head, task.tail_json(), work
