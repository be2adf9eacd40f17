"""The interface between the engine and the database that keeps its state: :class:`EngineStore`, and its rows.

The engine (through :class:`engine.persist.Persistence`) turns its live state into the plain rows declared here and
hands them over explicitly; a store never reads engine attributes. Rows hold only numbers, text and JSON text, and
the protocol names no driver type, so that a server database (PostgreSQL) can stand behind it as well as the
SQLite file of :class:`engine.store.Store`:

- ``open`` (a class method of the implementation, see :class:`StoreOpener`) creates or checks the schema;
- the ``load_*`` methods read everything back when an engine reopens a store;
- :meth:`EngineStore.flush` writes one turn's :class:`Changes`, in one transaction (joining the turn's own
  :meth:`EngineStore.transaction` when inside it); :meth:`EngineStore.prune` drops old minute rows;
- :meth:`EngineStore.close` releases the database (and the single-writer lock).

Any failure to read or write is an :class:`engine.errors.StoreError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

TASK_TAIL_FIELDS = (
    "state",
    "start_time",
    "end_time",
    "error",
    "progress_total",
    "progress_completed",
    "failed_descendant",
    "folded",
    "expires_at",
)
"""A task's changing fields, in the order of its tail array (see :data:`TaskRow`)."""
MIGRATE_TAIL_FIELDS = (
    "state",
    "mtime",
    "tm_id",
    "dest_disk_id",
    "dest_host",
    "dest_vuid",
    "done_size",
    "worker_redo_cnt",
    "finish_advance_reason",
    "finish_left",
    "last_error",
)
"""A migrate payload's changing fields, in the order of its tail array."""

HostRow = tuple[str, str, str, int]
"""url, ip, idc, silent (0 or 1)."""
DiskRow = tuple[int, str, str, int, int, str, int]
"""disk_id, host, idc, capacity, base_used, status, held (0 or 1)."""
VolumeRow = tuple[int, int, int, str, str]
"""vid, code_mode, chunk_size, units (JSON ``[[vuid, disk_id], …]``), pending (JSON ``{index: disk_id}``)."""
StoredVolume = tuple[int, int, int, list[list[int]], dict[str, int]]
"""A volume row as loaded: its units and pending placements parsed."""
TaskRow = tuple[int, str, str, str | None, str | None, str | None, str, str | None]
"""key (the task's creation order), id, module, parent_id, head (JSON object of the fields fixed at creation, or
None when the store has it already), work head (JSON object or None), tail (JSON array of the changing fields),
work (JSON: an array, the tail of a payload with a head; an object, a whole payload; or None).

A task is two rows (issue 12, a columnar split): its head, written once, and its tail, rewritten by every flush
that changed it — a fifth of the bytes of a whole record, and the bytes written were half a flush's cost."""
StoredTask = tuple[dict[str, Any], list[Any] | None, dict[str, Any] | None, list[Any] | dict[str, Any] | None]
"""A task as loaded, parsed: head, tail (None: the head is a whole record), work head, work."""
MinuteRow = tuple[str, str, int, int]
"""task_type, counter, minute (unix minute), value."""
ErrorRow = tuple[str, str, int]
"""task_type, error, count."""


@dataclass(slots=True)
class Changes:
    """What one flush writes: the settings (each value JSON-serialisable) and the rows that changed.

    ``tasks`` may be lazy (a generator): rows are made as the database takes them.
    """

    settings: Mapping[str, object]
    hosts: Sequence[HostRow] = ()
    disks: Sequence[DiskRow] = ()
    volumes: Sequence[VolumeRow] = ()
    tasks: Iterable[TaskRow] = ()
    removed: Sequence[str] = ()
    """Ids of the tasks to delete (head and tail)."""
    minutes: Sequence[MinuteRow] = ()
    errors: Sequence[ErrorRow] = ()
    prune_before_minute: int | None = None
    """When set, minute rows older than this minute are pruned in the same transaction."""


class EngineStore(Protocol):
    """A database holding one engine's state; see the module docstring."""

    @property
    def where(self) -> str:
        """Where the data lives, for messages (a path, ``:memory:``, a server address)."""
        ...

    @property
    def durable(self) -> bool:
        """What is written outlives the process (a file, a server). An in-memory store is not: the cluster's
        rows (tasks, disks, volumes, hosts) would only ever be read back by a restart that cannot happen, so they
        are not written to it — at 100 000 tasks that was 2.8 s of the start-up and ~150 MiB."""
        ...

    @property
    def in_transaction(self) -> bool:
        """Inside :meth:`transaction` (what a flush writes is durable only once that commits)."""
        ...

    def transaction(self) -> AbstractContextManager[object]:
        """One transaction; a flush inside it joins it. A failed commit raises StoreError."""
        ...

    def is_empty(self) -> bool: ...

    def load_settings(self) -> dict[str, Any]: ...

    def load_hosts(self) -> list[HostRow]: ...

    def load_disks(self) -> list[DiskRow]: ...

    def load_volumes(self) -> list[StoredVolume]: ...

    def load_tasks(self) -> Iterator[StoredTask]:
        """Tasks in insertion order (parents before children)."""
        ...

    def load_minute_stats(self, oldest_minute: int) -> list[MinuteRow]: ...

    def load_error_stats(self) -> list[ErrorRow]: ...

    def flush(self, changes: Changes) -> None: ...

    def prune(self, before_minute: int) -> None: ...

    def close(self) -> None: ...


class StoreOpener(Protocol):
    """How an implementation is opened: ``Store.open(path)`` (None: a throw-away in-memory store)."""

    def __call__(self, path: Path | str | None) -> EngineStore: ...
