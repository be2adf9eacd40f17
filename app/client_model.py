"""The app's copy of the data: a flat, indexed task table fed by snapshot deltas, plus the latest everything-else.

Every refresh asks the source for what changed since the last revision and applies it here; widgets are then told
which ids changed, so they repaint only those. Counts by state and the entity → task index are kept up to date from
the same deltas (built on first use), so no refresh walks every task. A full snapshot is taken in with C-level passes
that also leave its rows as lists (:class:`RowColumns`), from which the task view indexes and sorts them. Actions
look tasks up here — the full model — never in a widget's filtered view.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import NamedTuple

from engine.model import Snapshot, TaskRow, TaskState, TaskStatus

from .collector import paused

MAX_GONE = 200
"""Finished tasks kept (marked gone) after the server forgot them, oldest dropped first."""
_LONG_AGO = datetime.min.replace(tzinfo=UTC)
_STATUS = attrgetter("status")
_ID = attrgetter("id")
GONE_KEEP = timedelta(minutes=5)
"""How long a finished task stays listed (marked gone) after the server forgot it: long enough to see how it
ended, not so long that finished rows pile up over the running ones."""


class RowColumns(NamedTuple):
    """A full snapshot's rows as lists in the order of ``ClientModel.rows`` (the rows, their statuses, their ids),
    made in the one pass that takes the snapshot in: the task view indexes and sorts 100 000 rows from them with
    C-level passes, without a lookup by id or the hop from a row to its status per row
    (``widgets.task_tree.RowColumns`` is the shape it asks for)."""

    ids: list[str]
    rows: list[TaskRow]
    statuses: list[TaskStatus]


@dataclass
class Changes:
    """What one snapshot changed; ``full`` means every widget should resync from the model."""

    full: bool
    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)


class ClientModel:
    def __init__(self, *, keep_gone: bool = True) -> None:
        self.keep_gone = keep_gone
        self.rows: dict[str, TaskRow] = {}
        self.revision = 0
        self.latest: Snapshot | None = None
        """The last snapshot applied, for stats, migrations, supervisor and cluster (its ``tasks`` are deltas)."""
        self._gone_order: dict[str, datetime] = {}
        """Tasks marked gone by this model → when (the snapshot's time), oldest first."""
        self._taken_at: datetime | None = None
        self._states: Counter[TaskState] | None = None
        self._by_entity: dict[str, str] | None = None
        self.columns: RowColumns | None = None
        """The rows column by column as the first full snapshot brought them; None once anything changed."""

    # -- applying snapshots -----------------------------------------------------------------------------------

    def apply(self, snapshot: Snapshot) -> Changes:
        self._taken_at = snapshot.taken_at
        self.columns = None
        if snapshot.full:
            with paused():
                changes = self._apply_full(snapshot)
        else:
            changes = Changes(full=False)
            rows = self.rows
            changed = changes.changed
            states = self._states
            plain = self._by_entity is None and not self._gone_order
            for row in snapshot.tasks:
                status = row.status
                task_id = status.id
                old = rows.get(task_id)
                if old is row:  # a delta lists real changes; comparing rows field by field costs more than it saves
                    continue
                changed.add(task_id)
                if plain and old is not None and not row.gone:
                    # the common case, inlined: an update of a known task, no indexes to keep but the counts
                    rows[task_id] = row
                    if states is not None and old.status.state is not status.state:
                        states[old.status.state] -= 1
                        states[status.state] += 1
                    continue
                self._replace(task_id, old, row)
            for task_id in snapshot.removed:
                self._remove(task_id, changes)
        if self._gone_order:
            self._expire_gone(snapshot.taken_at, changes)
        self.revision = snapshot.revision
        self.latest = snapshot.model_copy(update={"tasks": [], "removed": []})
        return changes

    def _apply_full(self, snapshot: Snapshot) -> Changes:
        changes = Changes(full=True)
        if not self.rows:
            # the first snapshot: take it as it is (the common, 100 000-row case must not walk rows twice)
            self.rows, self.columns = _take_in(snapshot.tasks)
            self._states = None
            self._by_entity = None
            return changes
        incoming = {row.status.id: row for row in snapshot.tasks}
        for task_id in [t for t in self.rows if t not in incoming]:
            self._remove(task_id, changes)
        rows = self.rows
        for task_id, row in incoming.items():
            old = rows.get(task_id)
            if old is not row and (old is None or old != row):
                changes.changed.add(task_id)
                self._replace(task_id, old, row)
        return changes

    def _replace(self, task_id: str, old: TaskRow | None, row: TaskRow) -> None:
        self.rows[task_id] = row
        states = self._states
        if states is not None:
            if old is not None:
                states[old.status.state] -= 1
            states[row.status.state] += 1
        by_entity = self._by_entity
        if by_entity is not None:
            if (
                old is not None
                and old.status.entity != row.status.entity
                and by_entity.get(old.status.entity) == task_id
            ):
                del by_entity[old.status.entity]
            if row.status.entity:
                by_entity[row.status.entity] = task_id
        if old is not None and old.gone and not row.gone:
            self._gone_order.pop(task_id, None)
        elif row.gone and task_id not in self._gone_order:
            # marked gone by the source (the ScyllaDB one keeps forgotten tasks itself): it expires the same way
            self._gone_order[task_id] = self._taken_at or _LONG_AGO

    def _remove(self, task_id: str, changes: Changes) -> None:
        row = self.rows.get(task_id)
        if row is None:
            return
        if self.keep_gone and row.status.state.is_final:
            if not row.gone:
                self._replace(task_id, row, row.model_copy(update={"gone": True}))
                self._gone_order[task_id] = self._taken_at or _LONG_AGO
                changes.changed.add(task_id)
                self._trim_gone(changes)
            return
        self._drop(task_id, row)
        changes.changed.discard(task_id)
        changes.removed.add(task_id)

    def _drop(self, task_id: str, row: TaskRow) -> None:
        del self.rows[task_id]
        self._gone_order.pop(task_id, None)
        if self._states is not None:
            self._states[row.status.state] -= 1
        if self._by_entity is not None and self._by_entity.get(row.status.entity) == task_id:
            del self._by_entity[row.status.entity]

    def _expire_gone(self, now: datetime, changes: Changes) -> None:
        """Drop the gone tasks marked ``GONE_KEEP`` ago or earlier (the oldest come first: stop at a younger one)."""
        limit = now - GONE_KEEP
        self._drop_oldest_gone(changes, lambda since: since <= limit)

    def _trim_gone(self, changes: Changes) -> None:
        self._drop_oldest_gone(changes, lambda _since: len(self._gone_order) > MAX_GONE)

    def _drop_oldest_gone(self, changes: Changes, while_: Callable[[datetime], bool]) -> None:
        """Drop gone tasks, oldest mark first, for as long as ``while_(marked_at)`` holds."""
        while self._gone_order:
            oldest, since = next(iter(self._gone_order.items()))
            if not while_(since):
                return
            row = self.rows.get(oldest)
            if row is not None and row.gone:
                self._drop(oldest, row)
                changes.changed.discard(oldest)
                changes.removed.add(oldest)
            else:
                self._gone_order.pop(oldest, None)

    # -- questions ----------------------------------------------------------------------------------------------

    def get(self, task_id: str) -> TaskRow | None:
        return self.rows.get(task_id)

    @property
    def counts_ready(self) -> bool:
        """Counting by state is free (kept up to date); False until the first count after a full snapshot."""
        return self._states is not None

    def count(self, state: TaskState | None = None) -> int:
        """Tasks in the model (including finished ones kept as gone), or those in one state."""
        if state is None:
            return len(self.rows)
        if self._states is None:
            self._states = Counter(row.status.state for row in self.rows.values())
        return self._states[state]

    def find_by_entity(self, entity: str) -> TaskRow | None:
        """The task working on ``entity`` — e.g. the task-manager row of a CubeFS migrate task id."""
        if not entity:
            return None
        if self._by_entity is None:
            self._by_entity = {row.status.entity: task_id for task_id, row in self.rows.items() if row.status.entity}
        task_id = self._by_entity.get(entity)
        return self.rows.get(task_id) if task_id is not None else None


def _take_in(tasks: list[TaskRow]) -> tuple[dict[str, TaskRow], RowColumns | None]:
    """The rows by id, and their columns, with C-level passes over 100 000 scattered rows."""
    statuses = list(map(_STATUS, tasks))
    ids = list(map(_ID, statuses))
    rows = dict(zip(ids, tasks, strict=True))
    if len(rows) != len(ids):  # the same id twice (bad data): the columns would not line up with the rows
        return rows, None
    return rows, RowColumns(ids, tasks, statuses)  # the snapshot's own list: read before anything changes it
