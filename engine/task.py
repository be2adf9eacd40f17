"""One task of the task manager (:mod:`engine.taskmanager`): its fields, its record in the store, its wire forms.

Memory (issue 12): a task keeps its own changing fields in slots and shares the twelve fields fixed at creation with
its siblings (one interned tuple, :data:`Identity`); leaves share one empty children mapping and one empty
``children_ids`` list in their snapshot rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from .jsontext import encode, json_num, json_str, json_time
from .model import NO_PARENT, ChildRef, TaskKind, TaskState, TaskStats, TaskStatus
from .model.compact_row import CompactRow, RowHead, shared_head
from .optional_part import PartField
from .store_protocol import TASK_TAIL_FIELDS as TAIL_FIELDS
from .trusted import construct as _construct

NO_CHILDREN: Mapping[str, None] = MappingProxyType({})
"""The children of every task that has none (replaced by a dict of its own on the first child): most tasks are
leaves, and an empty dict each was 6 MB in 100 000 tasks."""


ROW_NO_CHILDREN: list[ChildRef] = []
"""The ``children_ids`` of every leaf's snapshot row: rows are shared read-only (the engine's cache, the app's model),
and an empty list each was 56 bytes a row, 5.6 MB in a 100 000-task snapshot. Answers to API calls get lists of
their own."""

_STATE_JSON = {state: f'"{state.value}"' for state in TaskState}
_BOOL_JSON = {False: "false", True: "true"}
_EMPTY_JSON = '""'

Identity = tuple[str, str, TaskKind, str, str, str, str, int, bool, bool, bool, str, RowHead]
"""module, type, kind, scope, node, keyspace, table, shard, is_abortable, internal, user, progress_units, and the
head of the task's snapshot rows (:data:`~engine.model.compact_row.RowHead`: what its rows share with its siblings',
made once here rather than looked up per row)."""

_IDENTITIES: dict[Identity, Identity] = {}
"""Distinct identities, once each (see :class:`Task`); as many as the (module, type, node, disk…) mixes in use."""
IDENTITIES_KEPT = 65_536
"""Past this many the table starts over (tasks keep theirs): user-named keyspaces and tables cannot grow it forever."""


def _interned(
    module: str,
    type_: str,
    kind: TaskKind,
    scope: str,
    node: str,
    keyspace: str,
    table: str,
    shard: int,
    abortable: bool,
    internal: bool,
    user: bool,
    units: str,
) -> Identity:
    head = shared_head((module, internal, user, False, type_, kind, scope, abortable, shard, keyspace, units))
    identity = (module, type_, kind, scope, node, keyspace, table, shard, abortable, internal, user, units, head)
    shared = _IDENTITIES.get(identity)
    if shared is None:
        if len(_IDENTITIES) >= IDENTITIES_KEPT:
            _IDENTITIES.clear()
        shared = _IDENTITIES[identity] = identity
    return shared


_HEAD_PARTS: dict[RowHead, tuple[str, str]] = {}
"""The JSON text of the stored head's fields that a row head determines (module to scope, shard to
progress_units), by row head: a few dozen, where identities are one per disk (node, keyspace and table are written
per task)."""


def _head_parts(identity: Identity) -> tuple[str, str]:
    module, type_, kind, scope, _, _, _, shard, abortable, internal, user, units, head = identity
    parts = (
        encode({"module": module, "type": type_, "kind": kind, "scope": scope})[1:-1],
        encode(
            {"shard": shard, "is_abortable": abortable, "internal": internal, "user": user, "progress_units": units}
        )[1:-1],
    )
    if len(_HEAD_PARTS) >= IDENTITIES_KEPT:
        _HEAD_PARTS.clear()
    _HEAD_PARTS[head] = parts
    return parts


_SECONDS: dict[datetime, int] = {}
"""Recent times as Unix seconds: the tasks that started in one turn share one reading (and one ``int``)."""
_FLOATS: dict[float, float] = {}
"""Whole-number progress as floats: a row's progress is a float, and a task's is often an ``int`` (0 when queued,
a chunk count), which made a new float per row per snapshot."""
NUMBERS_KEPT = 65_536
"""Past this many either table starts over."""


def _unix_seconds(moment: datetime) -> int:
    seconds = _SECONDS.get(moment)
    if seconds is None:
        if len(_SECONDS) >= NUMBERS_KEPT:
            _SECONDS.clear()
        seconds = _SECONDS[moment] = int(moment.timestamp())
    return seconds


def _shared_float(number: float) -> float:
    shared = _FLOATS.get(number)
    if shared is None:
        if len(_FLOATS) >= NUMBERS_KEPT:
            _FLOATS.clear()
        shared = _FLOATS[number] = float(number)
    return shared


class TaskOutcome:
    """What a task has once it ends (end time, error, expiry, folded) or a descendant fails: absent until then."""

    __slots__ = ("end_time", "error", "expires_at", "failed_descendant", "folded")

    def __init__(self) -> None:
        self.end_time: datetime | None = None
        self.error = ""
        self.expires_at: float | None = None
        self.failed_descendant = False
        self.folded = False


_NO_OUTCOME = TaskOutcome()


class Task:
    """One registered task: its own fields in slots, the fields it shares with its siblings in one shared tuple.

    The twelve fields fixed at creation that most tasks share with many others (a disk's chunk migrations differ
    only in id, entity and payload) live in one interned tuple (``identity``): 96 bytes fewer per task than a
    slot each. The consumers' caches (snapshot row, ``list_module_tasks`` JSON) are kept by the task manager, not
    here; ``stored`` tells the store's writer (``persist.task_rows_of``) whether its head was written.
    """

    __slots__ = (
        "children",
        "entity",
        "id",
        "identity",
        "order",
        "outcome",
        "parent_id",
        "progress_completed",
        "progress_total",
        "sequence_number",
        "start_time",
        "state",
        "stored",
        "work",
    )

    # The fields of a task's outcome, defaults while it has none (see :class:`TaskOutcome`).
    end_time: PartField[datetime | None] = PartField("outcome", TaskOutcome)
    error: PartField[str] = PartField("outcome", TaskOutcome)
    expires_at: PartField[float | None] = PartField("outcome", TaskOutcome)
    """Unix seconds (engine clock) after which a finished root is unregistered."""
    failed_descendant: PartField[bool] = PartField("outcome", TaskOutcome)
    folded: PartField[bool] = PartField("outcome", TaskOutcome)

    children: dict[str, None]
    """Registered children, in creation order: running ones, and finished ones kept because they failed."""
    outcome: TaskOutcome | None
    """End time, error, expiry and fold marks: None while all are defaults (most tasks of a big wave are queued)."""
    order: int
    """Creation order, kept across restarts so that children are listed as they were created."""
    work: Any
    """The task type's own state (e.g. a migration); it persists with the task as JSON via ``to_json``."""
    stored: bool
    """The store holds this task's head (its identity, written once); from then on a flush writes only its tail."""

    def __init__(
        self,
        id: str,
        module: str,
        type: str,
        kind: TaskKind,
        scope: str,
        sequence_number: int,
        parent_id: str | None = None,
        node: str = "",
        keyspace: str = "",
        table: str = "",
        entity: str = "",
        shard: int = 0,
        is_abortable: bool = False,
        internal: bool = False,
        user: bool = False,
        state: TaskState = TaskState.CREATED,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        error: str = "",
        progress_units: str = "",
        progress_total: float = 0.0,
        progress_completed: float = 0.0,
        children: dict[str, None] | None = None,
        failed_descendant: bool = False,
        folded: bool = False,
        expires_at: float | None = None,
        order: int = 0,
        work: Any = None,
    ) -> None:
        self.id = id
        self.identity = _interned(
            module, type, kind, scope, node, keyspace, table, shard, is_abortable, internal, user, progress_units
        )
        self.sequence_number = sequence_number
        self.parent_id = parent_id
        self.entity = entity
        self.state = state
        self.start_time = start_time
        self.progress_total = progress_total
        self.progress_completed = progress_completed
        self.children = children if children is not None else NO_CHILDREN  # type: ignore[assignment]
        if end_time is None and not error and expires_at is None and not failed_descendant and not folded:
            self.outcome = None
        else:
            self.outcome = outcome = TaskOutcome()
            outcome.end_time, outcome.error, outcome.expires_at = end_time, error, expires_at
            outcome.failed_descendant, outcome.folded = failed_descendant, folded
        self.order = order
        self.work = work
        self.stored = False

    @staticmethod
    def identity_of(
        module: str,
        type: str,
        kind: TaskKind,
        scope: str,
        node: str,
        keyspace: str,
        table: str,
        shard: int,
        is_abortable: bool,
        internal: bool,
        user: bool,
        progress_units: str,
    ) -> Identity:
        """The shared identity tuple of tasks with these fields (see :data:`Identity`)."""
        return _interned(
            module, type, kind, scope, node, keyspace, table, shard, is_abortable, internal, user, progress_units
        )

    @classmethod
    def sibling(
        cls,
        identity: Identity,
        id: str,
        sequence_number: int,
        parent_id: str | None,
        entity: str,
        progress_total: float,
        work: Any,
    ) -> Task:
        """A new (``created``) task with an identity already interned: what ``Task(...)`` makes, without the
        keyword arguments and the identity lookup (many siblings share one)."""
        task = cls.__new__(cls)
        task.id = id
        task.identity = identity
        task.sequence_number = sequence_number
        task.parent_id = parent_id
        task.entity = entity
        task.state = TaskState.CREATED
        task.start_time = task.outcome = None
        task.progress_total = progress_total
        task.progress_completed = 0.0
        task.children = NO_CHILDREN  # type: ignore[assignment]
        task.stored = False
        task.order = 0
        task.work = work
        return task

    def __repr__(self) -> str:
        return f"Task(id={self.id!r}, module={self.module!r}, state={self.state!r})"

    # The shared identity, field by field (read-only: nothing changes these after creation).
    @property
    def module(self) -> str:
        return self.identity[0]

    @property
    def type(self) -> str:
        return self.identity[1]

    @property
    def kind(self) -> TaskKind:
        return self.identity[2]

    @property
    def scope(self) -> str:
        return self.identity[3]

    @property
    def node(self) -> str:
        return self.identity[4]

    @property
    def keyspace(self) -> str:
        return self.identity[5]

    @property
    def table(self) -> str:
        return self.identity[6]

    @property
    def shard(self) -> int:
        return self.identity[7]

    @property
    def is_abortable(self) -> bool:
        return self.identity[8]

    @property
    def internal(self) -> bool:
        return self.identity[9]

    @property
    def user(self) -> bool:
        return self.identity[10]

    @property
    def progress_units(self) -> str:
        return self.identity[11]

    @property
    def finished(self) -> bool:
        return self.state in (TaskState.DONE, TaskState.FAILED)

    def status(self, children_ids: list[ChildRef] | None = None) -> TaskStatus:
        _, type_, kind, scope, _, keyspace, table, shard, abortable, _, _, units, _ = self.identity
        outcome = self.outcome or _NO_OUTCOME
        return _construct(
            TaskStatus,
            id=self.id,
            type=type_,
            kind=kind,
            scope=scope,
            state=self.state,
            is_abortable=abortable,
            start_time=self.start_time,
            end_time=outcome.end_time,
            error=outcome.error,
            parent_id=self.parent_id or NO_PARENT,
            sequence_number=self.sequence_number,
            shard=shard,
            keyspace=keyspace,
            table=table,
            entity=self.entity,
            progress_units=units,
            progress_total=float(self.progress_total),
            progress_completed=float(self.progress_completed),
            children_ids=children_ids if children_ids is not None else [],
        )

    def compact_row(self, children: tuple[str, ...] = ()) -> CompactRow:
        """The task's snapshot row as a tuple (:data:`~engine.model.compact_row.CompactRow`), built without a model:
        what the embedded dashboard and ``/api/snapshot/compact`` carry (~1 µs, where a TaskRow took ~10).

        The dashboard keeps 100 000 of these, so they share what they can: the head of every task of one identity,
        the Unix seconds of one start, the float of one whole-number progress (see :func:`_shared_float`)."""
        identity = self.identity
        outcome = self.outcome or _NO_OUTCOME
        start, end, total, completed = self.start_time, outcome.end_time, self.progress_total, self.progress_completed
        if total.__class__ is not float:
            total = _FLOATS.get(total) or _shared_float(total)  # (0.0 is falsy: the function gives the same)
        if completed.__class__ is not float:
            completed = _FLOATS.get(completed) or _shared_float(completed)
        return (
            identity[12],  # the row head
            self.id,
            self.state,
            None if start is None else _unix_seconds(start),
            None if end is None else _unix_seconds(end),
            outcome.error,
            self.parent_id or NO_PARENT,
            self.sequence_number,
            identity[6],  # table
            self.entity,
            total,
            completed,
            children,
        )

    def stats(self) -> TaskStats:
        """The ``list_module_tasks`` item (``task_stats``), built without validation from trusted fields."""
        _, type_, kind, scope, _, keyspace, table, shard, _, _, _, _, _ = self.identity
        return _construct(
            TaskStats,
            task_id=self.id,
            type=type_,
            kind=kind,
            scope=scope,
            state=self.state,
            sequence_number=self.sequence_number,
            keyspace=keyspace,
            table=table,
            entity=self.entity,
            shard=shard,
            start_time=self.start_time,
            end_time=self.end_time,
        )

    def to_record(self) -> dict[str, Any]:
        """Everything but the work payload and the children (rebuilt from parent ids), for the store."""
        return {**self._identity(), **self._changing()}

    def head_json(self) -> str:
        """The store's head: the JSON object of the fields fixed at creation, written once per task (``encode`` of
        :meth:`_identity`, byte for byte: the fields its row head determines as text cached per row head, the rest
        written per task). Like ``MigrateWork.head_json``, the numbers are written inline: a call each was several
        per cent of a flush."""
        identity = self.identity
        parts = _HEAD_PARTS.get(identity[12])
        if parts is None:
            parts = _head_parts(identity)
        module_to_scope, shard_to_units = parts
        parent, sequence, order = self.parent_id, self.sequence_number, self.order
        return (
            f'{{"id": {json_str(self.id)}, {module_to_scope}, "sequence_number": '
            f"{sequence if sequence.__class__ is int else encode(sequence)}, "
            f'"parent_id": {"null" if parent is None else json_str(parent)}, "node": {json_str(identity[4])}, '
            f'"keyspace": {json_str(identity[5])}, "table": {json_str(identity[6])}, '
            f'"entity": {json_str(self.entity)}, {shard_to_units}, '
            f'"order": {order if order.__class__ is int else encode(order)}}}'
        )

    def tail_json(self) -> str:
        """The store's tail: ``json.dumps`` of the changing fields' values as an array, in :data:`TAIL_FIELDS` order.

        A flush writes the tail of every changed task (thousands a tick under load): the array names no field and
        is assembled by hand, a fifth of the record it replaced (issue 12: bytes written were half a flush).
        """
        head = f"[{_STATE_JSON[self.state]}, {json_time(self.start_time)}, "
        total, completed = self.progress_total, self.progress_completed  # ints, mostly: repr without a call
        numbers = (
            f"{total if total.__class__ is int else json_num(total)}, "
            f"{completed if completed.__class__ is int else json_num(completed)}"
        )
        outcome = self.outcome
        if outcome is None:  # not ended: the usual case
            return f"{head}null, {_EMPTY_JSON}, {numbers}, false, false, null]"
        error = outcome.error
        return (
            f"{head}{json_time(outcome.end_time)}, {json_str(error) if error else _EMPTY_JSON}, {numbers}, "
            f"{_BOOL_JSON[outcome.failed_descendant]}, {_BOOL_JSON[outcome.folded]}, {json_num(outcome.expires_at)}]"
        )

    def _identity(self) -> dict[str, Any]:
        # StrEnum members serialise as their text in JSON, so no ``.value`` here (this runs on every flush).
        module, type_, kind, scope, node, keyspace, table, shard, abortable, internal, user, units, _ = self.identity
        return {
            "id": self.id,
            "module": module,
            "type": type_,
            "kind": kind,
            "scope": scope,
            "sequence_number": self.sequence_number,
            "parent_id": self.parent_id,
            "node": node,
            "keyspace": keyspace,
            "table": table,
            "entity": self.entity,
            "shard": shard,
            "is_abortable": abortable,
            "internal": internal,
            "user": user,
            "progress_units": units,
            "order": self.order,
        }

    def _changing(self) -> dict[str, Any]:
        outcome = self.outcome or _NO_OUTCOME
        start, end = self.start_time, outcome.end_time
        return {
            "state": self.state,
            "start_time": start.isoformat() if start is not None else None,
            "end_time": end.isoformat() if end is not None else None,
            "error": outcome.error,
            "progress_total": self.progress_total,
            "progress_completed": self.progress_completed,
            "failed_descendant": outcome.failed_descendant,
            "folded": outcome.folded,
            "expires_at": outcome.expires_at,
        }

    @classmethod
    def from_stored(cls, head: dict[str, Any], tail: list[Any] | None) -> Task:
        """A task from its stored head and tail; a tail of None means the head is a whole record (stores of schema 1)."""
        if tail is not None:
            head.update(zip(TAIL_FIELDS, tail, strict=True))
        task = cls.from_record(head)
        task.stored = True
        return task

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Task:
        data = dict(record)
        data["kind"] = TaskKind(data["kind"])
        data["state"] = TaskState(data["state"])
        for key in ("start_time", "end_time"):
            data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        return cls(**data)


def add_child(parent: Task, child_id: str) -> None:
    if not parent.children:
        parent.children = {}
    parent.children[child_id] = None
