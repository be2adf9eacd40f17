"""One task row as a tuple of plain values in a fixed field order: what the compact snapshot carries per task.

It lives apart from :mod:`engine.model.compact` (the wire form and the conversions) because
:class:`~engine.model.Snapshot` itself may carry rows in this form (``Snapshot.task_rows``). The ``*_AT`` constants
are the positions of the fields a reader picks out of a row without building a :class:`~engine.model.TaskRow`; the
``HEAD_*`` ones those inside the row's head.

Memory (issue 12): eleven of a task's fields are the same for the thousands of tasks of one kind (module, type,
scope, …). They travel and live as one shared tuple, the row's *head* (:data:`RowHead`), interned
(:func:`shared_head`), so a row is 13 fields (144 bytes) instead of 23 (224): ~7.6 MiB less at 100 000 rows, in the
embedded dashboard and, since a parsed head is interned as it is validated, in the remote one. The wire form is the
tuple as it is: the head is an array inside the row's array.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import chain, islice
from operator import itemgetter
from typing import Annotated, Any, Final

from pydantic import AfterValidator

from .taskmanager import TaskKind, TaskState, TaskStatus

HeadFields = tuple[
    str,  # module
    bool,  # internal
    bool,  # user
    bool,  # gone
    str,  # type
    TaskKind,
    str,  # scope
    bool,  # is_abortable
    int,  # shard
    str,  # keyspace
    str,  # progress_units
]
HEADS_KEPT = 65_536
"""Past this many distinct heads the table starts over (rows keep theirs): user-named keyspaces cannot grow it
forever."""


class _Heads(dict[HeadFields, HeadFields]):
    """Distinct heads, once each (as many as the module/type/scope/keyspace mixes in use: tens). A head not seen
    before becomes the shared one as it is looked up, so ``_HEADS[head]`` is a C-level dict read for every head but
    the first of its kind: the wire's validator calls it once per row (a Python function there cost ~20 % more
    to read a 100 000-row body)."""

    def __missing__(self, head: HeadFields) -> HeadFields:
        if len(self) >= HEADS_KEPT:
            self.clear()
        self[head] = head
        return head


_HEADS = _Heads()


def shared_head(head: HeadFields) -> HeadFields:
    """The one interned head equal to ``head`` (rows share it read-only: a tuple cannot change under them)."""
    return _HEADS[head]


RowHead = Annotated[HeadFields, AfterValidator(_HEADS.__getitem__)]
"""The fields a row shares with its siblings; the names, in order, are :data:`ROW_HEAD_FIELDS`. Read from the wire,
each row's head becomes the shared one as it is validated."""

CompactRow = tuple[
    RowHead,
    str,  # id
    TaskState,
    int | None,  # start_time, Unix seconds
    int | None,  # end_time, Unix seconds
    str,  # error
    str,  # parent_id
    int,  # sequence_number
    str,  # table (one per disk for CubeFS tasks: not shared enough to go in the head)
    str,  # entity
    float,  # progress_total
    float,  # progress_completed
    tuple[str, ...],  # children_ids flat: task_id, node, task_id, node, … (see CHILDREN_AT)
]
"""One task row; the names, in order, are :data:`COMPACT_ROW_FIELDS`."""

ROW_HEAD_FIELDS: tuple[str, ...] = (
    "module",
    "internal",
    "user",
    "gone",
    "type",
    "kind",
    "scope",
    "is_abortable",
    "shard",
    "keyspace",
    "progress_units",
)
"""The head's fields: the row's own (module, internal, user, gone), then those of :class:`~engine.model.TaskStatus`
that siblings share."""

COMPACT_ROW_FIELDS: tuple[str, ...] = (
    "head",
    *(name for name in TaskStatus.model_fields if name not in ROW_HEAD_FIELDS),
)
"""The head, then the status's other fields in the order :class:`~engine.model.TaskStatus` declares them."""

HEAD_AT: Final = 0
ID_AT: Final = 1
STATE_AT: Final = 2
START_AT: Final = 3
END_AT: Final = 4
ERROR_AT: Final = 5
PARENT_AT: Final = 6
SEQUENCE_AT: Final = 7
TABLE_AT: Final = 8
ENTITY_AT: Final = 9
TOTAL_AT: Final = 10
COMPLETED_AT: Final = 11
CHILDREN_AT: Final = 12
"""The children as one flat tuple, each child's id then its node (:func:`child_pairs` pairs them): a tuple of
pairs cost ~64 bytes more a child (3 MB in a 100 000-task wave, whose disk jobs have ~50 000 chunk children), and
most rows have none (``()`` is one object)."""

HEAD_MODULE: Final = 0
HEAD_INTERNAL: Final = 1
HEAD_USER: Final = 2
HEAD_GONE: Final = 3
HEAD_TYPE: Final = 4
HEAD_KIND: Final = 5
HEAD_SCOPE: Final = 6
HEAD_ABORTABLE: Final = 7
HEAD_SHARD: Final = 8
HEAD_KEYSPACE: Final = 9
HEAD_UNITS: Final = 10

for _names, _positions in (
    (
        COMPACT_ROW_FIELDS,
        (
            (HEAD_AT, "head"),
            (ID_AT, "id"),
            (STATE_AT, "state"),
            (START_AT, "start_time"),
            (END_AT, "end_time"),
            (ERROR_AT, "error"),
            (PARENT_AT, "parent_id"),
            (SEQUENCE_AT, "sequence_number"),
            (TABLE_AT, "table"),
            (ENTITY_AT, "entity"),
            (TOTAL_AT, "progress_total"),
            (COMPLETED_AT, "progress_completed"),
            (CHILDREN_AT, "children_ids"),
        ),
    ),
    (
        ROW_HEAD_FIELDS,
        (
            (HEAD_MODULE, "module"),
            (HEAD_INTERNAL, "internal"),
            (HEAD_USER, "user"),
            (HEAD_GONE, "gone"),
            (HEAD_TYPE, "type"),
            (HEAD_KIND, "kind"),
            (HEAD_SCOPE, "scope"),
            (HEAD_ABORTABLE, "is_abortable"),
            (HEAD_SHARD, "shard"),
            (HEAD_KEYSPACE, "keyspace"),
            (HEAD_UNITS, "progress_units"),
        ),
    ),
):
    if len(_names) != len(_positions):
        raise RuntimeError(f"compact row fields {_names} and their positions differ in number")
    for _at, _field in _positions:
        if _names[_at] != _field:  # literal positions (mypy types a tuple item read by one) kept honest
            raise RuntimeError(f"compact row field {_field!r} is not at position {_at}")

head_of: Final = itemgetter(HEAD_AT)
"""A row's head (C-level: for passes over many rows)."""


def module_of(row: CompactRow) -> str:
    return row[HEAD_AT][HEAD_MODULE]


def internal_of(row: CompactRow) -> bool:
    return row[HEAD_AT][HEAD_INTERNAL]


def gone_of(row: CompactRow) -> bool:
    return row[HEAD_AT][HEAD_GONE]


def type_of(row: CompactRow) -> str:
    return row[HEAD_AT][HEAD_TYPE]


def child_pairs(children: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(task_id, node) of each child in a row's flat ``children_ids``."""
    return zip(islice(children, 0, None, 2), islice(children, 1, None, 2), strict=True)


def flat_children(pairs: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """A row's flat ``children_ids`` from (task_id, node) pairs."""
    return tuple(chain.from_iterable(pairs))


def head_column(rows: Iterable[CompactRow], at: int) -> Iterator[Any]:
    """One head field of each row (``at``: a ``HEAD_*`` position), with C-level passes only."""
    return map(itemgetter(at), map(head_of, rows))


def unix_seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def moment(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def marked_gone(row: CompactRow) -> CompactRow:
    """The same row marked gone (finished, no longer on the server, kept by the client): a row of its own with the
    shared head marked gone (the head is shared, the siblings stay as they are)."""
    head = row[HEAD_AT]
    gone = shared_head((*head[:HEAD_GONE], True, *head[HEAD_GONE + 1 :]))  # type: ignore[arg-type]  # the same 11
    return (gone, *row[HEAD_AT + 1 :])  # type: ignore[return-value]  # the same 13 fields
