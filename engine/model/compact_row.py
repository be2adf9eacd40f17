"""One task row as a tuple of plain values in a fixed field order: what the compact snapshot carries per task.

It lives apart from :mod:`engine.model.compact` (the wire form and the conversions) because
:class:`~engine.model.Snapshot` itself may carry rows in this form (``Snapshot.task_rows``). The ``*_AT`` constants
are the positions of the fields a reader picks out of a row without building a :class:`~engine.model.TaskRow`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from .taskmanager import TaskKind, TaskState, TaskStatus

CompactRow = tuple[
    str,  # module
    bool,  # internal
    bool,  # user
    bool,  # gone
    str,  # id
    str,  # type
    TaskKind,
    str,  # scope
    TaskState,
    bool,  # is_abortable
    int | None,  # start_time, Unix seconds
    int | None,  # end_time, Unix seconds
    str,  # error
    str,  # parent_id
    int,  # sequence_number
    int,  # shard
    str,  # keyspace
    str,  # table
    str,  # entity
    str,  # progress_units
    float,  # progress_total
    float,  # progress_completed
    tuple[tuple[str, str], ...],  # children_ids as (task_id, node); a tuple: most rows have none, and () is one object
]
"""One task row; the names, in order, are :data:`COMPACT_ROW_FIELDS`."""

COMPACT_ROW_FIELDS: tuple[str, ...] = ("module", "internal", "user", "gone", *TaskStatus.model_fields)
"""The row's own fields, then the status's in the order :class:`~engine.model.TaskStatus` declares them."""

MODULE_AT: Final = 0
INTERNAL_AT: Final = 1
GONE_AT: Final = 3
ID_AT: Final = 4
TYPE_AT: Final = 5
SCOPE_AT: Final = 7
STATE_AT: Final = 8
START_AT: Final = 10
END_AT: Final = 11
ERROR_AT: Final = 12
PARENT_AT: Final = 13
SEQUENCE_AT: Final = 14
KEYSPACE_AT: Final = 16
TABLE_AT: Final = 17
ENTITY_AT: Final = 18
TOTAL_AT: Final = 20
COMPLETED_AT: Final = 21
CHILDREN_AT: Final = 22

for _name, _field in (
    (MODULE_AT, "module"),
    (INTERNAL_AT, "internal"),
    (GONE_AT, "gone"),
    (ID_AT, "id"),
    (TYPE_AT, "type"),
    (SCOPE_AT, "scope"),
    (STATE_AT, "state"),
    (START_AT, "start_time"),
    (END_AT, "end_time"),
    (ERROR_AT, "error"),
    (PARENT_AT, "parent_id"),
    (SEQUENCE_AT, "sequence_number"),
    (KEYSPACE_AT, "keyspace"),
    (TABLE_AT, "table"),
    (ENTITY_AT, "entity"),
    (TOTAL_AT, "progress_total"),
    (COMPLETED_AT, "progress_completed"),
    (CHILDREN_AT, "children_ids"),
):
    if COMPACT_ROW_FIELDS[_name] != _field:  # literal positions (mypy types a tuple item read by one) kept honest
        raise RuntimeError(f"compact row field {_field!r} is not at position {_name}")


def unix_seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def moment(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def marked_gone(row: CompactRow) -> CompactRow:
    """The same row marked gone (finished, no longer on the server, kept by the client)."""
    return (*row[:GONE_AT], True, *row[GONE_AT + 1 :])  # type: ignore[return-value]  # the same 23 fields
