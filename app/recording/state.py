"""One node's task table rebuilt from its snapshots: what a keyframe holds and what a replay seeks to."""

from __future__ import annotations

from engine.model import Snapshot, TaskRow


class NodeState:
    """The rows by id and the latest snapshot's other fields, fed the snapshots in the order they came."""

    def __init__(self) -> None:
        self.rows: dict[str, TaskRow] = {}
        self.latest: Snapshot | None = None

    def apply(self, snapshot: Snapshot) -> None:
        if snapshot.full:
            self.rows = {row.status.id: row for row in snapshot.changed_rows()}
        else:
            rows = self.rows
            for row in snapshot.changed_rows():  # compact rows (schedtop serve's) as TaskRows too
                rows[row.status.id] = row
            for task_id in snapshot.removed:
                rows.pop(task_id, None)
        self.latest = snapshot

    def full(self) -> Snapshot:
        """Everything as one full snapshot (at the latest revision)."""
        if self.latest is None:
            raise ValueError("no snapshot applied yet")
        return self.latest.model_copy(
            update={"tasks": list(self.rows.values()), "task_rows": [], "removed": [], "full": True}
        )
