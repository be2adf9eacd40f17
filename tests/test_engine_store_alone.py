"""The engine's store on its own: the SQLite :class:`engine.store.Store` through the :class:`EngineStore` interface,
and :class:`engine.persist.Persistence` over a store that is not SQLite at all — no Engine in sight."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.errors import StoreError
from engine.persist import Persistence, load_cluster
from engine.sim.cluster import Cluster, ClusterShape
from engine.stats import StatsBook
from engine.store import Store
from engine.store_protocol import (
    Changes,
    DiskRow,
    EngineStore,
    ErrorRow,
    HostRow,
    MinuteRow,
    StoredTask,
    StoredVolume,
    TaskRow,
)
from engine.taskmanager import TaskManager

HOST: HostRow = ("http://10.0.0.1:8889", "10.0.0.1", "z0", 0)
DISK: DiskRow = (100, HOST[0], "z0", 1000, 10, "normal", 0)
TASK: TaskRow = (1, "t-1", "balance", None, json.dumps({"id": "t-1"}), None, "[1]", json.dumps({"kind": "x", "n": 1}))
CHILD: TaskRow = (2, "t-2", "balance", "t-1", json.dumps({"id": "t-2"}), json.dumps({"w": 0}), "[2]", "[5]")


def opened(path: Path | None) -> EngineStore:
    store: EngineStore = Store.open(path)  # the SQLite store is an EngineStore
    return store


def test_a_fresh_store_is_empty_and_says_where_it_is(tmp_path: Path) -> None:
    store = opened(tmp_path / "s.db")
    try:
        assert store.is_empty()
        assert store.load_settings() == {}
        assert store.where == str(tmp_path / "s.db")
        assert not store.in_transaction
    finally:
        store.close()
    memory = opened(None)
    assert memory.where == ":memory:"
    memory.close()


def test_flushed_rows_load_back_after_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = opened(path)
    volume = (7, 1, 64, json.dumps([[7 << 32, 100]]), json.dumps({"1": 100}))
    store.flush(
        Changes(
            settings={"seed": 3, "enabled": {"balance": True}},
            hosts=[HOST],
            disks=[DISK],
            volumes=[volume],
            tasks=(row for row in (TASK, CHILD)),  # lazy rows are fine
            minutes=[("balance", "finished", 100, 4), ("balance", "finished", 90, 1)],
            errors=[("balance", "boom", 2)],
        )
    )
    store.close()

    again = opened(path)
    try:
        assert not again.is_empty()
        assert again.load_settings() == {"seed": 3, "enabled": {"balance": True}}
        assert again.load_hosts() == [HOST]
        assert again.load_disks() == [DISK]
        loaded: list[StoredVolume] = again.load_volumes()
        assert loaded == [(7, 1, 64, [[7 << 32, 100]], {"1": 100})]
        tasks: list[StoredTask] = list(again.load_tasks())
        assert tasks == [({"id": "t-1"}, [1], None, {"kind": "x", "n": 1}), ({"id": "t-2"}, [2], {"w": 0}, [5])]
        minutes: list[MinuteRow] = again.load_minute_stats(95)
        assert minutes == [("balance", "finished", 100, 4)]
        errors: list[ErrorRow] = again.load_error_stats()
        assert errors == [("balance", "boom", 2)]
    finally:
        again.close()


def test_a_flush_updates_rows_in_place_and_deletes_removed_tasks() -> None:
    store = opened(None)
    try:
        store.flush(Changes(settings={}, hosts=[HOST], disks=[DISK], tasks=[TASK, CHILD]))
        store.flush(
            Changes(
                settings={"seed": 1},
                hosts=[(HOST[0], HOST[1], HOST[2], 1)],
                disks=[(100, HOST[0], "z0", 1000, 20, "broken", 1)],
                tasks=[(1, "t-1", "balance", None, None, None, "[3]", None)],  # the head is stored already
                removed=["t-2"],
                errors=[("balance", "boom", 3)],
            )
        )
        assert store.load_hosts() == [(HOST[0], HOST[1], HOST[2], 1)]
        assert store.load_disks() == [(100, HOST[0], "z0", 1000, 20, "broken", 1)]
        assert list(store.load_tasks()) == [({"id": "t-1"}, [3], None, None)]
        assert store.load_error_stats() == [("balance", "boom", 3)]
    finally:
        store.close()


def test_prune_drops_old_minutes_alone_or_with_a_flush() -> None:
    store = opened(None)
    try:
        rows = [("balance", "finished", minute, 1) for minute in (10, 20, 30, 40)]
        store.flush(Changes(settings={}, minutes=rows))
        store.prune(20)
        assert sorted(m for _, _, m, _ in store.load_minute_stats(0)) == [20, 30, 40]
        store.flush(Changes(settings={}, prune_before_minute=35))
        assert [m for _, _, m, _ in store.load_minute_stats(0)] == [40]
    finally:
        store.close()


def test_a_flush_inside_a_transaction_that_fails_leaves_nothing_behind() -> None:
    store = opened(None)
    try:
        with pytest.raises(RuntimeError), store.transaction():
            assert store.in_transaction
            store.flush(Changes(settings={"seed": 9}, disks=[DISK]))
            raise RuntimeError("the turn failed half-way")
        assert not store.in_transaction
        assert store.is_empty()
        assert store.load_settings() == {}
    finally:
        store.close()


def test_one_file_one_store_until_it_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    first = opened(path)
    with pytest.raises(StoreError, match="another schedtop engine"):
        Store.open(path)
    first.close()
    second = opened(path)
    second.close()


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not SQLite" * 100)
    with pytest.raises(StoreError, match="not a valid SQLite database"):
        Store.open(path)


class DictStore:
    """An EngineStore with no database at all: what another backend (PostgreSQL) has to provide."""

    def __init__(self) -> None:
        self.settings: dict[str, Any] = {}
        self.hosts: dict[str, HostRow] = {}
        self.disks: dict[int, DiskRow] = {}
        self.volumes: dict[int, tuple[int, int, int, str, str]] = {}
        self.keys: dict[str, int] = {}
        self.tasks: dict[int, tuple[str, str | None, str, str | None]] = {}
        """key → head, work head, tail, work (a head is written once: later rows carry none)."""
        self.minutes: dict[tuple[str, str, int], int] = {}
        self.errors: dict[tuple[str, str], int] = {}
        self.in_transaction = False
        self.where = "dict"
        self.durable = True
        self.flushes: list[Changes] = []

    @contextlib.contextmanager
    def transaction(self) -> Iterator[object]:
        self.in_transaction = True
        try:
            yield self
        finally:
            self.in_transaction = False

    def is_empty(self) -> bool:
        return not self.disks

    def load_settings(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.settings))

    def load_hosts(self) -> list[HostRow]:
        return list(self.hosts.values())

    def load_disks(self) -> list[DiskRow]:
        return sorted(self.disks.values())

    def load_volumes(self) -> list[StoredVolume]:
        return [(v, m, s, json.loads(u), json.loads(p)) for v, m, s, u, p in sorted(self.volumes.values())]

    def load_tasks(self) -> Iterator[StoredTask]:
        for head, work_head, tail, work in sorted(self.tasks.values()):
            yield (
                json.loads(head),
                json.loads(tail),
                json.loads(work_head) if work_head else None,
                (json.loads(work) if work else None),
            )

    def load_minute_stats(self, oldest_minute: int) -> list[MinuteRow]:
        return [(t, c, m, v) for (t, c, m), v in self.minutes.items() if m >= oldest_minute]

    def load_error_stats(self) -> list[ErrorRow]:
        return [(t, e, n) for (t, e), n in self.errors.items()]

    def flush(self, changes: Changes) -> None:
        self.flushes.append(changes)
        self.settings.update(json.loads(json.dumps(changes.settings)))
        self.hosts.update((row[0], row) for row in changes.hosts)
        self.disks.update((row[0], row) for row in changes.disks)
        self.volumes.update((row[0], row) for row in changes.volumes)
        for key, task_id, _, _, head, work_head, tail, work in changes.tasks:
            stored_head, stored_work_head = self.tasks[key][:2] if head is None else (head, work_head)
            self.keys[task_id] = key
            self.tasks[key] = (stored_head, stored_work_head, tail, work)
        for task_id in changes.removed:
            self.tasks.pop(self.keys.pop(task_id, -1), None)
        self.minutes.update(((t, c, m), v) for t, c, m, v in changes.minutes)
        self.errors.update(((t, e), n) for t, e, n in changes.errors)
        if changes.prune_before_minute is not None:
            self.prune(changes.prune_before_minute)

    def prune(self, before_minute: int) -> None:
        self.minutes = {k: v for k, v in self.minutes.items() if k[2] >= before_minute}

    def close(self) -> None:
        pass


def live_state(cluster: Cluster | None = None) -> tuple[TaskManager, Cluster, StatsBook]:
    rng = random.Random(5)
    tm = TaskManager(rng, lambda: datetime(2026, 1, 1, tzinfo=UTC))
    tm.register_module("balance")
    return tm, cluster or Cluster.generate(rng, ClusterShape()), StatsBook()


def test_persistence_writes_only_what_changed_and_prunes_once_a_minute() -> None:
    store = DictStore()
    tm, cluster, counters = live_state()
    persistence = Persistence(store, tm, cluster, counters)
    persistence.mark_all_dirty()  # a first flush writes everything
    persistence.flush({"seed": 5}, unix=600.0)
    first = store.flushes[-1]
    assert len(first.disks) == len(cluster.disks) and len(first.volumes) == len(cluster.volumes)
    assert first.prune_before_minute is not None
    task = tm.create("balance", "balance", "cluster")
    counters.add("balance", "finished", 610.0)
    persistence.flush({"seed": 5}, unix=610.0)  # the same minute: no prune
    second = store.flushes[-1]
    assert (second.disks, second.volumes, second.prune_before_minute) == ([], [], None)
    assert list(store.keys) == [task.id]
    assert store.minutes == {("balance", "finished", 10): 1}
    persistence.flush({"seed": 5}, unix=700.0)
    assert store.flushes[-1].prune_before_minute == 700 // 60 - 20


def test_persistence_reloads_the_live_state_from_any_store() -> None:
    store = DictStore()
    tm, cluster, counters = live_state()
    persistence = Persistence(store, tm, cluster, counters)
    persistence.mark_all_dirty()
    task = tm.create("balance", "balance", "cluster")
    counters.add("balance", "finished", 610.0, 3)
    persistence.flush({"sim_time": 615.0}, unix=615.0)

    reloaded = load_cluster(store)
    assert sorted(reloaded.disks) == sorted(cluster.disks)
    assert {d: len(disk.chunks) for d, disk in reloaded.disks.items()} == {
        d: len(disk.chunks) for d, disk in cluster.disks.items()
    }
    tm2, _, counters2 = live_state(reloaded)

    class NoTypes:  # the task types' restore hook, with no task type to restore into
        restored: list[str] = []

        def restore(self, loaded: list[tuple[Any, Any]]) -> None:
            self.restored.extend(t.id for t, _ in loaded)

    types = NoTypes()
    Persistence(store, tm2, reloaded, counters2).load(store.load_settings(), types)  # type: ignore[arg-type]
    assert types.restored == [task.id] and task.id in tm2.tasks
    assert counters2.ring("balance", "finished").value(10) == 3


def test_a_failed_flush_marks_everything_dirty_for_the_next_one() -> None:
    class Failing(DictStore):
        def flush(self, changes: Changes) -> None:
            list(changes.tasks)
            raise StoreError("disk full")

    store = Failing()
    tm, cluster, counters = live_state()
    persistence = Persistence(store, tm, cluster, counters)
    task = tm.create("balance", "balance", "cluster")
    with pytest.raises(StoreError):
        persistence.flush({}, unix=60.0)
    assert task.id in tm.dirty and cluster.dirty_disks == set(cluster.disks) and cluster.hosts_dirty
