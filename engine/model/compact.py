"""The compact snapshot: task rows as JSON arrays in a fixed field order, for remote dashboards of big engines.

A 100 000-task snapshot is ~58 MB as objects and took the remote dashboard ~4 s to read, nearly all of it
pydantic validating nested models field by field. As arrays it is about half the size, and a list of tuples of
plain values validates in pydantic-core at a fraction of the cost. Times travel as whole Unix seconds (``null`` for
unset), which is what the ``YYYY-MM-DDTHH:MM:SSZ`` text of the full form holds, without parsing text.

``GET /api/snapshot/compact?since=N`` answers a :class:`CompactSnapshot`: the :class:`~engine.model.Snapshot`
fields with ``tasks`` empty and the rows in ``task_rows`` instead, each a :data:`CompactRow`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field

from .snapshot import Snapshot, TaskRow
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
    list[tuple[str, str]],  # children_ids as (task_id, node)
]
"""One task row; the names, in order, are :data:`COMPACT_ROW_FIELDS`."""

COMPACT_ROW_FIELDS: tuple[str, ...] = ("module", "internal", "user", "gone", *TaskStatus.model_fields)
"""The row's own fields, then the status's in the order :class:`~engine.model.TaskStatus` declares them."""


class CompactSnapshot(Snapshot):
    """A :class:`~engine.model.Snapshot` whose changed task rows are in ``task_rows`` (``tasks`` stays empty)."""

    task_rows: list[CompactRow] = Field(
        default_factory=list, description=f"one array per changed task, fields in this order: {COMPACT_ROW_FIELDS}"
    )


def unix_seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def moment(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def compact_row(row: TaskRow) -> CompactRow:
    status = row.status
    return (
        row.module,
        row.internal,
        row.user,
        row.gone,
        status.id,
        status.type,
        status.kind,
        status.scope,
        status.state,
        status.is_abortable,
        unix_seconds(status.start_time),
        unix_seconds(status.end_time),
        status.error,
        status.parent_id,
        status.sequence_number,
        status.shard,
        status.keyspace,
        status.table,
        status.entity,
        status.progress_units,
        status.progress_total,
        status.progress_completed,
        [(child.task_id, child.node) for child in status.children_ids],
    )


def compact_snapshot(snapshot: Snapshot) -> CompactSnapshot:
    """The same snapshot with its task rows as arrays."""
    fields = {name: getattr(snapshot, name) for name in Snapshot.model_fields if name != "tasks"}
    return CompactSnapshot.model_construct(**fields, tasks=[], task_rows=[compact_row(row) for row in snapshot.tasks])
