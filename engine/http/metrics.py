"""``GET /metrics`` in the Prometheus text exposition format (0.0.4), written by hand from one snapshot.

Task counts by module/type/state, the CubeFS queues, per-minute throughput (the last complete minute of each
20-slot ring), error totals, the supervisor's state and hanging runs, and disk migration progress.
"""

from __future__ import annotations

from collections import Counter

from ..model import DiskRepairStats, Snapshot, SupervisorState, TasksStat

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


FAMILIES: dict[str, tuple[str, str]] = {
    "schedtop_http_open_waits": ("gauge", "wait_task requests in flight (each ends when its client leaves)"),
    "schedtop_tasks": ("gauge", "tasks registered in the task manager, by module, type and state"),
    "schedtop_cubefs_enabled": ("gauge", "whether the background task type is switched on"),
    "schedtop_cubefs_queue_tasks": (
        "gauge",
        "migrate tasks per queue (preparing_cnt, worker_doing_cnt, finishing_cnt)",
    ),
    "schedtop_cubefs_finished_per_minute": ("gauge", "tasks finished in the last complete minute"),
    "schedtop_cubefs_shards_per_minute": ("gauge", "shards moved in the last complete minute"),
    "schedtop_cubefs_bytes_per_minute": ("gauge", "bytes moved in the last complete minute"),
    "schedtop_cubefs_timeouts_per_minute": ("gauge", "volume inspections timed out in the last complete minute"),
    "schedtop_cubefs_success_per_minute": ("gauge", "successes in the last complete minute"),
    "schedtop_cubefs_failed_per_minute": ("gauge", "failures in the last complete minute"),
    "schedtop_cubefs_errors_total": ("counter", "errors counted since start (total_err_cnt)"),
    "schedtop_cubefs_disk_tasks_total": ("gauge", "migrate tasks of the disks being repaired or dropped"),
    "schedtop_cubefs_disk_tasks_done": ("gauge", "finished migrate tasks of the disks being repaired or dropped"),
    "schedtop_supervisor_configured": ("gauge", "whether a schedule is configured"),
    "schedtop_supervisor_state": ("gauge", "1 for the supervisor's current state"),
    "schedtop_supervisor_hanging_runs": ("gauge", "job runs running far past their interval"),
    "schedtop_supervisor_jobs": ("gauge", "scheduled jobs"),
    "schedtop_disk_migration_tasks_total": ("gauge", "migrate tasks of a repairing or dropping disk"),
    "schedtop_disk_migration_tasks_migrated": ("gauge", "finished migrate tasks of a repairing or dropping disk"),
    "schedtop_disk_migration_bytes_done": ("gauge", "bytes moved off a repairing or dropping disk"),
    "schedtop_disk_migration_bytes_total": ("gauge", "bytes to move off a repairing or dropping disk"),
    "schedtop_task_ttl_seconds": ("gauge", "task_ttl of the task manager"),
    "schedtop_user_task_ttl_seconds": ("gauge", "user_task_ttl of the task manager"),
    "schedtop_snapshot_revision": ("gauge", "revision of the engine state the metrics were read from"),
}


class Exposition:
    """Collects samples per family and renders each family as one group with its HELP and TYPE."""

    def __init__(self) -> None:
        self._samples: dict[str, list[str]] = {}

    def add(self, name: str, value: float, **labels: object) -> None:
        if name not in FAMILIES:
            raise KeyError(f"undeclared metric family {name}")
        self._samples.setdefault(name, []).append(f"{name}{_labels(labels)} {_number(value)}")

    def render(self) -> str:
        lines: list[str] = []
        for name, samples in self._samples.items():
            kind, help_text = FAMILIES[name]
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *samples]
        return "\n".join(lines) + "\n"


def _labels(labels: dict[str, object]) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape(str(value))}"' for key, value in labels.items())
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _last_full_minute(series: list[int]) -> int:
    """The newest complete minute: the last slot is the current, partial one."""
    return series[-2] if len(series) >= 2 else 0


def render(snapshot: Snapshot, *, open_waits: int = 0) -> str:
    out = Exposition()
    _tasks(out, snapshot)
    _cubefs(out, snapshot.stats)
    _supervisor(out, snapshot)
    _migrations(out, snapshot)
    out.add("schedtop_task_ttl_seconds", snapshot.task_ttl)
    out.add("schedtop_user_task_ttl_seconds", snapshot.user_task_ttl)
    out.add("schedtop_snapshot_revision", snapshot.revision)
    out.add("schedtop_http_open_waits", open_waits)
    return out.render()


def _tasks(out: Exposition, snapshot: Snapshot) -> None:
    counts = Counter((row.module, row.status.type, row.status.state.value) for row in snapshot.tasks if not row.gone)
    for (module, task_type, state), count in sorted(counts.items()):
        out.add("schedtop_tasks", count, module=module, type=task_type, state=state)


def _cubefs(out: Exposition, stats: TasksStat) -> None:
    migrate = {
        "disk_repair": stats.disk_repair,
        "disk_drop": stats.disk_drop,
        "balance": stats.balance,
        "manual_migrate": stats.manual_migrate,
    }
    for task_type, section in migrate.items():
        if section is None:
            continue
        enabled = getattr(section, "enable", True)
        out.add("schedtop_cubefs_enabled", enabled, task_type=task_type)
        for queue, value in (
            ("preparing", section.preparing_cnt),
            ("worker_doing", section.worker_doing_cnt),
            ("finishing", section.finishing_cnt),
        ):
            out.add(
                "schedtop_cubefs_queue_tasks",
                value,
                task_type=task_type,
                queue=queue,
            )
        per_min = section.stats_per_min
        out.add(
            "schedtop_cubefs_finished_per_minute",
            _last_full_minute(per_min.finished_cnt),
            task_type=task_type,
        )
        out.add(
            "schedtop_cubefs_shards_per_minute",
            _last_full_minute(per_min.shard_cnt),
            task_type=task_type,
        )
        out.add(
            "schedtop_cubefs_bytes_per_minute",
            _last_full_minute(per_min.data_amount_byte),
            task_type=task_type,
        )
    for task_type, disk in (("disk_repair", stats.disk_repair), ("disk_drop", stats.disk_drop)):
        if disk is None:
            continue
        done = disk.repaired_tasks_cnt if isinstance(disk, DiskRepairStats) else disk.dropped_tasks_cnt
        out.add(
            "schedtop_cubefs_disk_tasks_total",
            disk.total_tasks_cnt,
            task_type=task_type,
        )
        out.add(
            "schedtop_cubefs_disk_tasks_done",
            done,
            task_type=task_type,
        )
    if stats.volume_inspect is not None:
        inspect = stats.volume_inspect
        out.add("schedtop_cubefs_enabled", inspect.enable, task_type="volume_inspect")
        out.add(
            "schedtop_cubefs_finished_per_minute",
            _last_full_minute(inspect.finished_per_min),
            task_type="volume_inspect",
        )
        out.add(
            "schedtop_cubefs_timeouts_per_minute",
            _last_full_minute(inspect.time_out_per_min),
            task_type="volume_inspect",
        )
    for task_type, rates in (("shard_repair", stats.shard_repair), ("blob_delete", stats.blob_delete)):
        if rates is None:
            continue
        out.add("schedtop_cubefs_enabled", rates.enable, task_type=task_type)
        out.add(
            "schedtop_cubefs_success_per_minute",
            _last_full_minute(rates.success_per_min),
            task_type=task_type,
        )
        out.add(
            "schedtop_cubefs_failed_per_minute",
            _last_full_minute(rates.failed_per_min),
            task_type=task_type,
        )
        out.add("schedtop_cubefs_errors_total", rates.total_err_cnt, task_type=task_type)


def _supervisor(out: Exposition, snapshot: Snapshot) -> None:
    view = snapshot.supervisor
    out.add("schedtop_supervisor_configured", view.configured)
    for state in SupervisorState:
        out.add(
            "schedtop_supervisor_state",
            view.configured and view.state is state,
            state=state.value,
        )
    out.add(
        "schedtop_supervisor_hanging_runs",
        sum(1 for result in view.results if result.hanging),
    )
    out.add("schedtop_supervisor_jobs", len(view.jobs))


def _migrations(out: Exposition, snapshot: Snapshot) -> None:
    for migration in snapshot.migrations:
        labels = {"disk_id": migration.disk_id, "task_type": migration.task_type}
        out.add("schedtop_disk_migration_tasks_total", migration.total_tasks_cnt, **labels)
        out.add(
            "schedtop_disk_migration_tasks_migrated",
            migration.migrated_tasks_cnt,
            **labels,
        )
        out.add("schedtop_disk_migration_bytes_done", migration.bytes_done, **labels)
        out.add("schedtop_disk_migration_bytes_total", migration.bytes_total, **labels)
