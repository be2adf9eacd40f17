"""The compact snapshot's body, built from each task's compact row kept as JSON text while its row is the same.

The engine hands out the same :class:`~engine.model.TaskRow` object for a task until the task changes
(``TaskManager.row``), so the row's compact form, already serialised, is kept beside it and reused: a 100 000-task
``/api/snapshot/compact`` took ~1 s converting rows to tuples and ~0.6 s serialising them; with the rows' text kept
it joins bytes. The rest of the snapshot is serialised by its model as before and the rows spliced in.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from ..model import Snapshot, TaskRow
from ..model.compact import CompactRow, CompactSnapshot, compact_row

_ROW_JSON = TypeAdapter(CompactRow)
_EMPTY_ROWS = b'"task_rows":[]'
"""How the snapshot without rows serialises its ``task_rows``: found once (inside a JSON string its quotes would
be escaped), it is where the rows go."""


class CompactBodies:
    """Serialises compact snapshots, keeping each task's row text while the engine hands out the same row."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[TaskRow, bytes]] = {}

    def body(self, snapshot: Snapshot) -> bytes:
        """The JSON of ``compact_snapshot(snapshot)``, byte for byte."""
        fields = {name: getattr(snapshot, name) for name in Snapshot.model_fields if name not in ("tasks", "task_rows")}
        head = CompactSnapshot.model_construct(**fields, tasks=[], task_rows=[]).model_dump_json().encode()
        return head.replace(_EMPTY_ROWS, b'"task_rows":[' + b",".join(self.row_texts(snapshot)) + b"]", 1)

    def row_texts(self, snapshot: Snapshot) -> list[bytes]:
        """Each changed row's compact JSON text (kept for the next snapshot while the row object stays the same)."""
        if snapshot.full:
            kept, self._rows = self._rows, {}  # a full snapshot lists every task: forget those that went
        else:
            kept = self._rows
        rows = self._rows
        texts = [_ROW_JSON.dump_json(row) for row in snapshot.task_rows]
        for row in snapshot.tasks:
            task_id = row.status.id
            cached = kept.get(task_id)
            if cached is None or cached[0] is not row:
                cached = (row, _ROW_JSON.dump_json(compact_row(row)))
            rows[task_id] = cached
            texts.append(cached[1])
        return texts
