"""The app's copy of the data: a flat, indexed task table fed by snapshot deltas, plus the latest everything-else.

Every refresh asks the source for what changed since the last revision and applies it here; widgets are then told
which ids changed, so they repaint only those. Counts by state and the entity → task index are kept up to date from
the same deltas (built on first use), so no refresh walks every task. A full snapshot is taken in with C-level passes
that also leave its rows as lists (:class:`RowColumns`), from which the task view indexes and sorts them. Actions
look tasks up here — the full model — never in a widget's filtered view.

Rows that come compact (``Snapshot.task_rows``: tuples, as ``schedtop serve`` sends them) stay compact: the model
keeps the tuples (:class:`CompactRows`), the task view indexes, sorts and filters them as they are, and a
:class:`~engine.model.TaskRow` is built only when one is asked for (a line on screen, the selected task's detail,
an action). 100 000 rows cost ~600 bytes each so instead of ~2 KB, and no ~10 µs per row to build them; the
fields a row shares with its siblings are one shared tuple (the row's head, :mod:`engine.model.compact_row`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from engine.model import Snapshot, TaskRow, TaskState, TaskStatus
from engine.model.compact import compact_row, task_row
from engine.model.compact_row import ENTITY_AT, ID_AT, STATE_AT, CompactRow, gone_of, marked_gone

from .collector import paused

MAX_GONE = 200
"""Finished tasks kept (marked gone) after the server forgot them, oldest dropped first."""
_LONG_AGO = datetime.min.replace(tzinfo=UTC)
_STATUS = attrgetter("status")
_ID = attrgetter("id")
_COMPACT_ID = itemgetter(ID_AT)
MADE_KEPT = 8192
"""Rows built from compact ones kept (a screenful needs ~50; the detail pane and actions a few more)."""
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


class CompactRows(Mapping[str, TaskRow]):
    """The model's rows kept compact: ``records`` holds the tuples by id; asking for a row builds it (and keeps
    it until its record changes, so the same record gives the same row: the task view's line cache holds on that).
    It is what :class:`widgets.task_tree.CompactTable` asks for."""

    def __init__(self, records: dict[str, CompactRow], ordered: tuple[list[str], list[CompactRow]] | None) -> None:
        self.records = records
        self.ordered = ordered
        """The ids and records as the full snapshot brought them; None once anything changed."""
        self._made: dict[str, TaskRow] = {}

    def __getitem__(self, task_id: str) -> TaskRow:
        made = self._made.get(task_id)
        if made is None:
            record = self.records[task_id]
            if len(self._made) >= MADE_KEPT:
                self._made.clear()
            made = self._made[task_id] = task_row(record)
        return made

    def __contains__(self, task_id: object) -> bool:
        return task_id in self.records

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def changed(self, task_id: str) -> None:
        """The record of ``task_id`` was replaced or dropped."""
        self._made.pop(task_id, None)
        self.ordered = None


class _Form(NamedTuple):
    """How the model reads the tasks it keeps: rows, or compact rows."""

    state: Callable[[Any], TaskState]
    gone: Callable[[Any], bool]
    entity: Callable[[Any], str]
    task_id: Callable[[Any], str]


_ROWS = _Form(attrgetter("status.state"), attrgetter("gone"), attrgetter("status.entity"), attrgetter("status.id"))
_COMPACT = _Form(itemgetter(STATE_AT), gone_of, itemgetter(ENTITY_AT), itemgetter(ID_AT))


@dataclass
class Changes:
    """What one snapshot changed; ``full`` means every widget should resync from the model."""

    full: bool
    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)


class ClientModel:
    def __init__(self, *, keep_gone: bool = True) -> None:
        self.keep_gone = keep_gone
        self._tasks: dict[str, Any] = {}
        """Task id → its row, or its compact row when the model keeps them compact (``_form`` says which)."""
        self._form = _ROWS
        self._compact: CompactRows | None = None
        """The rows as a mapping when kept compact (its records are ``_tasks``)."""
        self.revision = 0
        self.latest: Snapshot | None = None
        """The last snapshot applied, for stats, migrations, supervisor and cluster (its ``tasks`` are deltas)."""
        self._gone_order: dict[str, datetime] = {}
        """Tasks marked gone by this model → when (the snapshot's time), oldest first."""
        self._taken_at: datetime | None = None
        self._states: Counter[TaskState] | None = None
        self._by_entity: dict[str, str] | None = None
        self.columns: RowColumns | None = None
        """The rows column by column as the first full snapshot brought them; None once anything changed (and for
        compact rows, which the task view indexes from :attr:`CompactRows.ordered`)."""

    @property
    def rows(self) -> Mapping[str, TaskRow]:
        """Every task's row by id (kept compact, a row is built when asked for)."""
        return self._compact if self._compact is not None else self._tasks

    @property
    def compact(self) -> bool:
        """The rows are kept compact (they came so)."""
        return self._compact is not None

    # -- applying snapshots -----------------------------------------------------------------------------------

    def apply(self, snapshot: Snapshot) -> Changes:
        self._taken_at = snapshot.taken_at
        self.columns = None
        if snapshot.full:
            with paused():
                changes = self._apply_full(snapshot)
        else:
            changes = Changes(full=False)
            tasks = self._tasks
            changed = changes.changed
            states = self._states
            form = self._form
            compact = self._compact
            plain = self._by_entity is None and not self._gone_order
            for task in self._incoming(snapshot):
                task_id = form.task_id(task)
                old = tasks.get(task_id)
                if old is task:  # a delta lists real changes; comparing rows field by field costs more than it saves
                    continue
                changed.add(task_id)
                if plain and old is not None and not form.gone(task):
                    # the common case, inlined: an update of a known task, no indexes to keep but the counts
                    tasks[task_id] = task
                    if compact is not None:
                        compact.changed(task_id)
                    if states is not None and form.state(old) is not form.state(task):
                        states[form.state(old)] -= 1
                        states[form.state(task)] += 1
                    continue
                self._replace(task_id, old, task)
            for task_id in snapshot.removed:
                self._remove(task_id, changes)
        if self._gone_order:
            self._expire_gone(snapshot.taken_at, changes)
        self.revision = snapshot.revision
        self.latest = snapshot.model_copy(update={"tasks": [], "task_rows": [], "removed": []})
        return changes

    def _incoming(self, snapshot: Snapshot) -> list[Any]:
        """The snapshot's changed tasks in the form the model keeps (converting those that came the other way)."""
        if self._compact is not None:
            if not snapshot.tasks:
                return snapshot.task_rows
            return [*snapshot.task_rows, *map(compact_row, snapshot.tasks)]
        if not snapshot.task_rows:
            return snapshot.tasks
        return [*snapshot.tasks, *map(task_row, snapshot.task_rows)]

    def _apply_full(self, snapshot: Snapshot) -> Changes:
        changes = Changes(full=True)
        if not self._tasks:
            # the first snapshot: take it as it is (the common, 100 000-row case must not walk rows twice); the
            # form it came in is the form the model keeps
            self._states = None
            self._by_entity = None
            if snapshot.task_rows and not snapshot.tasks:
                self._tasks, ordered = _take_in_compact(snapshot.task_rows)
                self._form, self._compact = _COMPACT, CompactRows(self._tasks, ordered)
            else:
                self._form, self._compact = _ROWS, None
                self._tasks, self.columns = _take_in(self._incoming(snapshot))
            return changes
        form = self._form
        incoming = {form.task_id(task): task for task in self._incoming(snapshot)}
        for task_id in [t for t in self._tasks if t not in incoming]:
            self._remove(task_id, changes)
        tasks = self._tasks
        for task_id, task in incoming.items():
            old = tasks.get(task_id)
            if old is not task and (old is None or old != task):
                changes.changed.add(task_id)
                self._replace(task_id, old, task)
        return changes

    def _replace(self, task_id: str, old: Any, task: Any) -> None:
        form = self._form
        self._tasks[task_id] = task
        if self._compact is not None:
            self._compact.changed(task_id)
        states = self._states
        if states is not None:
            if old is not None:
                states[form.state(old)] -= 1
            states[form.state(task)] += 1
        by_entity = self._by_entity
        if by_entity is not None:
            entity = form.entity(task)
            if old is not None and form.entity(old) != entity and by_entity.get(form.entity(old)) == task_id:
                del by_entity[form.entity(old)]
            if entity:
                by_entity[entity] = task_id
        gone = form.gone(task)
        if old is not None and form.gone(old) and not gone:
            self._gone_order.pop(task_id, None)
        elif gone and task_id not in self._gone_order:
            # marked gone by the source (the ScyllaDB one keeps forgotten tasks itself): it expires the same way
            self._gone_order[task_id] = self._taken_at or _LONG_AGO

    def _remove(self, task_id: str, changes: Changes) -> None:
        task = self._tasks.get(task_id)
        if task is None:
            return
        form = self._form
        if self.keep_gone and form.state(task).is_final:
            if not form.gone(task):
                marked = marked_gone(task) if self._compact is not None else task.model_copy(update={"gone": True})
                self._replace(task_id, task, marked)
                self._gone_order[task_id] = self._taken_at or _LONG_AGO
                changes.changed.add(task_id)
                self._trim_gone(changes)
            return
        self._drop(task_id, task)
        changes.changed.discard(task_id)
        changes.removed.add(task_id)

    def _drop(self, task_id: str, task: Any) -> None:
        form = self._form
        del self._tasks[task_id]
        if self._compact is not None:
            self._compact.changed(task_id)
        self._gone_order.pop(task_id, None)
        if self._states is not None:
            self._states[form.state(task)] -= 1
        if self._by_entity is not None and self._by_entity.get(form.entity(task)) == task_id:
            del self._by_entity[form.entity(task)]

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
            task = self._tasks.get(oldest)
            if task is not None and self._form.gone(task):
                self._drop(oldest, task)
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
            return len(self._tasks)
        if self._states is None:
            self._states = Counter(map(self._form.state, self._tasks.values()))
        return self._states[state]

    def find_by_entity(self, entity: str) -> TaskRow | None:
        """The task working on ``entity`` — e.g. the task-manager row of a CubeFS migrate task id."""
        if not entity:
            return None
        if self._by_entity is None:
            entity_of = self._form.entity
            self._by_entity = {entity_of(task): task_id for task_id, task in self._tasks.items() if entity_of(task)}
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


def _take_in_compact(
    tasks: list[CompactRow],
) -> tuple[dict[str, CompactRow], tuple[list[str], list[CompactRow]] | None]:
    """Compact rows by id, and the ids and rows in order (None when an id comes twice: they would not line up)."""
    ids = list(map(_COMPACT_ID, tasks))
    records = dict(zip(ids, tasks, strict=True))
    return records, ((ids, tasks) if len(records) == len(ids) else None)
