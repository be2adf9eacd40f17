"""The simulated storage cluster as the dashboard sees it: disks, their status, and disk migrations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from .base import WireModel


class DiskStatus(StrEnum):
    NORMAL = "normal"
    BROKEN = "broken"
    REPAIRING = "repairing"
    REPAIRED = "repaired"
    DROPPING = "dropping"
    DROPPED = "dropped"


class DiskInfo(WireModel):
    disk_id: int
    host: str
    idc: str
    capacity: int
    used: int
    status: DiskStatus
    chunk_count: int = 0


class DiskMigration(WireModel):
    """One repairing or dropping disk: how many of its migrate tasks are done, bytes moved, rate and ETA."""

    disk_id: int
    task_type: str
    host: str = ""
    total_tasks_cnt: int
    migrated_tasks_cnt: int
    bytes_done: int = 0
    bytes_total: int = 0
    rate_bytes_per_s: float = 0.0
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def fraction(self) -> float:
        return 1.0 if self.total_tasks_cnt == 0 else self.migrated_tasks_cnt / self.total_tasks_cnt

    @property
    def eta_seconds(self) -> float | None:
        if self.finished_at is not None:
            return 0.0
        if self.rate_bytes_per_s <= 0:
            return None
        return max(0.0, (self.bytes_total - self.bytes_done) / self.rate_bytes_per_s)


class ClusterSummary(WireModel):
    name: str
    node: str
    is_leader: bool = True
    idcs: list[str] = Field(default_factory=list)
    hosts: int = 0
    disks_by_status: dict[str, int] = Field(default_factory=dict)
    volumes: int = 0
    silent_hosts: list[str] = Field(default_factory=list)
