"""A ScyllaDB node's task-manager answers (6.2.0 and newer shapes) become dashboard rows; nothing silently vanishes."""

from app.sources.wire_scylla import SeenTasks, rows_from_tree, stats_list_from_wire, status_from_stats
from engine.model import TaskRow, TaskState, TaskStatus

ROOT = "2c4a3b2e-6b8f-4c7e-9f1a-0d6e2b1c9a01"
CHILD = "7e1f0a9b-3c2d-4e5f-8a6b-1c2d3e4f5a60"

LIST_620 = [  # 6.2.0 task_stats: no shard, start_time or end_time
    {
        "task_id": ROOT,
        "state": "running",
        "type": "repair",
        "kind": "node",
        "scope": "keyspace",
        "keyspace": "ks1",
        "table": "",
        "entity": "",
        "sequence_number": 3,
    }
]

TREE = [
    {
        "id": ROOT,
        "type": "repair",
        "kind": "node",
        "scope": "keyspace",
        "state": "running",
        "is_abortable": True,
        "start_time": "2026-11-24T02:00:00Z",
        "end_time": "1970-01-01T00:00:00Z",
        "error": "",
        "parent_id": "none",
        "sequence_number": 3,
        "shard": 0,
        "keyspace": "ks1",
        "table": "",
        "entity": "",
        "progress_units": "ranges",
        "progress_total": 10.0,
        "progress_completed": 4.0,
        "children_ids": [{"task_id": CHILD, "node": "127.0.0.1"}],
    },
    {
        "id": CHILD,
        "type": "repair",
        "kind": "node",
        "scope": "shard",
        "state": "running",
        "is_abortable": False,
        "start_time": "2026-11-24T02:00:01Z",
        "end_time": "1970-01-01T00:00:00Z",
        "error": "",
        "parent_id": ROOT,
        "sequence_number": 3,
        "shard": 1,
        "keyspace": "ks1",
        "table": "",
        "entity": "",
        "progress_units": "ranges",
        "progress_total": 5.0,
        "progress_completed": 2.0,
        "children_ids": [],
    },
]


def test_a_620_task_list_without_shard_and_times_parses() -> None:
    (stats,) = stats_list_from_wire(LIST_620)
    assert stats.shard == 0 and stats.start_time is None
    assert status_from_stats(stats).id == ROOT


def test_a_recursive_status_becomes_a_root_row_and_an_internal_child_row() -> None:
    root, child = rows_from_tree("repair", TREE)
    assert (root.internal, child.internal) == (False, True)
    assert root.status.fraction == 0.4
    assert child.status.parent_id == ROOT


def test_a_task_the_server_stops_listing_stays_visible_marked_gone() -> None:
    seen = SeenTasks()
    row = TaskRow(module="repair", status=TaskStatus(id=ROOT, type="repair", state=TaskState.DONE))
    seen.merge([row])
    changed, _ = seen.merge([])
    assert [r.gone for r in changed] == [True]
    assert seen.rows[ROOT].gone


def test_an_unchanged_poll_reports_no_changes() -> None:
    seen = SeenTasks()
    rows = rows_from_tree("repair", TREE)
    seen.merge(rows)
    assert seen.merge(rows_from_tree("repair", TREE)) == ([], [])
