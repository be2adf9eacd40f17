"""The engine's SQLite store (WAL): cluster placement, tasks with their work, settings and per-minute history.

The engine flushes what changed in one transaction per tick, so a kill -9 loses at most the last tick and never
leaves half of one: a chunk's new placement and its task's ``finished`` state are written together. Opening a
store loads everything back. ``connection`` and ``flush_hooks`` let the supervisor keep its own tables in the
same file and write them inside the same per-tick transaction.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from .errors import StoreError
from .store_protocol import (
    MIGRATE_TAIL_FIELDS,
    TASK_TAIL_FIELDS,
    Changes,
    DiskRow,
    ErrorRow,
    HostRow,
    MinuteRow,
    StoredTask,
    StoredVolume,
    TaskRow,
)

SCHEMA_VERSION = 2
"""2: a task is a head row written once and a tail row rewritten by each flush (1: one JSON record per task)."""
TASK_BATCH = 2_000
"""Task rows taken from the (lazy) rows of a flush at a time: heads and tails go to two tables."""
WAL_CHECKPOINT_PAGES = 10_000
WAL_SIZE_LIMIT = 64 * 1024 * 1024
"""Bytes the WAL file is truncated back to after a checkpoint."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS engine_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hosts (url TEXT PRIMARY KEY, ip TEXT NOT NULL, idc TEXT NOT NULL,
    silent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS disks (disk_id INTEGER PRIMARY KEY, host TEXT NOT NULL, idc TEXT NOT NULL,
    capacity INTEGER NOT NULL, base_used INTEGER NOT NULL, status TEXT NOT NULL, held INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS volumes (vid INTEGER PRIMARY KEY, code_mode INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL, units TEXT NOT NULL, pending TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS task_heads (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, module TEXT NOT NULL,
    parent_id TEXT, head TEXT NOT NULL, work_head TEXT);
CREATE TABLE IF NOT EXISTS task_tails (key INTEGER PRIMARY KEY, tail TEXT, work TEXT);
CREATE TABLE IF NOT EXISTS minute_stats (task_type TEXT NOT NULL, counter TEXT NOT NULL, minute INTEGER NOT NULL,
    value INTEGER NOT NULL, PRIMARY KEY (task_type, counter, minute));
CREATE TABLE IF NOT EXISTS error_stats (task_type TEXT NOT NULL, error TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (task_type, error));
"""


def _set_fields(document: str, array: str, fields: tuple[str, ...]) -> str:
    return f"json_set({document}, " + ", ".join(f"'$.{f}', json({array} -> {i})" for i, f in enumerate(fields)) + ")"


TASKS_VIEW = f"""
CREATE VIEW tasks AS SELECT h.id AS id, h.module AS module, h.parent_id AS parent_id,
    CASE WHEN t.tail IS NULL THEN h.head ELSE {_set_fields("h.head", "t.tail", TASK_TAIL_FIELDS)} END AS record,
    CASE WHEN json_type(t.work) = 'array' THEN {_set_fields("h.work_head", "t.work", MIGRATE_TAIL_FIELDS)}
        ELSE t.work END AS work
FROM task_heads h LEFT JOIN task_tails t USING (key)
"""
"""Each task as one record (and its work) with the tail's fields set, as schema 1 stored it: for people reading a
store with ``sqlite3`` (``SELECT id, record ->> 'state' FROM tasks``), not for the engine."""

FlushHook = Callable[[sqlite3.Connection], None]


class Store:
    """One SQLite connection, owned by the engine; every write happens inside :meth:`transaction`.

    Implements :class:`engine.store_protocol.EngineStore` (the engine's side needs nothing else); ``connection``
    and ``flush_hooks`` are the SQLite-specific extras the embedded supervisor uses.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path | None, lock: int | None = None) -> None:
        self.connection = connection
        self.path = path
        self.flush_hooks: list[FlushHook] = []
        self._lock = lock

    @property
    def durable(self) -> bool:
        return self.path is not None

    @classmethod
    def open(cls, path: Path | str | None) -> Store:
        """Open (or create) the store; a corrupt, unreadable or unwritable file raises StoreError."""
        target = Path(path) if path is not None else None
        where = str(target) if target else ":memory:"
        if target is not None and target.is_dir():
            raise StoreError(f"cannot open store {target}: it is a directory")
        lock = _lock(target) if target is not None else None
        try:
            connection = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            _unlock(lock)
            raise StoreError(f"cannot open store {where}: {error}") from None
        try:
            if target is not None:
                mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StoreError(f"cannot open store {where}: WAL journal mode is unavailable ({mode})")
            connection.execute("PRAGMA synchronous=NORMAL")
            # Checkpoint every ~40 MB of WAL rather than every 4 MB: a busy engine rewrites the same pages tick after
            # tick, and each page then reaches the database file once per checkpoint (7 % of a heavy tick's cost).
            connection.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
            connection.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            connection.execute("PRAGMA busy_timeout=2000")
            check = connection.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                detail = " ".join(str(check).replace("*** in database main ***", "").split())
                raise StoreError(f"store {where} is corrupt: {detail[:300]}")
            connection.execute("BEGIN IMMEDIATE")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            _upgrade_tasks(connection)
            connection.execute("DROP VIEW IF EXISTS tasks")
            connection.execute(TASKS_VIEW)
            connection.execute(
                "INSERT INTO engine_meta (key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )
            connection.execute("COMMIT")
        except StoreError:
            connection.close()
            _unlock(lock)
            raise
        except sqlite3.Error as error:
            connection.close()
            _unlock(lock)
            reason = str(error)
            if "not a database" in reason or "malformed" in reason:
                reason = f"the file is not a valid SQLite database ({reason})"
            elif "readonly" in reason or "read-only" in reason or "unable to open" in reason:
                reason = f"the file or its directory is not writable ({reason})"
            raise StoreError(f"cannot open store {where}: {reason}") from None
        return cls(connection, target, lock)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction (BEGIN IMMEDIATE … COMMIT); joins the enclosing one when already inside it."""
        c = self.connection
        if c.in_transaction:
            yield c
            return
        try:
            c.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise StoreError(f"cannot write store {self.path or ':memory:'}: {error}") from None
        try:
            yield c
            c.execute("COMMIT")
        except sqlite3.Error as error:
            with contextlib.suppress(sqlite3.Error):
                c.execute("ROLLBACK")
            raise StoreError(f"cannot write store {self.path or ':memory:'}: {error}") from None
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                c.execute("ROLLBACK")
            raise

    def commit(self) -> None:
        """Commit a transaction someone left open (a no-op in autocommit mode, between ticks)."""
        if self.connection.in_transaction:
            self.connection.execute("COMMIT")

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.connection.close()
        _unlock(self._lock)
        self._lock = None

    @property
    def where(self) -> str:
        return str(self.path) if self.path is not None else ":memory:"

    @property
    def in_transaction(self) -> bool:
        return self.connection.in_transaction

    # -- reading --------------------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        return bool(self.connection.execute("SELECT COUNT(*) FROM disks").fetchone()[0] == 0)

    def load_settings(self) -> dict[str, Any]:
        rows = self.connection.execute("SELECT key, value FROM engine_meta").fetchall()
        return {key: json.loads(value) for key, value in rows if key != "schema_version"}

    def load_hosts(self) -> list[HostRow]:
        return self.connection.execute("SELECT url, ip, idc, silent FROM hosts").fetchall()

    def load_disks(self) -> list[DiskRow]:
        return self.connection.execute(
            "SELECT disk_id, host, idc, capacity, base_used, status, held FROM disks ORDER BY disk_id"
        ).fetchall()

    def load_volumes(self) -> list[StoredVolume]:
        rows = self.connection.execute("SELECT vid, code_mode, chunk_size, units, pending FROM volumes ORDER BY vid")
        return [(vid, mode, size, json.loads(units), json.loads(pending)) for vid, mode, size, units, pending in rows]

    def load_tasks(self) -> Iterator[StoredTask]:
        """Task heads and tails in creation order (parents before children)."""
        rows = self.connection.execute(
            "SELECT h.head, t.tail, h.work_head, t.work FROM task_heads h LEFT JOIN task_tails t USING (key) "
            "ORDER BY key"
        )
        loads = json.loads
        for head, tail, work_head, work in rows:
            yield (
                loads(head),
                loads(tail) if tail else None,
                loads(work_head) if work_head else None,
                loads(work) if work else None,
            )

    def load_minute_stats(self, oldest_minute: int) -> list[MinuteRow]:
        return self.connection.execute(
            "SELECT task_type, counter, minute, value FROM minute_stats WHERE minute >= ?", (oldest_minute,)
        ).fetchall()

    def load_error_stats(self) -> list[ErrorRow]:
        return self.connection.execute("SELECT task_type, error, count FROM error_stats").fetchall()

    # -- writing --------------------------------------------------------------------------------------------
    def flush(self, changes: Changes) -> None:
        """Write one turn's changes in one transaction (with the flush hooks inside it); ``tasks`` may be lazy."""
        with self.transaction() as c:
            c.executemany(
                "INSERT INTO engine_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [(k, json.dumps(v)) for k, v in changes.settings.items()],
            )
            if changes.hosts:
                c.executemany(
                    "INSERT INTO hosts VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET silent = excluded.silent",
                    changes.hosts,
                )
            if changes.disks:
                c.executemany(
                    "INSERT INTO disks VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(disk_id) DO UPDATE SET "
                    "base_used = excluded.base_used, status = excluded.status, held = excluded.held",
                    changes.disks,
                )
            if changes.volumes:
                c.executemany(
                    "INSERT INTO volumes VALUES (?, ?, ?, ?, ?) ON CONFLICT(vid) DO UPDATE SET "
                    "units = excluded.units, pending = excluded.pending",
                    changes.volumes,
                )
            self._write_tasks(c, changes.tasks)
            if changes.removed:
                gone = [(i,) for i in changes.removed]
                c.executemany("DELETE FROM task_tails WHERE key = (SELECT key FROM task_heads WHERE id = ?)", gone)
                c.executemany("DELETE FROM task_heads WHERE id = ?", gone)
            if changes.minutes:
                c.executemany(
                    "INSERT INTO minute_stats VALUES (?, ?, ?, ?) ON CONFLICT(task_type, counter, minute) "
                    "DO UPDATE SET value = excluded.value",
                    changes.minutes,
                )
            if changes.errors:
                c.executemany(
                    "INSERT INTO error_stats VALUES (?, ?, ?) ON CONFLICT(task_type, error) "
                    "DO UPDATE SET count = excluded.count",
                    changes.errors,
                )
            if changes.prune_before_minute is not None:
                self.prune(changes.prune_before_minute)
            for hook in self.flush_hooks:
                hook(c)

    @staticmethod
    def _write_tasks(c: sqlite3.Connection, tasks: Iterable[TaskRow]) -> None:
        """Heads (new tasks only) and tails, a batch at a time: ``tasks`` may be a generator of 100 000 rows."""
        rows = iter(tasks)
        while batch := list(islice(rows, TASK_BATCH)):
            heads = [(k, i, m, p, h, w) for k, i, m, p, h, w, _, _ in batch if h is not None]
            if heads:
                c.executemany(
                    "INSERT INTO task_heads VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                    "work_head = excluded.work_head",
                    heads,
                )
            c.executemany(
                "INSERT INTO task_tails VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "tail = excluded.tail, work = excluded.work",
                [(row[0], row[6], row[7]) for row in batch],
            )

    def prune(self, before_minute: int) -> None:
        """Drop the minute rows older than ``before_minute`` (joins the enclosing transaction)."""
        with self.transaction() as c:
            c.execute("DELETE FROM minute_stats WHERE minute < ?", (before_minute,))


def _upgrade_tasks(connection: sqlite3.Connection) -> None:
    """A schema 1 store's tasks (one JSON record each) become heads holding the whole record, with no tail yet.

    The loader reads a head without a tail as a whole record; the first flush that changes such a task writes its
    tail, whose fields then win over the record's. Keyed by the record's creation order, as new tasks are.
    """
    old = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'tasks'").fetchone()
    if old is None:
        return
    connection.execute(
        "INSERT INTO task_heads (key, id, module, parent_id, head, work_head) "
        "SELECT json_extract(record, '$.order'), id, module, parent_id, record, NULL FROM tasks ORDER BY rowid"
    )
    connection.execute(
        "INSERT INTO task_tails (key, tail, work) SELECT json_extract(record, '$.order'), NULL, work FROM tasks"
    )
    connection.execute("DROP TABLE tasks")


def _lock(target: Path) -> int:
    """Hold ``<store>.lock`` so that a second engine on the same file fails clearly (released on any exit)."""
    lock_path = target.with_name(target.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise StoreError(f"cannot open store {target}: {error.strerror} ({lock_path})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreError(f"cannot open store {target}: another schedtop engine is using it") from None
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
