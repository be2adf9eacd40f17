"""Which task rows have a CubeFS migrate detail, and under which (type, id): the source layer reads the ids."""

from __future__ import annotations

import pytest

from app.sources.wire_cubefs import detail_key
from engine.model import TaskRow, TaskState, TaskStatus


def row(task_id: str, entity: str = "") -> TaskRow:
    return TaskRow(module="m", status=TaskStatus(id=task_id, type="t", state=TaskState.RUNNING, entity=entity))


@pytest.mark.parametrize(
    ("task_id", "entity", "key"),
    [
        ("balance-2678-387752-cg08", "", ("balance", "balance-2678-387752-cg08")),
        ("3f2a-uuid", "disk_repair-101-1003-abc", ("disk_repair", "disk_repair-101-1003-abc")),
        ("manual_migrate-1-2-x", "", ("manual_migrate", "manual_migrate-1-2-x")),
        ("disk_drop-7-8-y", "keyspace1", ("disk_drop", "disk_drop-7-8-y")),
        ("balance", "", None),
        ("shard_repair-1-2-z", "", None),
        ("3f2a-uuid", "ks.table", None),
    ],
)
def test_a_migrate_task_is_keyed_by_its_type_and_cubefs_id(
    task_id: str, entity: str, key: tuple[str, str] | None
) -> None:
    assert detail_key(row(task_id, entity)) == key
