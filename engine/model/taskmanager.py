"""The ScyllaDB task manager's wire format: ``task_stats`` (list items) and ``task_status`` (status, wait, tree)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field

from .base import WireModel
from .formats import ScyllaTime

NO_PARENT = "none"


class TaskState(StrEnum):
    CREATED = "created"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SUSPENDED = "suspended"

    @property
    def is_final(self) -> bool:
        return self in (TaskState.DONE, TaskState.FAILED)


class TaskKind(StrEnum):
    NODE = "node"
    CLUSTER = "cluster"


class ChildRef(WireModel):
    task_id: str
    node: str


class TaskStats(WireModel):
    """One item of ``list_module_tasks``."""

    model_config = ConfigDict(populate_by_name=True)

    task_id: str
    type: str
    kind: TaskKind = TaskKind.NODE
    scope: str = ""
    state: TaskState
    sequence_number: int = 0
    keyspace: str = ""
    table: str = ""
    entity: str = ""
    shard: int = 0
    start_time: ScyllaTime = None
    end_time: ScyllaTime = None


class TaskStatus(WireModel):
    """``task_status``: every field of ``task_stats`` (with ``id`` for ``task_id``) plus progress and tree links."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    type: str
    kind: TaskKind = TaskKind.NODE
    scope: str = ""
    state: TaskState
    is_abortable: bool = False
    start_time: ScyllaTime = None
    end_time: ScyllaTime = None
    error: str = ""
    parent_id: str = NO_PARENT
    sequence_number: int = 0
    shard: int = 0
    keyspace: str = ""
    table: str = ""
    entity: str = ""
    progress_units: str = ""
    progress_total: float = 0.0
    progress_completed: float = 0.0
    children_ids: list[ChildRef] = Field(default_factory=list)

    @property
    def has_parent(self) -> bool:
        return self.parent_id not in ("", NO_PARENT)

    @property
    def fraction(self) -> float | None:
        """Completed share in 0..1, or None when the task reports no total."""
        if self.progress_total <= 0:
            return None
        return max(0.0, min(1.0, self.progress_completed / self.progress_total))


class ScyllaError(WireModel):
    """Seastar httpd error body."""

    message: str
    code: int
