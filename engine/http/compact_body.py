"""The compact snapshot's body, built from each task's compact row kept as JSON text while its row is the same.

The engine builds a task's compact row straight from the task (``Engine.snapshot(compact=True)``); serialising
100 000 of them took ~0.6 s, so each row's text is kept beside the row and reused while the task's row is equal
(a tuple compare in C); only changed rows are serialised again. The rest of the snapshot is serialised by its
model as before and the rows spliced in. Snapshots with :class:`~engine.model.TaskRow` models are converted first.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from ..model import Snapshot
from ..model.compact import CompactRow, CompactSnapshot, compact_row
from ..model.compact_row import ID_AT

_ROW_JSON = TypeAdapter(CompactRow)
_EMPTY_ROWS = b'"task_rows":[]'
"""How the snapshot without rows serialises its ``task_rows``: found once (inside a JSON string its quotes would
be escaped), it is where the rows go."""


class CompactBodies:
    """Serialises compact snapshots, keeping each task's row text while the engine hands out the same row."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[CompactRow, bytes]] = {}

    def body(self, snapshot: Snapshot) -> bytes:
        """The JSON of ``compact_snapshot(snapshot)``, byte for byte."""
        fields = {name: getattr(snapshot, name) for name in Snapshot.model_fields if name not in ("tasks", "task_rows")}
        head = CompactSnapshot.model_construct(**fields, tasks=[], task_rows=[]).model_dump_json().encode()
        return head.replace(_EMPTY_ROWS, b'"task_rows":[' + b",".join(self.row_texts(snapshot)) + b"]", 1)

    def row_texts(self, snapshot: Snapshot) -> list[bytes]:
        """Each changed row's compact JSON text (kept for the next snapshot while the task's row stays equal)."""
        if snapshot.full:
            kept, self._rows = self._rows, {}  # a full snapshot lists every task: forget those that went
        else:
            kept = self._rows
        rows = self._rows
        texts = []
        dump = _ROW_JSON.dump_json
        for row in [*snapshot.task_rows, *map(compact_row, snapshot.tasks)]:
            task_id = row[ID_AT]
            cached = kept.get(task_id)
            if cached is None or cached[0] != row:
                cached = (row, dump(row))
            rows[task_id] = cached
            texts.append(cached[1])
        return texts
