"""Read ``schedtop serve``'s compact snapshot (:mod:`engine.model.compact`) into the dashboard's task rows.

pydantic-core has already checked every value's type when the body was validated as a
:class:`~engine.model.compact.CompactSnapshot`, so the rows are built without a second validation
(:func:`engine.trusted.construct`, ~2 µs a model instead of ~20).
"""

from __future__ import annotations

from engine.model import ChildRef, Snapshot, TaskRow, TaskStatus
from engine.model.compact import CompactRow, CompactSnapshot, moment
from engine.trusted import construct


def task_row(row: CompactRow) -> TaskRow:
    (
        module,
        internal,
        user,
        gone,
        task_id,
        task_type,
        kind,
        scope,
        state,
        is_abortable,
        start_time,
        end_time,
        error,
        parent_id,
        sequence_number,
        shard,
        keyspace,
        table,
        entity,
        progress_units,
        progress_total,
        progress_completed,
        children,
    ) = row
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
        children_ids=[construct(ChildRef, task_id=child, node=node) for child, node in children],
    )
    return construct(TaskRow, module=module, internal=internal, user=user, gone=gone, status=status)


def snapshot_from_compact(body: bytes) -> Snapshot:
    """The snapshot a compact body stands for; ValueError (pydantic's) when the body is not one."""
    compact = CompactSnapshot.model_validate_json(body)
    fields = {name: getattr(compact, name) for name in Snapshot.model_fields if name != "tasks"}
    return Snapshot.model_construct(**fields, tasks=[task_row(row) for row in compact.task_rows])
