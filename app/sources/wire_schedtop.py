"""Read ``schedtop serve``'s compact snapshot (:mod:`engine.model.compact`): as it came, rows as tuples for the
dashboard's model, or with every row built into a :class:`~engine.model.TaskRow`.

pydantic-core has already checked every value's type when the body was validated as a
:class:`~engine.model.compact.CompactSnapshot`, so rows are built without a second validation.
"""

from __future__ import annotations

from engine.model import Snapshot
from engine.model.compact import CompactSnapshot, task_row


def compact_from_body(body: bytes) -> Snapshot:
    """The snapshot a compact body stands for, its rows left as tuples in ``task_rows`` (the dashboard's model
    keeps them so, and builds a row only for what it shows); ValueError (pydantic's) when the body is not one."""
    compact = CompactSnapshot.model_validate_json(body)
    fields = {name: getattr(compact, name) for name in Snapshot.model_fields}
    return Snapshot.model_construct(**fields)


def snapshot_from_compact(body: bytes) -> Snapshot:
    """The snapshot a compact body stands for, every row a :class:`~engine.model.TaskRow` in ``tasks``."""
    compact = CompactSnapshot.model_validate_json(body)
    fields = {name: getattr(compact, name) for name in Snapshot.model_fields if name not in ("tasks", "task_rows")}
    return Snapshot.model_construct(**fields, tasks=[task_row(row) for row in compact.task_rows])
