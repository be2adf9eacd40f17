"""The task tree's index, without a terminal: patched from deltas it always equals a tree indexed from scratch."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta

import pytest

from engine.model import TaskRow, TaskState, TaskStatus
from widgets.task_tree import QUICK_VIEWS, SORT_MODES, ModuleKey, QuickView, SortMode, TaskTree, module_key

T0 = datetime(2024, 1, 1, tzinfo=UTC)
MODULES = ("repair", "balance", "drop")
STATES = (TaskState.CREATED, TaskState.RUNNING, TaskState.DONE, TaskState.FAILED)


def row(
    task_id: str, seq: int, parent: str = "none", module: str = "repair", internal: bool = False, **status
) -> TaskRow:
    fields = {"state": TaskState.RUNNING, "progress_total": 10.0, "progress_completed": 0.0, **status}
    return TaskRow(
        module=module,
        internal=internal,
        status=TaskStatus(
            id=task_id,
            type=module,
            parent_id=parent,
            sequence_number=seq,
            start_time=T0 + timedelta(seconds=seq),
            entity=f"entity {task_id}",
            **fields,
        ),
    )


def fresh_copy(tree: TaskTree) -> TaskTree:
    """The same rows and settings, indexed from scratch."""
    other = TaskTree()
    other.show_internal = tree.show_internal
    other.collapsed = set(tree.collapsed)
    other.now = tree.now
    other.set_sort(tree.sort_mode, tree.sort_descending)
    other.set_filter(tree.filter_text)
    other.set_quick_view(tree.quick_view)
    other.reset(tree.rows, tree.modules)
    return other


def assert_same(tree: TaskTree) -> None:
    other = fresh_copy(tree)
    assert tree.lines == other.lines
    assert tree.depths == other.depths
    assert tree.line_count == len(other.lines)
    for index, key in enumerate(other.lines):
        assert tree.counts(key) == other.counts(key), key
        assert tree.line(index) == (key, other.depths[index])
        assert tree.position(key) == index, key
    middle = len(other.lines) // 2
    assert tree.window(middle, middle + 40) == list(zip(other.lines, other.depths, strict=True))[middle : middle + 40]


class RandomCluster:
    """Tasks appearing (children sometimes before their parents), progressing, finishing and going."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: dict[str, TaskRow] = {}
        self.next_id = 0
        self.seq = 0

    def _new_id(self) -> str:
        self.next_id += 1
        return f"t{self.next_id:04d}"

    def _waits_for(self, task_id: str, ancestor: str) -> bool:
        """``ancestor`` is among the task's (raw) parents, grandparents …"""
        seen: set[str] = set()
        while task_id in self.rows and task_id not in seen:
            seen.add(task_id)
            task_id = self.rows[task_id].status.parent_id
            if task_id == ancestor:
                return True
        return False

    def step(self) -> tuple[list[str], list[str]]:
        """One refresh: returns (changed, removed) ids; the rows are updated in place, as the client model does."""
        rng = self.rng
        changed: list[str] = []
        removed: list[str] = []
        for _ in range(rng.randint(1, 6)):
            action = rng.random()
            ids = list(self.rows)
            if action < 0.35 or not ids:
                self.seq += 1
                # a parent that exists, none, or one that arrives later (never a loop: no task waits for this one)
                upcoming = f"t{self.next_id + 2:04d}"
                candidates = [t for t in ids if not self._waits_for(t, f"t{self.next_id + 1:04d}")]
                parent = rng.choice([*candidates, "none", "none", upcoming])
                module = self.rows[parent].module if parent in self.rows else rng.choice(MODULES)
                task_id = self._new_id()
                internal = parent != "none" and rng.random() < 0.5
                self.rows[task_id] = row(task_id, self.seq, parent, module, internal, state=rng.choice(STATES))
                changed.append(task_id)
            elif action < 0.8:
                task_id = rng.choice(ids)
                old = self.rows[task_id]
                status = old.status.model_copy(
                    update={"state": rng.choice(STATES), "progress_completed": float(rng.randint(0, 10))}
                )
                self.rows[task_id] = old.model_copy(update={"status": status})
                changed.append(task_id)
            else:
                task_id = rng.choice(ids)
                del self.rows[task_id]
                removed.append(task_id)
                if task_id in changed:
                    changed.remove(task_id)
        return changed, removed


@pytest.mark.parametrize("seed", range(6))
def test_deltas_give_the_same_tree_as_indexing_from_scratch(seed: int) -> None:
    cluster = RandomCluster(seed)
    tree = TaskTree()
    tree.reset(cluster.rows)
    rng = random.Random(seed + 100)
    for step in range(120):
        changed, removed = cluster.step()
        tree.apply(cluster.rows, changed, removed)
        if step % 10 == 3:
            tree.set_show_internal(not tree.show_internal)
        if step % 17 == 5:
            tree.set_sort(rng.choice(SORT_MODES), rng.choice([True, False]))
        if step % 13 == 2:
            tree.set_now(T0 + timedelta(seconds=step))
        if step % 19 == 9:
            tree.set_quick_view(rng.choice(QUICK_VIEWS))
        if step % 23 == 7 and tree.line_count:
            key = tree.line(rng.randrange(tree.line_count))[0]
            if tree.has_children(key):
                tree.toggle(key)
        if step % 29 == 11:
            tree.set_filter(rng.choice(["", "t00", "entity t001", "running"]))
        assert_same(tree)


def test_a_label_change_moves_no_line() -> None:
    rows = {f"r{i}": row(f"r{i}", i) for i in range(100)}
    tree = TaskTree()
    tree.reset(rows)
    offsets = tree._line_offsets()
    rows["r50"] = row("r50", 50, progress_completed=7.0)
    update = tree.apply(rows, ["r50"])
    assert not update.moved and "r50" in update.touched
    assert tree._line_offsets() is offsets


def test_lines_are_found_without_laying_out_every_block() -> None:
    rows = {f"r{i}": row(f"r{i}", i) for i in range(2_000)}
    rows.update({f"c{i}": row(f"c{i}", i // 10, parent=f"r{i // 10}") for i in range(20_000)})
    tree = TaskTree()
    tree.set_sort("started", descending=False)  # oldest first: line numbers follow the ids
    tree.reset(rows)
    assert tree.line_count == 1 + 2_000 + 20_000
    assert tree.line(1) == ("r0", 1) and tree.line(2) == ("c0", 2)
    assert tree.line(tree.line_count - 1) == ("c19999", 2)
    assert len(tree._laid) <= 3  # only the blocks asked for were laid out
    assert tree.position("c12345") == 1 + 1234 * 11 + 1 + 5


def test_module_counts_follow_state_changes() -> None:
    rows = {"a": row("a", 1), "b": row("b", 2, state=TaskState.FAILED)}
    tree = TaskTree()
    tree.reset(rows)
    assert tree.counts(module_key("repair")) == (2, 1, 1)
    rows["a"] = row("a", 1, state=TaskState.DONE)
    tree.apply(rows, ["a"])
    assert tree.counts(module_key("repair")) == (2, 0, 1)


def test_a_parent_loop_in_bad_data_does_not_hang_the_tree() -> None:
    rows = {"a": row("a", 1, parent="b"), "b": row("b", 2, parent="a"), "c": row("c", 3)}
    tree = TaskTree()
    tree.reset(rows)
    assert "c" in tree.lines and tree.position("a") is None
    rows["a"] = row("a", 1, parent="b", progress_completed=5.0)
    tree.apply(rows, ["a"])
    assert tree.hidden_reason("a") is not None


def test_lines_stay_right_when_roots_far_apart_grow_and_shrink() -> None:
    """Hundreds of root blocks (several chunks of running totals): children come and go under some of them."""
    rng = random.Random(11)
    rows = {f"r{i:04d}": row(f"r{i:04d}", i) for i in range(600)}
    tree = TaskTree()
    tree.reset(rows)
    children = 0
    for step in range(12):
        changed = []
        for _ in range(5):
            parent = f"r{rng.randrange(600):04d}"
            kids = [k for k in rows if rows[k].status.parent_id == parent]
            if kids and rng.random() < 0.4:
                gone = rng.choice(kids)
                del rows[gone]
                changed.append(gone)
            else:
                children += 1
                child = f"c{children:05d}"
                rows[child] = row(child, int(parent[1:]), parent=parent)
                changed.append(child)
        if step % 4 == 3:
            tree.toggle(f"r{rng.randrange(600):04d}")
        tree.apply(rows, changed)
        assert_same(tree)


def test_a_child_appearing_resizes_its_block_in_place() -> None:
    rows = {f"r{i:04d}": row(f"r{i:04d}", i) for i in range(600)}
    tree = TaskTree()
    tree.reset(rows)
    offsets, count = tree._line_offsets(), tree.line_count
    rows["c1"] = row("c1", 400, parent="r0400")
    tree.apply(rows, ["c1"])
    assert tree._line_offsets() is offsets and tree.line_count == count + 1
    assert tree.line(tree.position("r0400") + 1)[0] == "c1"


def test_a_task_id_that_looks_like_a_module_key_is_still_a_task() -> None:
    tree = TaskTree()
    rows = {"module:repair": row("module:repair", 1), "c1": row("c1", 2, parent="module:repair")}
    tree.reset(rows)
    heading = module_key("repair")
    assert tree.lines == [heading, "module:repair", "c1"]
    assert heading != "module:repair" and str(heading) == "module:repair"
    assert tree.counts(heading) == (1, 1, 0) and tree.counts("module:repair") == (1, 1, 0)
    assert tree.parent_of("c1") == "module:repair" and tree.parent_of("module:repair") is heading


def test_module_keys_are_one_per_name_and_sort_modes_and_views_are_strings() -> None:
    assert module_key("repair") is ModuleKey("repair") and copy.deepcopy(module_key("repair")) is module_key("repair")
    assert module_key("repair") != module_key("balance")
    tree = TaskTree()
    tree.set_sort("elapsed")
    tree.set_quick_view("failed")
    assert tree.sort_mode is SortMode.ELAPSED and tree.sort_mode == "elapsed" and f"{tree.sort_mode}" == "elapsed"
    assert tree.quick_view is QuickView.FAILED and tree.quick_view == "failed"
    with pytest.raises(ValueError, match="unknown sort 'size'"):
        tree.set_sort("size")
    with pytest.raises(ValueError, match="unknown quick view 'mine'"):
        tree.set_quick_view("mine")
