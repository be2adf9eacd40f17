"""One refresh worth of data for the dashboard: stats, tasks (as deltas), migrations, supervisor."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .base import WireModel
from .cluster import ClusterSummary, DiskMigration
from .compact_row import COMPACT_ROW_FIELDS, ROW_HEAD_FIELDS, CompactRow
from .cubefs import TasksStat
from .supervisor import SupervisorView
from .taskmanager import TaskStatus


class TaskRow(WireModel):
    """A task as the dashboard lists it: its status plus where it lives in the task manager."""

    module: str
    internal: bool = False
    user: bool = False
    gone: bool = Field(default=False, description="finished and no longer on the server; kept by the client")
    status: TaskStatus

    @property
    def id(self) -> str:
        return self.status.id


class Lag(WireModel):
    """How far a polite source's view trails the node: work its request budget has put off."""

    behind: int = Field(default=0, description="items (task trees, disks) not re-read within the source's max age")
    oldest_seconds: float = Field(default=0.0, description="seconds since the longest-unread item was read")


class Snapshot(WireModel):
    """A consistent view at one instant.

    ``tasks`` holds the rows changed since the ``since`` revision the caller passed (all rows when ``full``),
    ``removed`` the ids unregistered since then; feeding snapshots in order reproduces the full task table.
    A remote source of a big engine hands the changed rows over in ``task_rows`` instead, as tuples
    (:data:`~engine.model.compact_row.CompactRow`), so a 100 000-task snapshot builds no model per row;
    :meth:`changed_rows` gives every changed row as a :class:`TaskRow` whichever way it came.
    """

    revision: int
    full: bool
    taken_at: datetime
    clock_speed: float = Field(
        default=1.0, description="seconds of the data's clock per real second: the engine's speed, 1 for real clusters"
    )
    cluster: ClusterSummary
    stats: TasksStat
    modules: list[str]
    tasks: list[TaskRow] = Field(default_factory=list)
    task_rows: list[CompactRow] = Field(
        default_factory=list,
        description=f"changed task rows in the compact form, one array each, fields in this order: {COMPACT_ROW_FIELDS}"
        f", the head an array of the fields tasks of one kind share: {ROW_HEAD_FIELDS} (engine.model.compact),"
        " children_ids one flat array (task_id, node, task_id, node, …); a"
        " snapshot may carry its rows here, in tasks, or both",
    )
    removed: list[str] = Field(default_factory=list)
    migrations: list[DiskMigration] = Field(default_factory=list)
    supervisor: SupervisorView = Field(default_factory=SupervisorView)
    task_ttl: int = 0
    user_task_ttl: int = 3600
    switches: dict[str, bool] = Field(
        default_factory=dict,
        description="each switchable task type and whether it is on; the CubeFS ones also say so in their stats "
        "section's enable, the distributed ones (rebuild, check_disk, rebalance) only here",
    )
    suspended: dict[str, int] = Field(
        default_factory=dict,
        description="suspended tasks by task type (a type switched off suspends its running tasks); types with none "
        "are left out",
    )
    lag: Lag = Field(
        default_factory=Lag,
        description="for remote sources with a request budget: what is behind (always 0 for the embedded engine)",
    )

    @property
    def changed_count(self) -> int:
        """How many rows changed (both forms)."""
        return len(self.tasks) + len(self.task_rows)

    def changed_rows(self) -> list[TaskRow]:
        """Every changed row as a :class:`TaskRow`: ``tasks``, then ``task_rows`` built into rows (~10 µs each:
        readers of big snapshots pick what they need out of the tuples first)."""
        if not self.task_rows:
            return self.tasks
        from .compact import task_row  # the conversions import this module

        return [*self.tasks, *map(task_row, self.task_rows)]
