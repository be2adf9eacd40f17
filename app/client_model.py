"""The app's copy of the data: a flat, indexed task table fed by snapshot deltas, plus the latest everything-else.

Every refresh asks the source for what changed since the last revision and applies it here; widgets are then told
which ids changed, so they repaint only those. Actions look tasks up here — the full model — never in a widget's
filtered view.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.model import Snapshot, TaskRow

MAX_GONE = 200
"""Finished tasks kept (marked gone) after the server forgot them, oldest dropped first."""


@dataclass
class Changes:
    """What one snapshot changed; ``full`` means every widget should resync from the model."""

    full: bool
    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)

    @property
    def any_task(self) -> bool:
        return self.full or bool(self.changed or self.removed)


class ClientModel:
    def __init__(self, *, keep_gone: bool = True) -> None:
        self.keep_gone = keep_gone
        self.rows: dict[str, TaskRow] = {}
        self.revision = 0
        self.latest: Snapshot | None = None
        """The last snapshot applied, for stats, migrations, supervisor and cluster (its ``tasks`` are deltas)."""
        self._gone_order: list[str] = []

    def apply(self, snapshot: Snapshot) -> Changes:
        if snapshot.full:
            changes = self._apply_full(snapshot)
        else:
            changes = Changes(full=False)
            for row in snapshot.tasks:
                if self.rows.get(row.id) != row:
                    self.rows[row.id] = row
                    changes.changed.add(row.id)
            for task_id in snapshot.removed:
                self._remove(task_id, changes)
        self.revision = snapshot.revision
        self.latest = snapshot.model_copy(update={"tasks": [], "removed": []})
        return changes

    def _apply_full(self, snapshot: Snapshot) -> Changes:
        incoming = {row.id: row for row in snapshot.tasks}
        changes = Changes(full=True)
        for task_id in [t for t in self.rows if t not in incoming]:
            self._remove(task_id, changes)
        for task_id, row in incoming.items():
            if self.rows.get(task_id) != row:
                changes.changed.add(task_id)
            self.rows[task_id] = row
        return changes

    def _remove(self, task_id: str, changes: Changes) -> None:
        row = self.rows.get(task_id)
        if row is None:
            return
        if self.keep_gone and row.status.state.is_final:
            if not row.gone:
                self.rows[task_id] = row.model_copy(update={"gone": True})
                self._gone_order.append(task_id)
                changes.changed.add(task_id)
                self._trim_gone(changes)
            return
        del self.rows[task_id]
        changes.removed.add(task_id)

    def _trim_gone(self, changes: Changes) -> None:
        while len(self._gone_order) > MAX_GONE:
            oldest = self._gone_order.pop(0)
            if oldest in self.rows and self.rows[oldest].gone:
                del self.rows[oldest]
                changes.changed.discard(oldest)
                changes.removed.add(oldest)

    def reset(self) -> None:
        """Forget the revision so the next snapshot is a full one (after a reconnect)."""
        self.revision = 0

    def get(self, task_id: str) -> TaskRow | None:
        return self.rows.get(task_id)

    def find_by_entity(self, entity: str) -> TaskRow | None:
        """The task working on ``entity`` — e.g. the task-manager row of a CubeFS migrate task id."""
        return next((row for row in self.rows.values() if row.status.entity == entity), None)

    def find(self, text: str) -> TaskRow | None:
        """A task by exact id, else by unique id prefix."""
        if text in self.rows:
            return self.rows[text]
        matches = [row for task_id, row in self.rows.items() if task_id.startswith(text)]
        return matches[0] if len(matches) == 1 else None
