"""The compact snapshot: task rows as JSON arrays in a fixed field order, for remote dashboards of big engines.

A 100 000-task snapshot is ~58 MB as objects and took the remote dashboard ~4 s to read, nearly all of it
pydantic validating nested models field by field. As arrays it is about half the size, and a list of tuples of
plain values validates in pydantic-core at a fraction of the cost. Times travel as whole Unix seconds (``null`` for
unset), which is what the ``YYYY-MM-DDTHH:MM:SSZ`` text of the full form holds, without parsing text.

``GET /api/snapshot/compact?since=N`` answers a :class:`CompactSnapshot`: the :class:`~engine.model.Snapshot`
fields with ``tasks`` empty and the rows in ``task_rows`` instead, each a :data:`CompactRow`. A row's first
element is its head, an array of the fields tasks of one kind share (:data:`~engine.model.compact_row.RowHead`),
which the reader interns as it validates the body: a remote dashboard's rows share their heads as the embedded
one's do.
"""

from __future__ import annotations

from ..trusted import construct
from .compact_row import COMPACT_ROW_FIELDS, CompactRow, child_pairs, flat_children, moment, shared_head, unix_seconds
from .snapshot import Snapshot, TaskRow
from .taskmanager import ChildRef, TaskStatus

__all__ = ["COMPACT_ROW_FIELDS", "CompactRow", "CompactSnapshot", "compact_row", "compact_snapshot", "task_row"]


class CompactSnapshot(Snapshot):
    """A :class:`~engine.model.Snapshot` whose changed task rows are in ``task_rows`` (``tasks`` stays empty)."""


def compact_row(row: TaskRow) -> CompactRow:
    status = row.status
    head = (
        row.module,
        row.internal,
        row.user,
        row.gone,
        status.type,
        status.kind,
        status.scope,
        status.is_abortable,
        status.shard,
        status.keyspace,
        status.progress_units,
    )
    return (
        shared_head(head),
        status.id,
        status.state,
        unix_seconds(status.start_time),
        unix_seconds(status.end_time),
        status.error,
        status.parent_id,
        status.sequence_number,
        status.table,
        status.entity,
        status.progress_total,
        status.progress_completed,
        flat_children((child.task_id, child.node) for child in status.children_ids),
    )


def task_row(row: CompactRow) -> TaskRow:
    """The :class:`~engine.model.TaskRow` a compact row stands for, built without a second validation (its values
    were checked when the body was validated: :func:`engine.trusted.construct`, ~2 µs a model instead of ~20)."""
    (
        head,
        task_id,
        state,
        start_time,
        end_time,
        error,
        parent_id,
        sequence_number,
        table,
        entity,
        progress_total,
        progress_completed,
        children,
    ) = row
    module, internal, user, gone, task_type, kind, scope, is_abortable, shard, keyspace, progress_units = head
    status = construct(
        TaskStatus,
        id=task_id,
        type=task_type,
        kind=kind,
        scope=scope,
        state=state,
        is_abortable=is_abortable,
        start_time=moment(start_time),
        end_time=moment(end_time),
        error=error,
        parent_id=parent_id,
        sequence_number=sequence_number,
        shard=shard,
        keyspace=keyspace,
        table=table,
        entity=entity,
        progress_units=progress_units,
        progress_total=progress_total,
        progress_completed=progress_completed,
        children_ids=[construct(ChildRef, task_id=child, node=node) for child, node in child_pairs(children)],
    )
    return construct(TaskRow, module=module, internal=internal, user=user, gone=gone, status=status)


def compact_snapshot(snapshot: Snapshot) -> CompactSnapshot:
    """The same snapshot with its task rows as arrays."""
    fields = {name: getattr(snapshot, name) for name in Snapshot.model_fields if name not in ("tasks", "task_rows")}
    rows = [*snapshot.task_rows, *map(compact_row, snapshot.tasks)]
    return CompactSnapshot.model_construct(**fields, tasks=[], task_rows=rows)
