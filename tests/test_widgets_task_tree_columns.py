"""Indexing a full snapshot from the client model's columns gives exactly the tree that indexing its rows does."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from app.client_model import ClientModel, RowColumns
from engine.model import ClusterSummary, Snapshot, TaskRow, TasksStat
from tests.test_widgets_task_tree import T0, RandomCluster, row
from widgets.task_tree import SORT_MODES, TaskTree


def trees(rows: dict[str, TaskRow], columns: RowColumns, **settings: object) -> tuple[TaskTree, TaskTree]:
    """The same rows indexed from the rows alone and from their columns, with the same settings."""
    made = []
    for use_columns in (False, True):
        tree = TaskTree()
        tree.show_internal = bool(settings.get("show_internal", False))
        tree.now = T0 + timedelta(seconds=500)
        tree.set_sort(str(settings.get("sort", "started")), settings.get("descending"))  # type: ignore[arg-type]
        tree.set_filter(str(settings.get("filter", "")))
        tree.reset(rows, ["idle"], columns if use_columns else None)
        made.append(tree)
    return made[0], made[1]


def assert_same(plain: TaskTree, columnar: TaskTree) -> None:
    assert columnar.lines == plain.lines
    assert columnar.depths == plain.depths
    assert columnar.modules == plain.modules
    assert columnar.line_count == plain.line_count
    for key in plain.lines:
        assert columnar.counts(key) == plain.counts(key), key
        assert columnar.sorted_children(key) == plain.sorted_children(key), key


def snapshot(revision: int, rows: list[TaskRow]) -> Snapshot:
    return Snapshot(
        revision=revision,
        full=revision == 1,
        taken_at=T0,
        cluster=ClusterSummary(name="c", node="n"),
        stats=TasksStat(),
        modules=["idle"],
        tasks=rows,
    )


def columns_of(rows: list[TaskRow]) -> tuple[dict[str, TaskRow], RowColumns]:
    model = ClientModel()
    model.apply(snapshot(1, rows))
    assert model.columns is not None
    return model.rows, model.columns


@pytest.mark.parametrize("seed", range(8))
def test_columns_give_the_same_tree_as_rows(seed: int) -> None:
    cluster = RandomCluster(seed)
    for _ in range(60):
        cluster.step()
    rng = random.Random(seed)
    listed = list(cluster.rows.values())
    # start times out of order and some tasks not started, so the roots need sorting
    for index in rng.sample(range(len(listed)), len(listed) // 4):
        status = listed[index].status.model_copy(update={"start_time": None if rng.random() < 0.5 else T0})
        listed[index] = listed[index].model_copy(update={"status": status})
    rows, columns = columns_of(listed)
    for show_internal in (False, True):
        for sort in SORT_MODES:
            for descending in (False, True):
                assert_same(*trees(rows, columns, show_internal=show_internal, sort=sort, descending=descending))
        assert_same(*trees(rows, columns, show_internal=show_internal, filter="t00"))


def test_columns_with_modules_in_many_runs_and_children_before_parents() -> None:
    listed = [
        row("c1", 1, parent="p1", module="repair"),  # before its parent
        row("r1", 2, module="balance"),
        row("p1", 3, module="repair"),
        row("r2", 4, module="drop"),
        row("c2", 5, parent="p1", module="repair", internal=True),
        row("r3", 6, module="balance"),
        row("c3", 7, parent="gone-parent", module="drop"),  # its parent never came: a root that waits for it
        row("r4", 8, module="repair"),
    ]
    rows, columns = columns_of(listed)
    for show_internal in (False, True):
        plain, columnar = trees(rows, columns, show_internal=show_internal)
        assert_same(plain, columnar)
        assert columnar._waiting == plain._waiting == {"gone-parent": {"c3": None}}


def test_a_model_changed_since_its_full_snapshot_offers_no_columns() -> None:
    model = ClientModel()
    model.apply(snapshot(1, [row("a", 1), row("b", 2)]))
    assert model.columns is not None and model.columns.ids == ["a", "b"]
    model.apply(snapshot(2, [row("c", 3)]))
    assert model.columns is None
    # the same id twice (bad data): no columns, the rows as before
    model = ClientModel()
    model.apply(snapshot(1, [row("a", 1), row("a", 2)]))
    assert model.columns is None and list(model.rows) == ["a"]
