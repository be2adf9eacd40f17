"""The flat index behind the task tree: modules → root tasks → children, patched from deltas.

Each shown task is indexed under its *tree parent*: its parent when that is shown, else its module (a
:class:`~widgets._task_keys.ModuleKey`); children that name a parent not (yet) shown wait for it under their
module. Each parent's children are kept in ascending order of the sort key (it ends in the task id, so the order is
total), sorted lazily when first asked for and then patched by bisection. What a delta changed is recorded for the
layout (:class:`~widgets.task_tree.TaskTree`): the root blocks and module lists to lay out again, the roots that
appeared or went, the lines to repaint.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress, groupby, islice, repeat
from operator import and_, attrgetter, eq, is_not, itemgetter, le, lt, not_
from typing import Any, Protocol, TypeVar

from engine.model import TaskRow, TaskState, TaskStatus
from engine.model.taskmanager import NO_PARENT

from ._task_fields import ROWS, CompactTable, RowFields, Task, fields_of
from ._task_filter import QUICK_VIEWS
from ._task_keys import LineKey, ModuleKey
from ._task_sort import DEFAULT_SORT, DESCENDING_FIRST, SortMode, SortValue

NODE_CACHE = 4096
"""Parents whose children's nodes are kept looked up (a screenful needs a few; a filter may ask for all)."""

_RUNNING = TaskState.RUNNING
_FAILED = TaskState.FAILED
_STATUS = attrgetter("status")
_T = TypeVar("_T")
_FIRST = itemgetter(0)
_SECOND = itemgetter(1)


class RowColumns(Protocol):
    """The rows as lists in the order of the rows mapping (as the client model takes a full snapshot in): their
    ids, the rows, their statuses; indexing every row from them needs no lookup by id and no hop to a status."""

    @property
    def ids(self) -> Sequence[str]: ...
    @property
    def rows(self) -> Sequence[TaskRow]: ...
    @property
    def statuses(self) -> Sequence[TaskStatus]: ...


def _runs(values: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Each distinct value → the (start, stop) of its runs in ``values``: C-level per item, Python per run (rows
    come in creation order, so a parent's children and a module's roots come in few runs)."""
    runs: dict[str, list[tuple[int, int]]] = {}
    start = 0
    for value, run in groupby(values):
        stop = start + len(list(run))
        spans = runs.get(value)
        if spans is None:
            runs[value] = [(start, stop)]
        else:
            spans.append((start, stop))
        start = stop
    return runs


def _ascending(starts: list[datetime | None], numbers: list[int]) -> bool:
    """Whether (start, sequence number) rises strictly from each row to the next, tested column by column in C: a
    sufficient test that the rows are in ``started`` order (the task id that ends the key is never looked at).
    A start of None sorts after every start."""
    started: list[datetime] = starts  # type: ignore[assignment]  # once the Nones are cut off below
    if None in starts:
        first_none = starts.index(None)
        if starts.count(None) != len(starts) - first_none:
            return False  # not-started rows must all come last
        started = starts[:first_none]  # type: ignore[assignment]  # all None from here
    return all(map(le, started, islice(started, 1, None))) and all(map(lt, numbers, islice(numbers, 1, None)))


def _joined(items: Sequence[_T], spans: list[tuple[int, int]]) -> list[_T]:
    """The items in the spans, in order."""
    if len(spans) == 1:
        start, stop = spans[0]
        return list(items[start:stop])
    joined: list[_T] = []
    for start, stop in spans:
        joined.extend(items[start:stop])
    return joined


GALLOP_STEPS = 16
"""How far (in doubling steps) a search walks out from its hint before it bisects the rest: a bad hint costs ~5
keys more than a bisection, a good one saves ~15."""


def gallop(items: list[str], value: SortValue, key: Callable[[str], SortValue], hint: int, lo: int, hi: int) -> int:
    """``bisect_left(items, value, lo, hi, key=key)``, searched outwards from ``hint`` in doubling steps first: a
    place near the hint costs a few keys, not the ~19 a bisection of 500 000 siblings does (a refresh's changes
    cluster: the tasks that start move from the head of the not-started ones to the tail of the started ones)."""
    if lo >= hi:
        return lo
    hint = min(max(hint, lo), hi - 1)
    step = 1
    if key(items[hint]) < value:
        below = hint  # the last place known to sort before the value
        while True:
            probe = below + step
            if probe >= hi or step > GALLOP_STEPS:  # far from the hint: an ordinary bisection of the rest
                return bisect.bisect_left(items, value, below + 1, hi, key=key)
            if key(items[probe]) < value:
                below, step = probe, step * 2
            else:
                return bisect.bisect_left(items, value, below + 1, probe, key=key)
    above = hint  # the first place known not to sort before the value
    while True:
        probe = above - step
        if probe < lo or step > GALLOP_STEPS:
            return bisect.bisect_left(items, value, lo, above, key=key)
        if key(items[probe]) < value:
            return bisect.bisect_left(items, value, probe + 1, above, key=key)
        above, step = probe, step * 2


@dataclass
class Update:
    """What :meth:`TaskTree.apply` did: ``moved`` when lines appeared, went or changed places."""

    moved: bool = False
    touched: set[LineKey] = field(default_factory=set)
    """Keys whose line must repaint though no line moved (changed rows, parents whose counts changed)."""


class TaskIndex:
    """The shown tasks indexed by tree parent, each parent's children sorted, and the filter's matches."""

    def __init__(self) -> None:
        self.rows: Mapping[str, TaskRow] = {}
        self.fields: RowFields = ROWS
        """How the tasks the index keeps are read (rows, or compact rows: :mod:`widgets._task_fields`)."""
        self._tasks: Mapping[str, Task] = {}
        """The tasks of ``rows`` in the form the index reads (the rows themselves, or their compact records)."""
        self.show_internal = False
        self.filter_text = ""
        self.quick_view = QUICK_VIEWS[0]
        self.sort_mode: SortMode = DEFAULT_SORT
        self.sort_descending = DEFAULT_SORT in DESCENDING_FIRST
        self.now: datetime | None = None
        """The data's clock: running tasks' elapsed time runs to it (the elapsed sort follows it)."""
        self.collapsed: set[LineKey] = set()
        self.modules: list[str] = []
        self._sort_clock: datetime | None = None
        self._key_fn = self.fields.sort_key(self.sort_mode, self._clock)
        self._sort_fields = self.fields.sort_fields(self.sort_mode)
        self._shape = self.fields.shape(self.sort_mode)
        self._nodes: dict[str, tuple[Task, dict[str, str]]] = {}
        """Parent id → (the parent row it was read from, child id → node) from the parent's ``children_ids``."""
        self._module_keys: dict[str, ModuleKey] = {}
        self._seen: dict[str, Task] = {}
        """Each shown task as it was indexed (so a delta knows the row before)."""
        self._kids: dict[LineKey, dict[str, None]] = {}
        """Tree parent (task id or module key) → its shown children."""
        self._waiting: dict[str, dict[str, None]] = {}
        """Absent parent id → children listed under their module until it arrives."""
        self._counts: dict[LineKey, list[int]] = {}
        """Parent → [children, running, failed], filled on first use and then kept up to date."""
        self._sorted: dict[LineKey, list[str]] = {}
        self._hints: dict[LineKey, int] = {}
        self._place_hints: dict[LineKey, int] = {}
        """Parent → where the last child that moved in its sorted list went."""
        """Parent → where the last child looked for in its sorted list was (the next search starts there)."""
        """Parent → its shown children in ascending order of the sort key (a descending sort lays them out reversed)."""
        self._matches: set[str] | None = None
        """Tasks that match the filter text and the quick view; None when neither is set."""
        # what changed since the blocks were last laid out
        self._dirty_roots: set[str] = set()
        self._dirty_modules: set[ModuleKey] = set()
        self._root_moves: set[str] = set()
        self._touched: set[LineKey] = set()

    # -- queries --------------------------------------------------------------------------------------------

    def counts(self, key: LineKey) -> tuple[int, int, int]:
        """(shown children, running ones, failed ones) of a module heading or task."""
        count = self._counts.get(key)
        if count is None:
            kids = self._kids.get(key)
            if not kids:
                return (0, 0, 0)
            states = list(map(self.fields.state, map(self._seen.__getitem__, kids)))
            count = self._counts[key] = [len(states), states.count(_RUNNING), states.count(_FAILED)]
        return count[0], count[1], count[2]

    def has_children(self, key: LineKey) -> bool:
        return bool(self._kids.get(key))

    @property
    def filtering(self) -> bool:
        """Filter text or a quick view other than ``all`` is set: only matches (and their ancestors) are shown."""
        return self._matches is not None

    @property
    def matches(self) -> Set[str]:
        """The tasks that match the filter text and the quick view (empty when neither is set)."""
        return self._matches if self._matches is not None else frozenset()

    def node_of(self, task_id: str) -> str:
        """The node a child task runs on, as its parent's ``children_ids`` say; "" for a root or when unknown."""
        fields, tasks = self.fields, self._tasks
        task = tasks.get(task_id)
        if task is None:
            return ""
        parent_id = fields.parent_of(task)
        parent = tasks.get(parent_id)
        if parent is None:
            return ""
        cached = self._nodes.get(parent_id)
        if cached is None or cached[0] is not parent:
            if len(self._nodes) >= NODE_CACHE:
                self._nodes.clear()
            cached = self._nodes[parent_id] = (parent, fields.child_nodes(parent))
        return cached[1].get(task_id, "")

    def parent_of(self, task_id: str) -> LineKey | None:
        return self._parent(task_id)

    def visible(self, row: TaskRow) -> bool:
        return self.show_internal or not row.internal

    def _shown(self, task: Task) -> bool:
        return self.show_internal or not self.fields.internal(task)

    def _clock(self) -> datetime | None:
        """The clock the lists are sorted by (elapsed keys depend on it): ``now`` as of the last re-sort."""
        return self._sort_clock

    def _module_key(self, module: str) -> ModuleKey:
        key = self._module_keys.get(module)
        if key is None:
            key = self._module_keys[module] = ModuleKey(module)
        return key

    def _index_all(
        self, rows: Mapping[str, TaskRow], modules: Iterable[str] = (), columns: RowColumns | None = None
    ) -> None:
        """Index every shown row from scratch (hidden internal tasks are not indexed).

        Done column-wise with C-level ``map``/``zip``/``groupby`` rather than a Python loop per task: the first
        frame of 100 000 tasks depends on it. A task's tree parent is its parent when that is shown, else its
        module; children that name a parent not (yet) shown wait for it.
        """
        self.rows = rows
        fields, tasks = fields_of(rows)
        if fields is not self.fields:
            self.fields = fields
            self._key_fn = fields.sort_key(self.sort_mode, self._clock)
            self._sort_fields = fields.sort_fields(self.sort_mode)
            self._shape = fields.shape(self.sort_mode)
        self._tasks = tasks
        if isinstance(rows, CompactTable):  # compact rows are indexed column-wise from their records
            ordered = rows.ordered
            if ordered is None or len(ordered[0]) != len(tasks):
                ordered = (list(tasks), list(tasks.values()))
            self._index_columns(tasks, modules, ordered[0], ordered[1], ordered[1])
            return
        if columns is not None and len(columns.ids) == len(rows):
            self._index_columns(rows, modules, columns.ids, columns.rows, columns.statuses)
            return
        if self.show_internal:
            seen = dict(rows)
        else:
            values = list(rows.values())
            shown = list(map(not_, fields.internals(values)))
            seen = dict(zip(compress(rows.keys(), shown), compress(values, shown), strict=True))
        ids = list(seen)
        raw_parents = list(map(fields.parent_id, map(_STATUS, seen.values())))
        # tasks whose parent is not shown hang under their module
        absent = set(raw_parents).difference(seen)
        orphan = list(map(absent.__contains__, raw_parents))
        roots = list(compress(ids, orphan))
        root_modules = list(fields.modules(map(seen.__getitem__, roots)))
        module_set = set(modules) | set(root_modules)
        module_keys = {module: self._module_key(module) for module in module_set}
        root_parent = dict(zip(roots, map(module_keys.__getitem__, root_modules), strict=True))
        tree_parents = map(root_parent.get, ids, raw_parents)  # the module for a root, else the parent
        waiting: dict[str, dict[str, None]] = {}
        root_parents = list(compress(raw_parents, orphan))
        if set(root_parents).difference((NO_PARENT, "")):  # usually none: every root says "none"
            for task_id, raw in zip(roots, root_parents, strict=True):
                if raw and raw != NO_PARENT:
                    waiting.setdefault(raw, {})[task_id] = None
        # children grouped by tree parent; rows arrive in creation order, so siblings come in runs
        kids: dict[LineKey, dict[str, None]] = {}
        for parent, group in groupby(zip(tree_parents, ids, strict=True), key=_FIRST):
            members = dict.fromkeys(map(_SECOND, group))
            existing = kids.get(parent)
            if existing is None:
                kids[parent] = members
            else:
                existing.update(members)
        self.modules = sorted(module_set)
        self._seen, self._kids, self._waiting = seen, kids, waiting
        self._counts = {}
        self._sorted = {}
        self._nodes = {}
        self._sort_clock = self.now
        if self._matches is not None:
            self._rematch(None)

    def _index_columns(
        self,
        tasks: Mapping[str, Task],
        modules: Iterable[str],
        all_ids: Sequence[str],
        all_tasks: Sequence[Task],
        all_statuses: Sequence[Any],
    ) -> None:
        """:meth:`_index_all` from the tasks' columns (the client model's lists: ids, tasks, and the tasks'
        statuses, which are the tasks themselves for compact rows): C-level passes over lists, no lookup by id,
        and the roots come sorted by start time (the default sort) from their statuses.

        Roots are grouped by module and children by parent in runs (rows come in creation order)."""
        fields = self.fields
        if self.show_internal:
            seen = dict(tasks)
            ids: Sequence[str] = all_ids
            shown_rows, statuses = all_tasks, all_statuses
        else:
            shown = list(map(not_, fields.internals(all_tasks)))
            ids = list(compress(all_ids, shown))
            shown_rows = list(compress(all_tasks, shown))
            statuses = list(compress(all_statuses, shown)) if all_statuses is not all_tasks else shown_rows
            seen = dict(zip(ids, shown_rows, strict=True))
        raw_parents = list(map(fields.parent_id, statuses))
        absent = set(raw_parents).difference(seen)
        orphan = list(map(absent.__contains__, raw_parents))
        roots = list(compress(ids, orphan))
        root_modules = list(fields.modules(compress(shown_rows, orphan)))
        module_set = set(modules) | set(root_modules)
        waiting: dict[str, dict[str, None]] = {}
        root_parents = list(compress(raw_parents, orphan))
        if set(root_parents).difference((NO_PARENT, "")):  # usually none: every root says "none"
            for task_id, raw in zip(roots, root_parents, strict=True):
                if raw and raw != NO_PARENT:
                    waiting.setdefault(raw, {})[task_id] = None
        kids: dict[LineKey, dict[str, None]] = {}
        presorted: dict[LineKey, list[str]] = {}
        root_statuses: Sequence[Any] = statuses if len(roots) == len(ids) else list(compress(statuses, orphan))
        for module, spans in _runs(root_modules).items():
            key = self._module_key(module)
            members = _joined(roots, spans)
            kids[key] = dict.fromkeys(members)
            if self.sort_mode is SortMode.STARTED and len(members) > 1:
                member_statuses = _joined(root_statuses, spans)
                starts = list(map(fields.start_time, member_statuses))
                numbers = list(map(fields.sequence_number, member_statuses))
                if _ascending(starts, numbers):  # the usual case: roots come in the order they started
                    presorted[key] = members
                    continue
                keys = fields.started_keys_of(starts, numbers, members)
                if all(map(le, keys, islice(keys, 1, None))):
                    presorted[key] = members
                else:
                    order = sorted(range(len(members)), key=keys.__getitem__)
                    presorted[key] = list(map(members.__getitem__, order))
        children = list(map(not_, orphan))
        child_ids = list(compress(ids, children))
        for parent, spans in _runs(list(compress(raw_parents, children))).items():
            members_of = dict.fromkeys(_joined(child_ids, spans))
            existing = kids.get(parent)
            if existing is None:
                kids[parent] = members_of
            else:  # a parent id that is a module key too cannot happen (module keys are not strings)
                existing.update(members_of)
        self.modules = sorted(module_set)
        self._seen, self._kids, self._waiting = seen, kids, waiting
        self._counts = {}
        self._sorted = presorted
        self._nodes = {}
        self._sort_clock = self.now
        if self._matches is not None:
            self._rematch(None)

    def _index_changes(
        self, rows: Mapping[str, TaskRow], changed: list[str], removed: Iterable[str], modules: Iterable[str]
    ) -> tuple[set[str], bool]:
        """Take the rows that changed (new, updated or gone) into the index, noting what the layout must redo;
        the modules seen for the first time, and whether the matches changed."""
        self.rows = rows
        tasks = self._tasks = fields_of(rows)[1]
        module_of = self.fields.module
        self._touched = set()
        self._dirty_roots.clear()
        self._dirty_modules.clear()
        self._root_moves.clear()
        known = set(self.modules)
        rows_now = list(map(tasks.get, changed))
        new_modules: set[str] = set()
        if not known.issuperset(map(module_of, filter(None, rows_now))):  # (C-level: usually no new module)
            new_modules = {
                module_of(tasks[t])
                for t in changed
                if t in tasks and module_of(tasks[t]) not in known and self._shown(tasks[t])
            }
        new_modules.update(m for m in modules if m not in known)
        for task_id in removed:
            self._forget(task_id)
        matches_moved = False
        self._touched.update(changed)
        for task_id in self._take_like_for_like(changed, rows_now) if self._matches is None else changed:
            row = tasks.get(task_id)
            if row is None:
                self._forget(task_id)
            else:
                self._index(task_id, row)
            if self._matches is not None:
                matched = row is not None and self._matching(task_id)
                if matched != (task_id in self._matches):
                    matches_moved = True
                    (self._matches.add if matched else self._matches.discard)(task_id)
        if self._matches is not None:
            for task_id in removed:
                if task_id in self._matches:
                    self._matches.discard(task_id)
                    matches_moved = True
        return new_modules, matches_moved

    def _take_like_for_like(self, changed: list[str], rows_now: list[Task | None]) -> list[str]:
        """Take in, in C-level passes, the changed rows that keep their place (the same shape: shown, parent,
        module, state and sort key fields; a progress update, most of any refresh); the others are returned."""
        seen = self._seen
        before: list[Task | None] = list(map(seen.get, changed))
        known = list(map(and_, map(is_not, before, repeat(None)), map(is_not, rows_now, repeat(None))))
        others: list[str] = []
        if not all(known):  # tasks that come or go (or hidden ones): one by one
            others = list(compress(changed, map(not_, known)))
            changed = list(compress(changed, known))
            before = list(compress(before, known))
            rows_now = list(compress(rows_now, known))
        shape = self._shape
        same = list(map(eq, map(shape, before), map(shape, rows_now)))
        seen.update(zip(compress(changed, same), compress(rows_now, same), strict=True))
        others.extend(compress(changed, map(not_, same)))
        return others

    def _rematch(self, candidates: Iterable[str] | None) -> None:
        """Work out the matches again, among ``candidates`` (None: every shown task)."""
        if not self.filter_text and self.quick_view == QUICK_VIEWS[0]:
            self._matches = None
            return
        if candidates is None:
            candidates = self._seen
        self._matches = {t for t in candidates if self._matching(t)}

    def _matching(self, task_id: str) -> bool:
        row = self._seen.get(task_id)
        fields = self.fields
        if row is None or not self._shown(row) or not fields.in_quick_view(row, self.quick_view):
            return False
        text = self.filter_text
        if not text or fields.matches(row, text, ""):
            return True
        # the node last: it is looked up in the parent's children_ids
        return fields.has_parent(row) and text in self.node_of(task_id).lower()

    def _forget_lines(self, task_id: str) -> None:
        """A task left the index: drop whatever the layout keeps for its line."""

    def _tree_parent(self, row: Task) -> LineKey:
        """Where a task hangs: under its parent when that is shown (indexed), else under its module."""
        fields = self.fields
        raw = fields.parent_of(row)
        if raw in self._seen and raw != fields.task_id(row):
            return raw
        return self._module_key(fields.module(row))

    def _parent(self, task_id: str) -> LineKey | None:
        """The tree parent of an indexed task (not stored: it follows from the rows and what is indexed)."""
        row = self._seen.get(task_id)
        return None if row is None else self._tree_parent(row)

    def _count(self, parent: LineKey, row: Task, step: int) -> None:
        count = self._counts.get(parent)
        if count is not None:
            count[0] += step
            state = self.fields.state(row)
            if state is _RUNNING:
                count[1] += step
            elif state is _FAILED:
                count[2] += step
        self._touched.add(parent)

    def _attach(self, task_id: str, row: Task, parent: LineKey) -> None:
        if type(parent) is ModuleKey:
            self._root_moves.add(task_id)
        self._seen[task_id] = row
        self._kids.setdefault(parent, {})[task_id] = None
        self._count(parent, row, 1)
        ordered = self._sorted.get(parent)
        if ordered is not None:
            seen, key = self._seen, self._key_fn
            # new tasks are usually the newest: their place is at the end, where the search starts
            count = len(ordered)
            ordered.insert(gallop(ordered, key(row), lambda t: key(seen[t]), count - 1, 0, count), task_id)
        self._changed_below(parent)

    def _detach(self, task_id: str, old: Task, parent: LineKey) -> None:
        if type(parent) is ModuleKey:
            self._root_moves.add(task_id)
        siblings = self._kids.get(parent)
        if siblings is not None:
            siblings.pop(task_id, None)
        self._count(parent, old, -1)
        ordered = self._sorted.get(parent)
        if ordered is not None:
            index = self._find(ordered, task_id, self._key_fn(old), parent)
            if index is None:
                self._sorted.pop(parent, None)
            else:
                del ordered[index]
        self._changed_below(parent)

    def _find(self, ordered: list[str], task_id: str, key: SortValue, parent: LineKey) -> int | None:
        """Where a child sits in its parent's sorted list, found by bisecting on its current sort key (from where
        the last child looked for in that list was)."""
        seen, key_fn = self._seen, self._key_fn
        try:
            hint = self._hints.get(parent, 0)
            index = gallop(ordered, key, lambda t: key_fn(seen[t]), hint, 0, len(ordered))
            while index < len(ordered) and ordered[index] != task_id and key_fn(seen[ordered[index]]) == key:
                index += 1
            if index < len(ordered) and ordered[index] == task_id:
                self._hints[parent] = index
                return index
        except (KeyError, TypeError):
            pass
        try:
            return ordered.index(task_id)  # sort keys that compare oddly: fall back to a scan
        except ValueError:
            return None

    def _wait_for_parent(self, task_id: str, old: Task | None, row: Task | None) -> None:
        fields = self.fields
        before = fields.parent_of(old) if old is not None else None
        after = fields.parent_of(row) if row is not None else None
        if before == after and row is not None:
            return
        if before and before != NO_PARENT and before in self._waiting:
            self._waiting[before].pop(task_id, None)
        if after and after != NO_PARENT and after not in self._seen:
            self._waiting.setdefault(after, {})[task_id] = None

    def _index(self, task_id: str, row: Task) -> None:
        old = self._seen.get(task_id)
        fields = self.fields
        if not self.show_internal and fields.internal(row):  # (``_shown``, inlined: once per changed row)
            # hidden internal tasks are not indexed at all (showing them re-indexes everything)
            if old is not None:
                self._forget(task_id)
            return
        raw_parent = fields.parent_of(row)  # (``_tree_parent``, inlined)
        if raw_parent in self._seen and raw_parent != task_id:
            parent: LineKey = raw_parent
        else:
            module = fields.module(row)
            parent = self._module_keys.get(module) or self._module_key(module)
        if old is None:
            self._attach(task_id, row, parent)
            self._wait_for_parent(task_id, None, row)
            for child in list(self._waiting.pop(task_id, ())):
                row_of_child = self._seen.get(child)
                if row_of_child is not None and child not in self._kids.get(task_id, ()):
                    # it waited under its module for this parent
                    self._move(child, self._module_key(fields.module(row_of_child)), task_id)
            return
        if fields.parent_of(old) != raw_parent:
            self._wait_for_parent(task_id, old, row)
            old_parent = self._tree_parent(old)
        elif fields.module(old) != fields.module(row):
            old_parent = self._tree_parent(old)
        else:  # the usual update (state, progress): the same parent id and module give the same tree parent
            old_parent = parent
        if old_parent != parent:
            self._detach(task_id, old, old_parent)
            self._attach(task_id, row, parent)
            return
        if fields.state(old) is not fields.state(row):
            self._count(parent, old, -1)
            self._count(parent, row, 1)
        ordered = self._sorted.get(parent)
        if ordered is not None and self._sort_fields(old) != self._sort_fields(row):
            key = self._key_fn
            new_key, old_key = key(row), key(old)
            if old_key != new_key:
                self._reposition(ordered, task_id, old_key, new_key, row, parent)
                return
        self._seen[task_id] = row

    def _reposition(
        self, ordered: list[str], task_id: str, old_key: SortValue, new_key: SortValue, row: Task, parent: LineKey
    ) -> None:
        """Move one child inside its parent's sorted list; the lines change only if its place did."""
        index = self._find(ordered, task_id, old_key, parent)
        self._seen[task_id] = row
        if index is None:
            self._sorted.pop(parent, None)
            self._changed_below(parent)
            return
        seen, key = self._seen, self._key_fn
        before = key(seen[ordered[index - 1]]) if index > 0 else None
        after = key(seen[ordered[index + 1]]) if index + 1 < len(ordered) else None
        if before is not None and new_key < before:
            # shift the siblings between its new place and its old one by one: a slice as long as the move, not
            # a removal and an insertion that each move everything after them (500 000 roots: ~0.3 ms each)
            # (from where the last one moved to: the tasks that start all go to the tail of the started ones)
            hint = self._place_hints.get(parent, index - 1)
            place = gallop(ordered, new_key, lambda t: key(seen[t]), hint, 0, index)
            ordered[place + 1 : index + 1] = ordered[place:index]
        elif after is not None and after < new_key:
            hint = self._place_hints.get(parent, index + 1)
            place = gallop(ordered, new_key, lambda t: key(seen[t]), hint, index + 1, len(ordered)) - 1
            ordered[index:place] = ordered[index + 1 : place + 1]
        else:
            return
        ordered[place] = task_id
        self._place_hints[parent] = place
        self._changed_below(parent)

    def _move(self, task_id: str, old_parent: LineKey, parent: LineKey) -> None:
        row = self._seen[task_id]
        self._detach(task_id, row, old_parent)
        self._attach(task_id, row, parent)

    def _forget(self, task_id: str) -> None:
        old = self._seen.get(task_id)
        if old is None:
            return
        self._detach(task_id, old, self._tree_parent(old))
        del self._seen[task_id]
        self._wait_for_parent(task_id, old, None)
        self.collapsed.discard(task_id)
        self._counts.pop(task_id, None)
        self._sorted.pop(task_id, None)
        self._dirty_roots.discard(task_id)
        self._forget_lines(task_id)
        orphans = self._kids.pop(task_id, None)
        if orphans:
            for child in list(orphans):
                row = self._seen.get(child)
                if row is not None:
                    self._attach(child, row, self._module_key(self.fields.module(row)))
                    self._waiting.setdefault(task_id, {})[child] = None

    def _ancestors(self, task_id: str) -> Iterator[LineKey]:
        """The task's parent, its parent's parent … up to the module key; stops on a loop in bad data."""
        parent = self._parent(task_id)
        visited: set[str] = set()
        while parent is not None and parent not in visited:
            yield parent
            if type(parent) is ModuleKey:
                return
            visited.add(parent)
            parent = self._parent(parent)

    def _root_of(self, task_id: str) -> str | None:
        """The root task (the block) a task's line belongs to; None when it hangs under no module."""
        current = task_id
        for parent in self._ancestors(task_id):
            if type(parent) is ModuleKey:
                return current
            current = parent
        return None

    def _changed_below(self, parent: LineKey) -> None:
        """The children of ``parent`` changed: its block (or its module's list of blocks) must be laid out again."""
        if type(parent) is ModuleKey:
            self._dirty_modules.add(parent)
        else:
            root = self._root_of(parent)
            if root is not None:
                self._dirty_roots.add(root)

    def sorted_children(self, parent: LineKey) -> list[str]:
        """A parent's shown children in ascending order of the sort key."""
        ordered = self._sorted.get(parent)
        if ordered is None:
            ordered = list(self._kids.get(parent, ()))
            if len(ordered) > 1:
                # keys computed in one pass, then a sort of positions by key, skipped when already sorted (the
                # usual case by start time: rows arrive in creation order)
                rows = list(map(self._seen.__getitem__, ordered))
                if self.sort_mode is SortMode.STARTED:
                    keys: Sequence[SortValue] = self.fields.started_keys(rows, ordered)
                elif self.sort_mode is SortMode.ELAPSED:
                    keys = self.fields.elapsed_keys(rows, ordered, self._sort_clock)
                else:
                    keys = list(map(self._key_fn, rows))
                if not all(map(le, keys, islice(keys, 1, None))):
                    order = sorted(range(len(ordered)), key=keys.__getitem__)
                    ordered = list(map(ordered.__getitem__, order))
            self._sorted[parent] = ordered
        return ordered
