"""Compact rows share what sibling tasks have in common (issue 12): one head per kind of task, in the engine's rows
and in the rows a remote dashboard reads from the wire, and sharing never carries one row's change into another."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app.client_model import ClientModel
from app.sources.wire_schedtop import compact_from_body
from engine.model import ChildRef, ClusterSummary, Snapshot, TaskKind, TaskRow, TasksStat, TaskState, TaskStatus
from engine.model.compact import compact_row
from engine.model.compact_row import (
    HEAD_AT,
    HEAD_GONE,
    ID_AT,
    START_AT,
    STATE_AT,
    TOTAL_AT,
    CompactRow,
    gone_of,
    marked_gone,
)
from engine.task import Task

from .http_support import ServedEngine


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        disks = served.call(served.engine.disks())
        for disk in disks[:4]:  # four repair trees with a child per chunk: siblings by the dozen
            served.call(served.engine.break_disk(disk.disk_id))
        served.call(served.engine.fail_next("disk_repair", 1))
        served.advance(1)
        yield served


def engine_snapshot(served: ServedEngine, since: int = 0) -> Snapshot:
    async def take() -> Snapshot:
        return served.engine.snapshot(since, compact=True)

    return served.call(take())


def wire_snapshot(served: ServedEngine, since: int = 0) -> Snapshot:
    with served.client() as client:
        return compact_from_body(client.get("/api/snapshot/compact", params={"since": since}).content)


def by_head(rows: list[CompactRow]) -> dict[tuple[object, ...], list[CompactRow]]:
    groups: dict[tuple[object, ...], list[CompactRow]] = defaultdict(list)
    for row in rows:
        groups[row[HEAD_AT]].append(row)
    return groups


def siblings(served: ServedEngine) -> list[CompactRow]:
    """The rows of the most sibling tasks of one kind (one head)."""
    return max(by_head(engine_snapshot(served).task_rows).values(), key=len)


def test_rows_read_from_the_wire_equal_the_engines_rows(served: ServedEngine) -> None:
    full = engine_snapshot(served)
    assert wire_snapshot(served).task_rows == full.task_rows
    served.advance(2)
    assert wire_snapshot(served, full.revision).task_rows == engine_snapshot(served, full.revision).task_rows


@pytest.mark.parametrize("read", [engine_snapshot, wire_snapshot], ids=["engine", "wire"])
def test_sibling_tasks_rows_share_one_head(served: ServedEngine, read: object) -> None:
    rows = read(served).task_rows  # type: ignore[operator]
    groups = by_head(rows)
    assert max(map(len, groups.values())) > 10  # a repair's chunk migrations
    for siblings in groups.values():
        assert len({id(row[HEAD_AT]) for row in siblings}) == 1


def test_the_wire_rows_heads_are_the_ones_the_engines_rows_share(served: ServedEngine) -> None:
    engine_heads = {row[HEAD_AT]: row[HEAD_AT] for row in engine_snapshot(served).task_rows}
    for row in wire_snapshot(served).task_rows:
        assert row[HEAD_AT] is engine_heads[row[HEAD_AT]]


def test_tasks_started_at_one_time_with_whole_number_progress_share_those_numbers_in_their_rows() -> None:
    def task(number: int) -> Task:
        started = datetime(2026, 1, 1, 12, tzinfo=UTC)  # a datetime of its own per task, the same time
        return Task(f"t{number}", "m", "repair", TaskKind.NODE, "node", number, start_time=started, progress_total=7)

    first, second = task(1).compact_row(), task(2).compact_row()
    assert first[START_AT] == second[START_AT] == int(datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp())
    assert first[START_AT] is second[START_AT]
    assert first[TOTAL_AT] == 7.0 and type(first[TOTAL_AT]) is float and first[TOTAL_AT] is second[TOTAL_AT]
    assert first[HEAD_AT] is second[HEAD_AT] and first[ID_AT] != second[ID_AT]


def test_marking_a_row_gone_leaves_its_siblings_heads_as_they_were(served: ServedEngine) -> None:
    rows = siblings(served)
    first, second = rows[0], rows[1]
    gone = marked_gone(first)
    assert gone_of(gone) and not gone_of(first) and not gone_of(second)
    assert first[HEAD_AT] is second[HEAD_AT] and gone[HEAD_AT] is not first[HEAD_AT]
    assert gone[HEAD_AT] == (*first[HEAD_AT][:HEAD_GONE], True, *first[HEAD_AT][HEAD_GONE + 1 :])
    assert gone[HEAD_AT + 1 :] == first[HEAD_AT + 1 :]
    assert marked_gone(second)[HEAD_AT] is gone[HEAD_AT]  # the gone head is shared too


def test_a_finished_task_the_server_forgets_is_kept_gone_while_its_siblings_stay(served: ServedEngine) -> None:
    rows = [
        (*row[:STATE_AT], TaskState.DONE, *row[STATE_AT + 1 :])  # type: ignore[misc]
        for row in siblings(served)[:3]
    ]
    model = ClientModel()
    model.apply(snapshot(1, rows, full=True))
    ids = [row[ID_AT] for row in rows]
    changes = model.apply(snapshot(2, [], full=False, removed=[ids[0]]))
    assert changes.changed == {ids[0]}
    assert model.get(ids[0]).gone  # type: ignore[union-attr]
    assert not model.get(ids[1]).gone and not model.get(ids[2]).gone  # type: ignore[union-attr]
    kept = model.rows.records  # type: ignore[attr-defined]
    assert kept[ids[1]] == rows[1] and kept[ids[1]][HEAD_AT] is rows[1][HEAD_AT]  # untouched, the head still shared


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def snapshot(revision: int, rows: list[CompactRow], full: bool, removed: list[str] | None = None) -> Snapshot:
    return Snapshot(
        revision=revision,
        full=full,
        taken_at=T0 + timedelta(seconds=revision),
        cluster=ClusterSummary(name="c", node="n"),
        stats=TasksStat(),
        modules=[],
        task_rows=rows,
        removed=removed or [],
    )


def test_a_parents_children_read_from_the_compact_wire_form_are_those_of_the_full_form(served: ServedEngine) -> None:
    with served.client() as client:
        full = Snapshot.model_validate(client.get("/api/snapshot").json())
    compact = {row.status.id: row for row in wire_snapshot(served).changed_rows()}
    parents = [row for row in full.tasks if row.status.children_ids]
    assert parents  # the repair trees
    for row in parents:
        assert compact[row.status.id].status.children_ids == row.status.children_ids


def test_children_on_other_nodes_keep_their_nodes_through_the_compact_form(served: ServedEngine) -> None:
    children = [ChildRef(task_id=f"c{n}", node=f"10.0.0.{n}") for n in range(3)]
    status = TaskStatus(
        id="p", type="repair", kind=TaskKind.NODE, scope="node", state=TaskState.RUNNING, children_ids=children
    )
    body = engine_snapshot(served).model_copy(
        update={"task_rows": [compact_row(TaskRow(module="repair", status=status))]}
    )
    (read,) = compact_from_body(body.model_dump_json().encode()).changed_rows()
    assert read.status.children_ids == children
