"""``GET /metrics``: one engine snapshot as Prometheus metrics, written out by prometheus-client.

Task counts by module/type/state, the CubeFS queues, per-minute throughput (the last complete minute of each
20-slot ring), error totals, the supervisor's state and hanging runs, disk migration progress, and the firing
alerts by rule and severity (every rule, 0 when it does not fire, so an alerting rule can tell 0 from no data).

:class:`SnapshotCollector` turns a snapshot into metric families; :func:`render` puts it in a registry of its own
(the library's process-wide default registry would add its process and platform families) and lets
``generate_latest`` write the text exposition format 0.0.4.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from operator import itemgetter

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from ..alerts import RULES
from ..model import Alert, DiskRepairStats, Snapshot, SupervisorState, TasksStat
from ..model.compact_row import HEAD_AT, HEAD_MODULE, HEAD_TYPE, STATE_AT, CompactRow, gone_of

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

_BY_TYPE = ("task_type",)
_BY_DISK = ("disk_id", "task_type")

# name → (type, HELP text, label names). A counter's name ends in _total: prometheus-client strips the suffix from
# the family and puts it back on the TYPE line and the samples, so the exposed name is the one written here.
FAMILIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "schedtop_http_open_waits": ("gauge", "wait_task requests in flight (each ends when its client leaves)", ()),
    "schedtop_tasks": (
        "gauge",
        "tasks registered in the task manager, by module, type and state",
        ("module", "type", "state"),
    ),
    "schedtop_cubefs_enabled": ("gauge", "whether the background task type is switched on", _BY_TYPE),
    "schedtop_cubefs_queue_tasks": (
        "gauge",
        "migrate tasks per queue (preparing_cnt, worker_doing_cnt, finishing_cnt)",
        ("task_type", "queue"),
    ),
    "schedtop_cubefs_finished_per_minute": ("gauge", "tasks finished in the last complete minute", _BY_TYPE),
    "schedtop_cubefs_shards_per_minute": ("gauge", "shards moved in the last complete minute", _BY_TYPE),
    "schedtop_cubefs_bytes_per_minute": ("gauge", "bytes moved in the last complete minute", _BY_TYPE),
    "schedtop_cubefs_timeouts_per_minute": (
        "gauge",
        "volume inspections timed out in the last complete minute",
        _BY_TYPE,
    ),
    "schedtop_cubefs_success_per_minute": ("gauge", "successes in the last complete minute", _BY_TYPE),
    "schedtop_cubefs_failed_per_minute": ("gauge", "failures in the last complete minute", _BY_TYPE),
    "schedtop_cubefs_errors_total": ("counter", "errors counted since start (total_err_cnt)", _BY_TYPE),
    "schedtop_cubefs_disk_tasks_total": (
        "gauge",
        "migrate tasks of the disks being repaired or dropped",
        _BY_TYPE,
    ),
    "schedtop_cubefs_disk_tasks_done": (
        "gauge",
        "finished migrate tasks of the disks being repaired or dropped",
        _BY_TYPE,
    ),
    "schedtop_supervisor_configured": ("gauge", "whether a schedule is configured", ()),
    "schedtop_supervisor_state": ("gauge", "1 for the supervisor's current state", ("state",)),
    "schedtop_supervisor_hanging_runs": ("gauge", "job runs running far past their interval", ()),
    "schedtop_supervisor_jobs": ("gauge", "scheduled jobs", ()),
    "schedtop_disk_migration_tasks_total": ("gauge", "migrate tasks of a repairing or dropping disk", _BY_DISK),
    "schedtop_disk_migration_tasks_migrated": (
        "gauge",
        "finished migrate tasks of a repairing or dropping disk",
        _BY_DISK,
    ),
    "schedtop_disk_migration_bytes_done": ("gauge", "bytes moved off a repairing or dropping disk", _BY_DISK),
    "schedtop_disk_migration_bytes_total": ("gauge", "bytes to move off a repairing or dropping disk", _BY_DISK),
    "schedtop_task_ttl_seconds": ("gauge", "task_ttl of the task manager", ()),
    "schedtop_user_task_ttl_seconds": ("gauge", "user_task_ttl of the task manager", ()),
    "schedtop_snapshot_revision": ("gauge", "revision of the engine state the metrics were read from", ()),
    "schedtop_alerts": (
        "gauge",
        "alerts firing, by rule and severity (GET /api/alerts lists them)",
        ("rule", "severity"),
    ),
}


class Families:
    """The families of one snapshot, in the order of their first sample; a family without samples is left out."""

    def __init__(self) -> None:
        self._families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}

    def add(self, name: str, value: float, **labels: object) -> None:
        kind, help_text, label_names = FAMILIES[name]
        if set(labels) != set(label_names):
            raise KeyError(f"{name} is labelled by {label_names}, got {tuple(labels)}")
        family = self._families.get(name)
        if family is None:
            make = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            family = self._families[name] = make(name, help_text, labels=label_names)
        family.add_metric([str(labels[label]) for label in label_names], float(value))

    def __iter__(self) -> Iterator[Metric]:
        return iter(self._families.values())


class SnapshotCollector(Collector):
    """The metrics of one snapshot: every family comes from the same revision, so they never disagree."""

    def __init__(self, snapshot: Snapshot, open_waits: int = 0, alerts: Sequence[Alert] | None = None) -> None:
        self.snapshot = snapshot
        self.open_waits = open_waits
        self.alerts = alerts

    def collect(self) -> Iterator[Metric]:
        snapshot, out = self.snapshot, Families()
        _tasks(out, snapshot)
        _cubefs(out, snapshot.stats)
        _supervisor(out, snapshot)
        _migrations(out, snapshot)
        out.add("schedtop_task_ttl_seconds", snapshot.task_ttl)
        out.add("schedtop_user_task_ttl_seconds", snapshot.user_task_ttl)
        out.add("schedtop_snapshot_revision", snapshot.revision)
        out.add("schedtop_http_open_waits", self.open_waits)
        if self.alerts is not None:
            _alerts(out, self.alerts)
        yield from out


class AlertsCollector(Collector):
    """``schedtop_alerts`` alone: every rule, with the count of ``firing`` alerts of it (0 when none fires).

    The fleet exporter adds it for a node whose snapshot is missing (down), where :class:`SnapshotCollector` has
    nothing to say but the node_down alert does."""

    def __init__(self, firing: Sequence[Alert]) -> None:
        self.firing = firing

    def collect(self) -> Iterator[Metric]:
        out = Families()
        _alerts(out, self.firing)
        yield from out


def render(snapshot: Snapshot, *, open_waits: int = 0, alerts: Sequence[Alert] | None = None) -> str:
    """The text exposition of one snapshot (served with :data:`CONTENT_TYPE`); ``alerts`` are the firing ones."""
    registry = CollectorRegistry()
    registry.register(SnapshotCollector(snapshot, open_waits, alerts))
    return generate_latest(registry).decode("utf-8")


_COUNTED = itemgetter(HEAD_AT, STATE_AT)


def _not_gone(row: CompactRow) -> bool:
    return not gone_of(row)


def _last_full_minute(series: list[int]) -> int:
    """The newest complete minute: the last slot is the current, partial one."""
    return series[-2] if len(series) >= 2 else 0


def _tasks(out: Families, snapshot: Snapshot) -> None:
    counts = Counter((row.module, row.status.type, row.status.state) for row in snapshot.tasks if not row.gone)
    # Compact rows (serve's own snapshot, schedtop serve read by the exporter): counted on the tuples, no model each.
    # Counted by (head, state) first: the few distinct heads then give their module and type.
    for (head, state), count in Counter(map(_COUNTED, filter(_not_gone, snapshot.task_rows))).items():
        counts[(head[HEAD_MODULE], head[HEAD_TYPE], state)] += count
    for (module, task_type, state), count in sorted(counts.items()):
        out.add("schedtop_tasks", count, module=module, type=task_type, state=state.value)


def _cubefs(out: Families, stats: TasksStat) -> None:
    migrate = {
        "disk_repair": stats.disk_repair,
        "disk_drop": stats.disk_drop,
        "balance": stats.balance,
        "manual_migrate": stats.manual_migrate,
    }
    for task_type, section in migrate.items():
        if section is None:
            continue
        out.add("schedtop_cubefs_enabled", getattr(section, "enable", True), task_type=task_type)
        for queue, value in (
            ("preparing", section.preparing_cnt),
            ("worker_doing", section.worker_doing_cnt),
            ("finishing", section.finishing_cnt),
        ):
            out.add("schedtop_cubefs_queue_tasks", value, task_type=task_type, queue=queue)
        per_min = section.stats_per_min
        out.add("schedtop_cubefs_finished_per_minute", _last_full_minute(per_min.finished_cnt), task_type=task_type)
        out.add("schedtop_cubefs_shards_per_minute", _last_full_minute(per_min.shard_cnt), task_type=task_type)
        out.add("schedtop_cubefs_bytes_per_minute", _last_full_minute(per_min.data_amount_byte), task_type=task_type)
    for task_type, disk in (("disk_repair", stats.disk_repair), ("disk_drop", stats.disk_drop)):
        if disk is None:
            continue
        done = disk.repaired_tasks_cnt if isinstance(disk, DiskRepairStats) else disk.dropped_tasks_cnt
        out.add("schedtop_cubefs_disk_tasks_total", disk.total_tasks_cnt, task_type=task_type)
        out.add("schedtop_cubefs_disk_tasks_done", done, task_type=task_type)
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
        out.add("schedtop_cubefs_success_per_minute", _last_full_minute(rates.success_per_min), task_type=task_type)
        out.add("schedtop_cubefs_failed_per_minute", _last_full_minute(rates.failed_per_min), task_type=task_type)
        out.add("schedtop_cubefs_errors_total", rates.total_err_cnt, task_type=task_type)


def _supervisor(out: Families, snapshot: Snapshot) -> None:
    view = snapshot.supervisor
    out.add("schedtop_supervisor_configured", view.configured)
    for state in SupervisorState:
        out.add("schedtop_supervisor_state", view.configured and view.state is state, state=state.value)
    out.add("schedtop_supervisor_hanging_runs", sum(1 for result in view.results if result.hanging))
    out.add("schedtop_supervisor_jobs", len(view.jobs))


def _migrations(out: Families, snapshot: Snapshot) -> None:
    for migration in snapshot.migrations:
        labels = {"disk_id": migration.disk_id, "task_type": migration.task_type}
        out.add("schedtop_disk_migration_tasks_total", migration.total_tasks_cnt, **labels)
        out.add("schedtop_disk_migration_tasks_migrated", migration.migrated_tasks_cnt, **labels)
        out.add("schedtop_disk_migration_bytes_done", migration.bytes_done, **labels)
        out.add("schedtop_disk_migration_bytes_total", migration.bytes_total, **labels)


def _alerts(out: Families, firing: Sequence[Alert]) -> None:
    counts = Counter(alert.rule for alert in firing)
    for rule in RULES:
        out.add("schedtop_alerts", counts[rule.name], rule=rule.name, severity=rule.severity.value)
