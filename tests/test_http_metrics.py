"""``/metrics`` from one snapshot, without a server: the families Prometheus scrapes and how they are written."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from engine.http import metrics
from engine.model import (
    ClusterSummary,
    DiskMigration,
    ErrorRateStats,
    Snapshot,
    TaskRow,
    TasksStat,
    TaskState,
    TaskStatus,
)

from .metrics_support import sample


def snapshot(**values: object) -> Snapshot:
    return Snapshot.model_validate(
        {
            "revision": 7,
            "full": True,
            "taken_at": datetime(2024, 1, 1, tzinfo=UTC),
            "cluster": ClusterSummary(name="c", node="n"),
            "stats": TasksStat(),
            "modules": ["m"],
            **values,
        }
    )


def declared_types(text: str) -> dict[str, str]:
    return {line.split()[2]: line.split()[3] for line in text.splitlines() if line.startswith("# TYPE ")}


def test_the_error_total_is_a_counter_under_its_own_name() -> None:
    rates = ErrorRateStats(total_err_cnt=18)
    text = metrics.render(snapshot(stats=TasksStat(shard_repair=rates)))
    assert declared_types(text)["schedtop_cubefs_errors_total"] == "counter"
    assert sample(text, "schedtop_cubefs_errors_total", task_type="shard_repair") == 18
    assert "# HELP schedtop_cubefs_errors_total errors counted since start (total_err_cnt)\n" in text


def test_only_schedtop_families_are_exposed_each_with_its_declared_help_and_type() -> None:
    text = metrics.render(snapshot(stats=TasksStat(blob_delete=ErrorRateStats())), open_waits=2)
    families = list(text_string_to_metric_families(text))
    assert {family.name for family in families} >= {"schedtop_snapshot_revision", "schedtop_http_open_waits"}
    for family in families:
        name = f"{family.name}_total" if family.type == "counter" else family.name
        kind, help_text, _labels = metrics.FAMILIES[name]
        assert (family.type, family.documentation) == (kind, help_text)
    assert sample(text, "schedtop_http_open_waits") == 2
    assert sample(text, "schedtop_snapshot_revision") == 7


def test_a_family_without_samples_is_left_out() -> None:
    text = metrics.render(snapshot())
    assert "schedtop_disk_migration_tasks_total" not in text and "schedtop_cubefs_errors_total" not in text


def test_tasks_are_counted_by_module_type_and_state_leaving_out_the_gone() -> None:
    def row(task_id: str, gone: bool = False) -> TaskRow:
        return TaskRow(module="m", status=TaskStatus(id=task_id, type="t", state=TaskState.RUNNING), gone=gone)

    text = metrics.render(snapshot(tasks=[row("a"), row("b"), row("c", gone=True)]))
    assert sample(text, "schedtop_tasks", module="m", type="t", state="running") == 2


def test_label_values_are_escaped() -> None:
    status = TaskStatus(id="a", type='odd "type"\nwith a \\', state=TaskState.RUNNING)
    text = metrics.render(snapshot(tasks=[TaskRow(module="m", status=status)]))
    assert 'type="odd \\"type\\"\\nwith a \\\\"' in text
    assert sample(text, "schedtop_tasks", module="m", type=status.type, state="running") == 1


def test_a_disk_migration_is_labelled_by_disk_and_task_type() -> None:
    migration = DiskMigration(
        disk_id=12, task_type="disk_drop", total_tasks_cnt=40, migrated_tasks_cnt=10, bytes_total=4 << 40
    )
    text = metrics.render(snapshot(migrations=[migration]))
    labels = {"disk_id": "12", "task_type": "disk_drop"}
    assert sample(text, "schedtop_disk_migration_tasks_migrated", **labels) == 10
    assert sample(text, "schedtop_disk_migration_bytes_total", **labels) == 4 << 40


def test_the_content_type_is_the_text_format_0_0_4() -> None:
    assert metrics.CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"
