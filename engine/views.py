"""Read-only views of the engine's state in the wire model: CubeFS ``/stats`` and the cluster summary."""

from __future__ import annotations

from typing import Any

from .model import (
    BalanceStats,
    ClusterSummary,
    DiskDropStats,
    DiskRepairStats,
    ErrorRateStats,
    ManualMigrateStats,
    StatsPerMin,
    TasksStat,
    VolumeInspectStats,
)
from .sim.cluster import Cluster
from .stats import StatsBook
from .tasks.disk_migration import DiskMigrationType
from .tasks.migrate import Migrations


def _per_min(stats: StatsBook, task_type: str, unix: float) -> StatsPerMin:
    return StatsPerMin(
        finished_cnt=stats.show(task_type, "finished_cnt", unix),
        shard_cnt=stats.show(task_type, "shard_cnt", unix),
        data_amount_byte=stats.show(task_type, "data_amount_byte", unix),
    )


def _error_rate(stats: StatsBook, task_type: str, unix: float, enabled: bool) -> ErrorRateStats:
    book = stats.errors.get(task_type)
    return ErrorRateStats(
        enable=enabled,
        success_per_min=stats.show(task_type, "success_per_min", unix),
        failed_per_min=stats.show(task_type, "failed_per_min", unix),
        total_err_cnt=book.total if book else 0,
        err_stats=book.formatted() if book else None,
    )


def _queue(stats: StatsBook, migrations: Migrations, task_type: str, unix: float) -> dict[str, Any]:
    """The fields every migrating type's ``/stats`` entry shares: its three queues and its per-minute figures."""
    preparing, doing, finishing = migrations.counts(task_type)
    return {
        "preparing_cnt": preparing,
        "worker_doing_cnt": doing,
        "finishing_cnt": finishing,
        "stats_per_min": _per_min(stats, task_type, unix),
    }


def tasks_stat(
    stats: StatsBook,
    migrations: Migrations,
    repair: DiskMigrationType,
    drop: DiskMigrationType,
    enabled: dict[str, bool],
    unix: float,
    leader: bool = True,
) -> TasksStat:
    """``/stats`` (``leader=False``: a follower's, with only shard_repair and blob_delete)."""
    shard_repair = _error_rate(stats, "shard_repair", unix, enabled.get("shard_repair", True))
    blob_delete = _error_rate(stats, "blob_delete", unix, enabled.get("blob_delete", True))
    if not leader:
        return TasksStat(shard_repair=shard_repair, blob_delete=blob_delete)
    repairing = repair.active_jobs()
    dropping = drop.active_jobs()
    disk_repair = DiskRepairStats(
        enable=enabled.get("disk_repair", True),
        repairing_disks=sorted(j.disk_id for j in repairing),
        total_tasks_cnt=sum(j.total for j in repairing),
        repaired_tasks_cnt=sum(j.migrated for j in repairing),
        **_queue(stats, migrations, "disk_repair", unix),
    )
    disk_drop = DiskDropStats(
        enable=enabled.get("disk_drop", True),
        dropping_disks=sorted(j.disk_id for j in dropping),
        total_tasks_cnt=sum(j.total for j in dropping),
        dropped_tasks_cnt=sum(j.migrated for j in dropping),
        **_queue(stats, migrations, "disk_drop", unix),
    )
    balance = BalanceStats(enable=enabled.get("balance", True), **_queue(stats, migrations, "balance", unix))
    manual = ManualMigrateStats(**_queue(stats, migrations, "manual_migrate", unix))
    inspect = VolumeInspectStats(
        enable=enabled.get("volume_inspect", False),
        finished_per_min=stats.show("volume_inspect", "finished_per_min", unix),
        time_out_per_min=stats.show("volume_inspect", "time_out_per_min", unix),
    )
    return TasksStat(
        disk_repair=disk_repair,
        disk_drop=disk_drop,
        balance=balance,
        manual_migrate=manual,
        volume_inspect=inspect,
        shard_repair=shard_repair,
        blob_delete=blob_delete,
    )


def cluster_summary(cluster: Cluster, node: str, leader: bool) -> ClusterSummary:
    by_status = cluster.disks_by_status()
    return ClusterSummary(
        name=cluster.name,
        node=node,
        is_leader=leader,
        idcs=cluster.idcs,
        hosts=len(cluster.hosts),
        disks_by_status=dict(by_status),
        volumes=len(cluster.volumes),
        silent_hosts=sorted(h.url for h in cluster.hosts.values() if h.silent),
    )
