"""Rows kept compact (tuples, as a remote dashboard keeps them) give exactly the tree their TaskRows give: the
same lines, order, counts, filter matches and quick views, indexed from scratch and patched by the same deltas."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from app.client_model import ClientModel, CompactRows
from engine.model import ClusterSummary, Snapshot, TaskRow, TasksStat, TaskState
from engine.model.compact import compact_row, task_row
from engine.model.compact_row import CompactRow
from tests.test_widgets_task_tree import T0, RandomCluster, row
from widgets.task_tree import QUICK_VIEWS, SORT_MODES, TaskTree

FILTERS = ("", "t00", "entity t001", "running", "gone", "10.0.0", "disk full")


def compact_table(rows: dict[str, TaskRow]) -> CompactRows:
    return CompactRows({task_id: compact_row(r) for task_id, r in rows.items()}, None)


def as_rows(table: CompactRows) -> dict[str, TaskRow]:
    """The rows the compact records stand for (what a TaskRow-keeping model would hold)."""
    return {task_id: task_row(record) for task_id, record in table.records.items()}


def _step_both(cluster: RandomCluster, table: CompactRows, plain: TaskTree, compact: TaskTree) -> None:
    """One step of the cluster, given to both trees: model rows to one, the compact table's rows to the other."""
    changed, removed = cluster.step()
    for task_id in changed:
        if task_id in cluster.rows:  # else changed, then removed in the same step
            table.records[task_id] = compact_row(cluster.rows[task_id])
        table.changed(task_id)
    for task_id in removed:
        table.records.pop(task_id, None)
        table.changed(task_id)
    plain.apply(as_rows(table), changed, removed)
    compact.apply(table, changed, removed)


def settled(tree: TaskTree, **settings: object) -> TaskTree:
    tree.show_internal = bool(settings.get("show_internal", False))
    tree.now = T0 + timedelta(seconds=500)
    tree.set_sort(str(settings.get("sort", "started")), settings.get("descending"))  # type: ignore[arg-type]
    tree.set_filter(str(settings.get("filter", "")))
    tree.set_quick_view(str(settings.get("view", "all")))
    return tree


def assert_same(plain: TaskTree, compact: TaskTree) -> None:
    assert compact.fields.compact and not plain.fields.compact
    assert compact.lines == plain.lines
    assert compact.depths == plain.depths
    assert compact.modules == plain.modules
    assert compact.line_count == plain.line_count
    assert compact.matches == plain.matches
    for key in plain.lines:
        assert compact.counts(key) == plain.counts(key), key
        assert compact.sorted_children(key) == plain.sorted_children(key), key
        assert compact.is_context(key) == plain.is_context(key), key
        if isinstance(key, str):
            assert compact.node_of(key) == plain.node_of(key), key
    for task_id in plain.rows:
        assert compact.hidden_reason(task_id) == plain.hidden_reason(task_id), task_id


def messy_rows(seed: int) -> dict[str, TaskRow]:
    """A random cluster whose tasks are out of start order, partly not started, finished, gone, with nodes."""
    cluster = RandomCluster(seed)
    for _ in range(60):
        cluster.step()
    rng = random.Random(seed)
    rows = dict(cluster.rows)
    for task_id in rng.sample(sorted(rows), len(rows) // 3):
        old = rows[task_id]
        status = old.status.model_copy(
            update={
                "start_time": rng.choice([None, T0, T0 + timedelta(seconds=rng.randint(0, 900))]),
                "end_time": rng.choice([None, T0 + timedelta(seconds=rng.randint(0, 900))]),
                "progress_total": rng.choice([0.0, 10.0]),
                "error": rng.choice(["", "disk full"]),
            }
        )
        rows[task_id] = old.model_copy(update={"status": status, "gone": rng.random() < 0.2})
    for task_id, r in rows.items():  # children name their node in their parent's children_ids
        kids = [c for c, other in rows.items() if other.status.parent_id == task_id]
        if kids:
            children = [{"task_id": c, "node": f"10.0.0.{n}"} for n, c in enumerate(kids)]
            status = r.status.model_validate({**r.status.model_dump(), "children_ids": children})
            rows[task_id] = r.model_copy(update={"status": status})
    return as_rows(compact_table(rows))  # times in whole seconds, as compact rows carry them


@pytest.mark.parametrize("seed", range(6))
def test_compact_rows_give_the_same_tree_for_every_sort_filter_and_quick_view(seed: int) -> None:
    rows = messy_rows(seed)
    table = compact_table(rows)
    for show_internal in (False, True):
        for sort in SORT_MODES:
            for descending in (False, True):
                settings = {"show_internal": show_internal, "sort": sort, "descending": descending}
                plain, compact = settled(TaskTree(), **settings), settled(TaskTree(), **settings)
                plain.reset(rows, ["idle"])
                compact.reset(table, ["idle"])
                assert_same(plain, compact)
        for text in FILTERS:
            for view in QUICK_VIEWS:
                settings = {"show_internal": show_internal, "filter": text, "view": view}
                plain, compact = settled(TaskTree(), **settings), settled(TaskTree(), **settings)
                plain.reset(rows, ["idle"])
                compact.reset(table, ["idle"])
                assert_same(plain, compact)


@pytest.mark.parametrize("seed", range(6))
def test_compact_rows_patched_by_deltas_stay_the_same_tree(seed: int) -> None:
    cluster = RandomCluster(seed)
    table = compact_table(cluster.rows)
    plain, compact = TaskTree(), TaskTree()
    plain.reset(as_rows(table))
    compact.reset(table)
    rng = random.Random(seed + 100)
    for step in range(100):
        _step_both(cluster, table, plain, compact)
        sort, descending = rng.choice(SORT_MODES), rng.random() < 0.5
        view, text = rng.choice(QUICK_VIEWS), rng.choice(FILTERS)
        for tree in (plain, compact):
            if step % 10 == 3:
                tree.set_show_internal(not tree.show_internal)
            if step % 7 == 5:
                tree.set_sort(sort, descending)
            if step % 13 == 2:
                tree.set_now(T0 + timedelta(seconds=step))
            if step % 11 == 9:
                tree.set_quick_view(view)
            if step % 9 == 7:
                tree.set_filter(text)
        assert_same(plain, compact)


def snapshot(revision: int, records: list[CompactRow], full: bool, removed: list[str] | None = None) -> Snapshot:
    return Snapshot(
        revision=revision,
        full=full,
        taken_at=T0 + timedelta(seconds=revision),
        cluster=ClusterSummary(name="c", node="n"),
        stats=TasksStat(),
        modules=["repair"],
        task_rows=records,
        removed=removed or [],
    )


def test_the_model_keeps_compact_rows_compact_and_builds_only_the_rows_asked_for() -> None:
    model = ClientModel()
    records = [compact_row(row(f"t{i}", i)) for i in range(100)]
    model.apply(snapshot(1, records, full=True))
    assert model.compact and len(model.rows) == 100
    assert isinstance(model.rows, CompactRows) and model.rows._made == {}
    assert model.get("t7") == row("t7", 7) and model.get("t7") is model.get("t7")
    assert list(model.rows._made) == ["t7"]
    assert model.count(TaskState.RUNNING) == 100


def test_a_compact_delta_is_applied_in_place_and_builds_no_row() -> None:
    model = ClientModel()
    model.apply(snapshot(1, [compact_row(row(f"t{i}", i)) for i in range(10)], full=True))
    before = model.get("t3")
    records = model.rows
    changes = model.apply(snapshot(2, [compact_row(row("t3", 3, state=TaskState.DONE))], full=False, removed=["t4"]))
    assert changes.changed == {"t3"} and changes.removed == {"t4"} and model.rows is records
    assert model.rows._made == {}  # type: ignore[attr-defined]  # the row built before is dropped, none is built
    assert model.get("t3") != before and model.get("t3").status.state is TaskState.DONE  # type: ignore[union-attr]
    assert model.get("t4") is None  # running when the server forgot it: dropped, not kept as gone
    changes = model.apply(snapshot(3, [], full=False, removed=["t3"]))
    assert model.get("t3").gone and model.count(TaskState.DONE) == 1  # type: ignore[union-attr]


def test_rows_of_the_other_form_are_taken_into_a_compact_model() -> None:
    model = ClientModel()
    model.apply(snapshot(1, [compact_row(row("a", 1))], full=True))
    model.apply(
        Snapshot(
            revision=2,
            full=False,
            taken_at=T0,
            cluster=ClusterSummary(name="c", node="n"),
            stats=TasksStat(),
            modules=[],
            tasks=[row("b", 2)],
        )
    )
    assert model.compact and model.get("b") == row("b", 2) and set(model.rows) == {"a", "b"}


def unstarted(task: TaskRow) -> TaskRow:
    return task.model_copy(update={"status": task.status.model_copy(update={"start_time": None})})


class StartingCluster(RandomCluster):
    """Many roots, most not started yet: each step starts some (they move past every not-started sibling), ends
    some, changes others' entities and gone marks, so every sort's key fields move, as a busy cluster's do."""

    def __init__(self, seed: int, roots: int) -> None:
        super().__init__(seed)
        for index in range(roots):
            task_id = self._new_id()
            self.seq += 1
            children = [] if index % 7 else [self._new_id() for _ in range(3)]
            self.rows[task_id] = unstarted(row(task_id, self.seq, state=TaskState.CREATED))
            for child in children:
                self.rows[child] = unstarted(row(child, self.seq, task_id, internal=index % 2 == 0))

    def step(self) -> tuple[list[str], list[str]]:
        changed, removed = super().step()
        rng = self.rng
        for task_id in rng.sample(sorted(self.rows), min(len(self.rows), 12)):
            status, moved = self.rows[task_id].status, rng.random()
            if moved < 0.5:
                update: dict[str, object] = {
                    "start_time": T0 + timedelta(seconds=500 + self.seq),
                    "state": TaskState.RUNNING,
                }
            elif moved < 0.7:
                update = {
                    "end_time": T0 + timedelta(seconds=600 + self.seq),
                    "state": rng.choice([TaskState.DONE, TaskState.FAILED]),
                }
            else:
                update = {"entity": f"entity {rng.randint(0, 30)}", "progress_completed": float(rng.randint(0, 10))}
            self.seq += 1
            old = self.rows[task_id]
            new = old.model_copy(update={"status": status.model_copy(update=update), "gone": rng.random() < 0.1})
            self.rows[task_id] = TaskRow.model_validate(new.model_dump())
            if task_id not in changed:
                changed.append(task_id)
        return changed, removed


@pytest.mark.parametrize("seed", range(4))
def test_roots_moving_among_many_siblings_keep_both_forms_equal_to_a_fresh_index(seed: int) -> None:
    cluster = StartingCluster(seed, roots=300)
    table = compact_table(cluster.rows)
    rng = random.Random(seed)
    sort, descending = SORT_MODES[seed % len(SORT_MODES)], seed % 2 == 0
    settings = {"show_internal": seed % 3 == 0, "sort": sort, "descending": descending}
    plain, compact = settled(TaskTree(), **settings), settled(TaskTree(), **settings)
    plain.reset(as_rows(table))
    compact.reset(table)
    for step in range(40):
        _step_both(cluster, table, plain, compact)
        if step % 9 == 4:
            sort, descending = rng.choice(SORT_MODES), rng.random() < 0.5
            for tree in (plain, compact):
                tree.set_sort(sort, descending)
        if step % 11 == 6 and plain.line_count:
            key = plain.line(rng.randrange(plain.line_count))[0]
            if plain.has_children(key):
                plain.toggle(key)
                compact.toggle(key)
        assert_same(plain, compact)
        fresh = settled(TaskTree(), show_internal=plain.show_internal, sort=sort, descending=descending)
        fresh.collapsed = set(plain.collapsed)
        fresh.reset(as_rows(table))
        assert plain.lines == fresh.lines and plain.depths == fresh.depths
        for index, key in enumerate(fresh.lines):
            assert plain.position(key) == index and compact.position(key) == index, key
            assert plain.line(index) == compact.line(index) == (key, fresh.depths[index])
