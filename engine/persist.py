"""Mapping the engine's live state to the store and back: one flush per tick, one load at open.

Only what changed since the last flush is written (dirty disks, volumes, tasks, minute slots), plus the small
settings row set; a chunk's placement and the state of the task that moved it always land in the same
transaction. Loading rebuilds derived state (chunks per disk, used and reserved bytes, queues) from the rows.
"""

from __future__ import annotations

import json
import weakref
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from .errors import StoreError
from .jsontext import encode
from .model import CodeMode, DiskStatus
from .sim.cluster import Cluster, Disk, Host, Volume
from .sim.compact import Units
from .stats import SLOTS
from .store import Store
from .taskmanager import Task
from .tasks.migrate import MigrateWork

if TYPE_CHECKING:
    from .clock import Clock
    from .sim.demo import DemoFaults
    from .sim.faults import Faults
    from .stats import StatsBook
    from .taskmanager import TaskManager
    from .tasks.balance import Balance
    from .tasks.disk_migration import DiskMigrationType
    from .tasks.volume_inspect import VolumeInspect

HEADS_KEPT = 16_384
"""Cached JSON heads kept (see HeadCache): ~16 MB at most, enough for every task a busy tick rewrites."""


class _PersistedHandlers(Protocol):
    """The task handlers whose state persistence saves and restores."""

    @property
    def repair(self) -> DiskMigrationType: ...

    @property
    def drop(self) -> DiskMigrationType: ...

    @property
    def balance(self) -> Balance: ...

    @property
    def inspect(self) -> VolumeInspect: ...

    @property
    def by_module(self) -> dict[str, Any]: ...


class PersistedEngine(Protocol):
    """What persistence reads and writes of :class:`engine.engine.Engine`.

    A Protocol rather than Engine itself: engine.engine imports this module, and typing against Engine made the two
    import each other. Engine satisfies it (mypy checks that where Engine calls :func:`flush`).
    """

    _last_prune_minute: int  # written: the minute slots are pruned once a minute

    @property
    def tm(self) -> TaskManager: ...

    @property
    def cluster(self) -> Cluster: ...

    @property
    def store(self) -> Store: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def counters(self) -> StatsBook: ...

    @property
    def faults(self) -> Faults: ...

    @property
    def handlers(self) -> _PersistedHandlers: ...

    @property
    def demo(self) -> DemoFaults | None: ...

    @property
    def enabled(self) -> dict[str, bool]: ...

    @property
    def seed(self) -> int: ...

    @property
    def generation(self) -> int: ...

    @property
    def uncommitted_removed(self) -> list[str]: ...

    @property
    def json_heads(self) -> HeadCache: ...


def load_cluster(store: Store) -> Cluster:
    cluster = Cluster()
    for url, ip, idc, silent in store.hosts():
        cluster.hosts[url] = Host(url=url, ip=ip, idc=idc, silent=bool(silent))
    for disk_id, host, idc, capacity, base_used, status, held in store.disks():
        cluster.disks[disk_id] = Disk(
            disk_id, host, idc, capacity, base_used, DiskStatus(status), bool(held), used=base_used
        )
    cluster.reindex()
    for vid, mode, size, units, pending in store.volumes():
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


def load_state(engine: PersistedEngine, meta: dict[str, Any]) -> None:
    """Settings, statistics and tasks (with their work) from a reopened store."""
    tm = engine.tm
    if "task_ttl" in meta:
        tm.task_ttl = int(meta["task_ttl"])
    if "user_task_ttl" in meta:
        tm.user_task_ttl = int(meta["user_task_ttl"])
    tm.sequence = {k: int(v) for k, v in meta.get("sequence", {}).items()}
    tm.revision = int(meta.get("revision", 0))  # revisions keep growing across restarts
    engine.enabled.update({k: bool(v) for k, v in meta.get("enabled", {}).items()})
    engine.faults.fail_next = {k: int(v) for k, v in meta.get("fail_next", {}).items()}
    engine.handlers.balance.load_state(meta.get("balance", {}))
    engine.handlers.inspect.load_state(meta.get("volume_inspect", {}))
    unix = float(meta.get("sim_time", 0.0))
    for task_type, counter, minute, value in engine.store.minute_stats(int(unix) // 60 - SLOTS):
        engine.counters.ring(task_type, counter).set(minute, value)
    for task_type, error, count in engine.store.error_stats():
        engine.counters.error_book(task_type).counts[error] = count
    loaded: list[tuple[Task, dict[str, Any] | None]] = []
    for record, work in engine.store.tasks():
        loaded.append((Task.from_record(record), work))
    tm.restore(task for task, _ in loaded)
    for task, payload in loaded:
        handler = engine.handlers.by_module.get(task.module)
        if handler is not None:
            handler.restore(task, payload)
    engine.handlers.repair.after_restore()
    engine.handlers.drop.after_restore()
    tm.dirty.clear()


def flush(engine: PersistedEngine) -> None:
    """Write everything that changed since the last flush, in one transaction."""
    tm, cluster = engine.tm, engine.cluster
    changed, removed = tm.take_dirty()
    if engine.store.connection.in_transaction:  # inside a tick: known written only once the tick commits
        engine.uncommitted_removed.extend(removed)
    task_rows = engine.json_heads.rows(changed) if changed else ()
    disk_rows = [cluster.disks[d].to_row() for d in cluster.dirty_disks if d in cluster.disks]
    volume_rows = []
    for vid in cluster.dirty_volumes:
        volume = cluster.volumes.get(vid)
        if volume is not None:
            units = json.dumps([[v, d] for v, d in volume.units])
            pending = json.dumps({str(i): d for i, d in volume.pending.items()})
            volume_rows.append((vid, int(volume.code_mode), volume.chunk_size, units, pending))
    cluster.dirty_disks.clear()
    cluster.dirty_volumes.clear()
    host_rows = []
    if cluster.hosts_dirty:
        host_rows = [(h.url, h.ip, h.idc, int(h.silent)) for h in cluster.hosts.values()]
        cluster.hosts_dirty = False
    minutes, errors = engine.counters.take_dirty()
    unix = engine.clock.now().timestamp()
    current_minute = int(unix) // 60
    prune = None
    if current_minute != engine._last_prune_minute:
        engine._last_prune_minute = current_minute
        prune = current_minute - SLOTS
    meta: dict[str, Any] = {
        "seed": engine.seed,
        "generation": engine.generation,
        "sim_time": unix,
        "task_ttl": tm.task_ttl,
        "user_task_ttl": tm.user_task_ttl,
        "sequence": tm.sequence,
        "revision": tm.revision,
        "enabled": engine.enabled,
        "fail_next": engine.faults.fail_next,
        "balance": engine.handlers.balance.state(),
        "volume_inspect": engine.handlers.inspect.state(),
    }
    if engine.demo is not None:
        meta["demo"] = engine.demo.state()
    try:
        engine.store.write(
            meta=meta,
            hosts=host_rows,
            disks=disk_rows,
            volumes=volume_rows,
            tasks=task_rows,
            removed=removed,
            minutes=minutes,
            errors=errors,
            prune_before_minute=prune,
        )
    except StoreError:
        engine.tm.dirty_removed.update(removed)
        mark_all_dirty(engine)  # nothing of this tick reached the file: write everything next time
        raise


class HeadCache:
    """Bounds the JSON heads that tasks and payloads cache (``Task.record_json``, ``MigrateWork.json_text``).

    A head (~0.5 KB) pays off for what is written again and again — running tasks, migrations in flight — but a
    100 000-task cluster is mostly queued tasks written once, whose heads would cost ~90 MB. So only the
    ``limit`` most recently cached heads are kept; an older one is dropped and simply encoded again if needed.
    The holders are weak references, so a task that is gone is not kept alive by this cache.
    """

    def __init__(self, limit: int = HEADS_KEPT) -> None:
        self.limit = limit
        self.holders: deque[weakref.ref[Any]] = deque()

    def rows(self, changed: list[Task]) -> Iterator[tuple[str, str, str | None, str, str | None]]:
        """The store rows of the changed tasks, made one at a time as SQLite takes them.

        A generator rather than a list: the first flush of a 100 000-task cluster would otherwise hold ~110 MB of
        JSON text at once, and the process keeps that memory long after the strings are gone.
        """
        hold, ref = self.holders.append, weakref.ref
        for task in changed:
            payload = task.work
            work: str | None
            if payload.__class__ is MigrateWork:  # the hot payload assembles its own JSON text
                if not payload.json_head:
                    hold(ref(payload))
                work = payload.json_text()
            else:
                to_json = getattr(payload, "to_json", None)
                work = encode(to_json()) if to_json is not None else None
            if not task.json_head:
                hold(ref(task))
            yield task.id, task.module, task.parent_id, task.record_json(), work
        holders = self.holders
        while len(holders) > self.limit:
            holder = holders.popleft()()
            if holder is not None:
                holder.json_head = ""


def mark_all_dirty(engine: PersistedEngine) -> None:
    engine.tm.dirty.update(engine.tm.tasks)
    engine.cluster.dirty_disks.update(engine.cluster.disks)
    engine.cluster.dirty_volumes.update(engine.cluster.volumes)
    engine.cluster.hosts_dirty = True
    for (task_type, name), ring in engine.counters.rings.items():
        engine.counters.dirty.update((task_type, name, m) for m in ring.minutes if m >= 0)
    for task_type, book in engine.counters.errors.items():
        engine.counters.dirty_errors.update((task_type, kind) for kind in book.counts)
