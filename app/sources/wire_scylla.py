"""Translate a ScyllaDB node's task-manager answers into the dashboard's rows, keeping what the server forgot.

``task_stats`` has no parent link, so trees come from ``task_status_recursive`` of live roots; finished roots are
shown from their list entry only, because reading a finished task's status unregisters it on 6.2.0 servers.
"""

from __future__ import annotations

from typing import Any

from engine.model import NO_PARENT, TaskKind, TaskRow, TaskStats, TaskStatus


def stats_list_from_wire(body: Any) -> list[TaskStats]:
    if not isinstance(body, list):
        raise ValueError(f"list_module_tasks must answer a JSON array, got {type(body).__name__}")
    return [TaskStats.model_validate(item) for item in body]


def status_from_stats(stats: TaskStats) -> TaskStatus:
    """A list entry seen as a status: the fields it lacks (progress, links) stay at their defaults."""
    return TaskStatus(
        id=stats.task_id,
        type=stats.type,
        kind=stats.kind,
        scope=stats.scope,
        state=stats.state,
        is_abortable=False,
        start_time=stats.start_time,
        end_time=stats.end_time,
        sequence_number=stats.sequence_number,
        shard=stats.shard,
        keyspace=stats.keyspace,
        table=stats.table,
        entity=stats.entity,
    )


def rows_from_tree(module: str, body: Any) -> list[TaskRow]:
    """``task_status_recursive``: the root and its descendants in BFS order; descendants are internal."""
    if not isinstance(body, list):
        raise ValueError(f"task_status_recursive must answer a JSON array, got {type(body).__name__}")
    rows = []
    for item in body:
        status = TaskStatus.model_validate(item)
        internal = status.parent_id not in ("", NO_PARENT) and status.kind is TaskKind.NODE
        rows.append(TaskRow(module=module, internal=internal, status=status))
    return rows


class SeenTasks:
    """Rows the client has seen; a row the server no longer lists stays, marked ``gone``, so nothing vanishes."""

    def __init__(self, keep: int = 10_000) -> None:
        self.rows: dict[str, TaskRow] = {}
        self.keep = keep

    def merge(self, current: list[TaskRow]) -> tuple[list[TaskRow], list[str]]:
        """Fold this poll's rows in; returns (changed rows, ids dropped for space)."""
        changed: list[TaskRow] = []
        present = {row.id for row in current}
        for row in current:
            if self.rows.get(row.id) != row:
                self.rows[row.id] = row
                changed.append(row)
        for task_id, row in list(self.rows.items()):
            if task_id not in present and not row.gone:
                gone = row.model_copy(update={"gone": True})
                self.rows[task_id] = gone
                changed.append(gone)
        dropped: list[str] = []
        if len(self.rows) > self.keep:
            for task_id in [tid for tid, row in self.rows.items() if row.gone][: len(self.rows) - self.keep]:
                del self.rows[task_id]
                dropped.append(task_id)
        return changed, dropped
