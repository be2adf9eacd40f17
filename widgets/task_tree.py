"""The index behind the task view: modules → root tasks → children, kept flat and patched from deltas.

The visible lines are a sequence of *blocks*: a module heading, then each of its root tasks with everything
shown below it. A block knows its size without laying out its lines (counting children is a set intersection
away), so the first frame of 100 000 tasks lays out only the blocks on screen; line *i* is found by bisecting the
blocks' running totals. A task whose label or progress changed touches nothing but its own line. A task that
appears, goes or moves re-lays out only its root's block; a root that appears or goes is one insertion in the
block list. Children are sorted lazily, when their block is laid out.

Siblings are sorted by a column (state, type, progress, started, elapsed; newest first by default): each parent's
children are kept in ascending order of a total key (it ends in the task id), and a descending sort lays them out
reversed, so turning the direction round sorts nothing. Only the elapsed sort depends on the clock (a running
task's elapsed time grows); it re-sorts as the clock moves. A filter text and a quick view (running, failed,
unfinished) together pick the matching tasks; their ancestors are shown for context.
"""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import compress, groupby, islice, repeat
from operator import attrgetter, itemgetter, le, not_, sub
from typing import Any

from engine.model import TaskRow, TaskState
from engine.model.taskmanager import NO_PARENT

from .line_offsets import LineOffsets

MODULE_PREFIX = "module:"
SORT_MODES = ("state", "type", "progress", "started", "elapsed")
"""The sortable columns, left to right (``s`` moves to the next one)."""
DEFAULT_SORT = "started"
DESCENDING_FIRST = frozenset({"progress", "started", "elapsed"})
"""Columns whose first direction is descending: the newest, the furthest along, the longest running first."""
QUICK_VIEWS = ("all", "running", "failed", "unfinished")
MAX_DEPTH = 64
"""Deeper trees are bad data (a parent loop); nothing below this depth is laid out."""
BLOCK_CACHE = 256
"""Laid-out blocks kept; a screenful needs a handful (one per root on screen)."""
CHEAP_RESORT = 0.01
SLOW_RESORT_EVERY = timedelta(seconds=5)
"""The elapsed sort follows the clock at every refresh while re-sorting is cheap; when it takes longer than
``CHEAP_RESORT`` seconds (~50 000 roots), every 5 s of the clock (until then the order is as of the last re-sort)."""
NODE_CACHE = 4096
"""Parents whose children's nodes are kept looked up (a screenful needs a few; a filter may ask for all)."""

_RUNNING = TaskState.RUNNING
_FAILED = TaskState.FAILED
_STATE_ORDER = {
    TaskState.RUNNING: 0,
    TaskState.CREATED: 1,
    TaskState.SUSPENDED: 2,
    TaskState.FAILED: 3,
    TaskState.DONE: 4,
}
_GONE_ORDER = 5
_NOT_STARTED = datetime.max.replace(tzinfo=UTC)
"""Where a task that has not started sorts by start time: after every start, i.e. the newest."""
_STILL_RUNNING = datetime(9999, 1, 1, tzinfo=UTC)
"""The end of an unfinished task when the tree has no clock: it sorts as the longest running."""
_NO_TIME = timedelta(0)
_NUMBERS = re.compile(r"(\d+)")
_INTERNAL = attrgetter("internal")
_PARENT_ID = attrgetter("status.parent_id")
_MODULE = attrgetter("module")
_SEQUENCE = attrgetter("status.sequence_number")
_STATUS = attrgetter("status")
_START_TIME = attrgetter("start_time")
_END_TIME = attrgetter("end_time")
_SEQUENCE_NUMBER = attrgetter("sequence_number")
_FIRST = itemgetter(0)
_SECOND = itemgetter(1)

SortKey = Callable[[TaskRow], Any]


def module_key(module: str) -> str:
    return MODULE_PREFIX + module


def natural_key(text: str) -> tuple[str | int, ...]:
    """``round 2`` before ``round 10``: digit runs compare as numbers (str and int parts alternate, so any two keys
    compare part by part without mixing types)."""
    parts: list[Any] = _NUMBERS.split(text)
    if len(parts) == 1:
        return (text,)
    try:
        parts[1::2] = map(int, parts[1::2])
    except ValueError:  # a digit run too long to convert: compare as text
        return (text,)
    return tuple(parts)


def sort_key(mode: str, now: Callable[[], datetime | None] = lambda: None) -> SortKey:
    """A row's ascending sort key for a column; every key ends in the task id, so the order is total (a patched
    list and one sorted from scratch agree). ``now`` gives the clock that running tasks' elapsed time runs to."""
    if mode == "state":
        return lambda r: (
            _GONE_ORDER if r.gone else _STATE_ORDER.get(r.status.state, 9),
            r.status.sequence_number,
            r.status.id,
        )
    if mode == "progress":
        return lambda r: (-1.0 if r.status.fraction is None else r.status.fraction, r.status.id)
    if mode == "type":
        return lambda r: (
            natural_key(r.status.type),
            natural_key(r.status.entity or r.status.keyspace),
            r.status.id,
        )
    if mode == "elapsed":

        def elapsed(r: TaskRow) -> tuple[timedelta, int, str]:
            status = r.status
            start = status.start_time
            if start is None:
                return (_NO_TIME, status.sequence_number, status.id)
            return (
                max(_NO_TIME, (status.end_time or now() or _STILL_RUNNING) - start),
                status.sequence_number,
                status.id,
            )

        return elapsed
    if mode == "started":
        return lambda r: (r.status.start_time or _NOT_STARTED, r.status.sequence_number, r.status.id)
    raise ValueError(f"unknown sort {mode!r}; one of {', '.join(SORT_MODES)}")


def started_keys(rows: list[TaskRow], ids: list[str]) -> list[tuple[datetime, int, str]]:
    """``sort_key("started")`` of many rows (``ids`` theirs), column by column in C (the first frame sorts every
    root by it)."""
    statuses = list(map(_STATUS, rows))
    starts = list(map(_START_TIME, statuses))
    if None in starts:
        starts = [_NOT_STARTED if start is None else start for start in starts]
    return list(zip(starts, map(_SEQUENCE_NUMBER, statuses), ids, strict=True))


def elapsed_keys(rows: list[TaskRow], ids: list[str], now: datetime | None) -> list[Any]:
    """``sort_key("elapsed")`` of many rows (``ids`` theirs), column by column in C (the elapsed sort re-sorts as
    the clock runs)."""
    statuses = list(map(_STATUS, rows))
    starts = list(map(_START_TIME, statuses))
    until = now or _STILL_RUNNING
    ends = [until if end is None else end for end in map(_END_TIME, statuses)]
    if None in starts:
        durations = [_NO_TIME if start is None else end - start for start, end in zip(starts, ends, strict=True)]
    else:
        durations = list(map(sub, ends, starts))
    if durations and min(durations) < _NO_TIME:  # an end before its start (bad data): as the row's own key does
        durations = [max(_NO_TIME, duration) for duration in durations]
    return list(zip(durations, map(_SEQUENCE_NUMBER, statuses), ids, strict=True))


def in_quick_view(row: TaskRow, view: str) -> bool:
    """``running``: running now; ``failed``: ended in failure; ``unfinished``: not ended yet; ``all``: every task."""
    state = row.status.state
    if view == "running":
        return state is _RUNNING and not row.gone
    if view == "failed":
        return state is _FAILED
    if view == "unfinished":
        return not state.is_final and not row.gone
    return True


def row_matches(row: TaskRow, needle: str, node: str = "") -> bool:
    """Filter text matches id, type, entity, state (also ``gone``), error, scope, module, keyspace, table or the
    node a child runs on (case-insensitive; ``needle`` is lower case)."""
    status = row.status
    # one lower-cased text (fields apart by a newline, which typed text does not hold): one search, not eleven
    haystack = "\n".join(
        (
            status.id,
            status.type,
            status.entity,
            status.state.value,
            status.error,
            status.scope,
            row.module,
            status.keyspace,
            status.table,
            node,
            "gone" if row.gone else "",
        )
    )
    return needle in haystack.lower()


@dataclass
class Update:
    """What :meth:`TaskTree.apply` did: ``moved`` when lines appeared, went or changed places."""

    moved: bool = False
    touched: set[str] = field(default_factory=set)
    """Keys whose line must repaint though no line moved (changed rows, parents whose counts changed)."""


class TaskTree:
    """The flat tree index and its visible lines (module headings and tasks), top to bottom."""

    def __init__(self) -> None:
        self.rows: Mapping[str, TaskRow] = {}
        self.show_internal = False
        self.filter_text = ""
        self.quick_view = QUICK_VIEWS[0]
        self.sort_mode = DEFAULT_SORT
        self.sort_descending = DEFAULT_SORT in DESCENDING_FIRST
        self.now: datetime | None = None
        """The data's clock: running tasks' elapsed time runs to it (the elapsed sort follows it)."""
        self.collapsed: set[str] = set()
        self.modules: list[str] = []
        self._sort_clock: datetime | None = None
        self._resort_seconds = 0.0
        """What the elapsed sort's last re-sort for a new clock took."""
        self._key_fn = sort_key(self.sort_mode, self._clock)
        self._nodes: dict[str, tuple[TaskRow, dict[str, str]]] = {}
        """Parent id → (the parent row it was read from, child id → node) from the parent's ``children_ids``."""
        self._module_keys: dict[str, str] = {}
        self._seen: dict[str, TaskRow] = {}
        """Each shown task as it was indexed (so a delta knows the row before)."""
        self._kids: dict[str, dict[str, None]] = {}
        """Tree parent (task id or module key) → its shown children."""
        self._waiting: dict[str, dict[str, None]] = {}
        """Absent parent id → children listed under their module until it arrives."""
        self._counts: dict[str, list[int]] = {}
        """Parent → [children, running, failed], filled on first use and then kept up to date."""
        self._sorted: dict[str, list[str]] = {}
        """Parent → its shown children in ascending order of the sort key (a descending sort lays them out reversed)."""
        self._matches: set[str] | None = None
        """Tasks that match the filter text and the quick view; None when neither is set."""
        self._wanted: dict[str, bool] | None = None
        # the layout: blocks (module headings and root tasks) in display order, their sizes and running totals
        self._blocks: list[str] = []
        self._sizes: dict[str, int] = {}
        self._offsets: LineOffsets | None = None
        """Where each block starts (built on demand; resized blocks update it, a new list of blocks drops it)."""
        self._numbers: dict[str, int] | None = None
        """Each block's index in ``_blocks`` (built on demand, dropped when the blocks change)."""
        self._laid: dict[str, tuple[list[str], list[int]]] = {}
        self._dirty_roots: set[str] = set()
        self._dirty_modules: set[str] = set()
        self._root_moves: set[str] = set()
        self._touched: set[str] = set()

    # -- queries --------------------------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return self._line_offsets().total

    @property
    def module_lines(self) -> int:
        return sum(1 for block in self._blocks if block.startswith(MODULE_PREFIX))

    @property
    def lines(self) -> list[str]:
        """Every visible line's key (lays every block out: for tests and small trees)."""
        keys: list[str] = []
        for block in self._blocks:
            keys.extend(self._layout(block)[0])
        return keys

    @property
    def depths(self) -> list[int]:
        depths: list[int] = []
        for block in self._blocks:
            depths.extend(self._layout(block)[1])
        return depths

    def line(self, index: int) -> tuple[str, int]:
        """(key, depth) of visible line ``index``."""
        offsets = self._line_offsets()
        number = offsets.find(index)
        keys, depths = self._layout(self._blocks[number])
        offset = index - offsets.start(number)
        return keys[offset], depths[offset]

    def window(self, start: int, stop: int) -> list[tuple[str, int]]:
        """(key, depth) of the visible lines ``start`` … ``stop - 1``."""
        stop = min(stop, self.line_count)
        if start >= stop:
            return []
        offsets = self._line_offsets()
        number = offsets.find(start)
        offset = start - offsets.start(number)
        result: list[tuple[str, int]] = []
        index = start
        while index < stop and number < len(self._blocks):
            keys, depths = self._layout(self._blocks[number])
            take = min(len(keys) - offset, stop - index)
            result.extend(zip(keys[offset : offset + take], depths[offset : offset + take], strict=True))
            index += take
            number += 1
            offset = 0
        return result

    def position(self, key: str | None) -> int | None:
        """The line of a key, or None when it has no line (unknown, hidden, filtered out or collapsed)."""
        if key is None:
            return None
        root = key if key.startswith(MODULE_PREFIX) else self._root_of(key)
        if root is None:
            return None
        number = self._block_numbers().get(root)
        if number is None:
            return None
        keys = self._layout(root)[0]
        if key == root:
            offset = 0
        else:
            try:
                offset = keys.index(key)
            except ValueError:
                return None
        return self._line_offsets().start(number) + offset

    def counts(self, key: str) -> tuple[int, int, int]:
        """(shown children, running ones, failed ones) of a module heading or task."""
        count = self._counts.get(key)
        if count is None:
            kids = self._kids.get(key)
            if not kids:
                return (0, 0, 0)
            seen = self._seen
            states = [seen[t].status.state for t in kids]
            count = self._counts[key] = [len(states), states.count(_RUNNING), states.count(_FAILED)]
        return count[0], count[1], count[2]

    def has_children(self, key: str) -> bool:
        return bool(self._kids.get(key))

    @property
    def filtering(self) -> bool:
        """Filter text or a quick view other than ``all`` is set: only matches (and their ancestors) are shown."""
        return self._matches is not None

    @property
    def matches(self) -> Set[str]:
        """The tasks that match the filter text and the quick view (empty when neither is set)."""
        return self._matches if self._matches is not None else frozenset()

    def is_match(self, key: str) -> bool:
        """Shown because it matches the filter and quick view (not merely as an ancestor of a match)."""
        return self._wanted is not None and self._wanted.get(key) is True

    def node_of(self, task_id: str) -> str:
        """The node a child task runs on, as its parent's ``children_ids`` say; "" for a root or when unknown."""
        row = self.rows.get(task_id)
        if row is None:
            return ""
        parent_id = row.status.parent_id
        parent = self.rows.get(parent_id)
        if parent is None or not parent.status.children_ids:
            return ""
        cached = self._nodes.get(parent_id)
        if cached is None or cached[0] is not parent:
            if len(self._nodes) >= NODE_CACHE:
                self._nodes.clear()
            cached = self._nodes[parent_id] = (parent, {c.task_id: c.node for c in parent.status.children_ids})
        return cached[1].get(task_id, "")

    def expanded(self, key: str) -> bool:
        return self.has_children(key) and (key not in self.collapsed or self._wanted is not None)

    def is_context(self, key: str) -> bool:
        """Shown only because a descendant matches the filter."""
        return self._wanted is not None and self._wanted.get(key) is False

    def parent_of(self, task_id: str) -> str | None:
        return self._parent(task_id)

    def visible(self, row: TaskRow) -> bool:
        return self.show_internal or not row.internal

    def hidden_reason(self, task_id: str) -> str | None:
        """Why a known task has no line: internal hidden, filtered out, collapsed; None if shown or unknown."""
        row = self.rows.get(task_id)
        if row is None or self.position(task_id) is not None:
            return None
        if not self.visible(row):
            return "it is internal (press i to show internal tasks)"
        if self._matches is not None and task_id not in self._matches:
            if not in_quick_view(row, self.quick_view):
                return f"it is not in the quick view {self.quick_view!r} (press v for the next view)"
            return f"it does not match the filter {self.filter_text!r}"
        return "its parent is collapsed"

    # -- settings that re-lay everything -------------------------------------------------------------------

    def set_show_internal(self, show: bool) -> bool:
        if show == self.show_internal:
            return False
        self.show_internal = show
        self.reset(self.rows, self.modules)
        return True

    def _clock(self) -> datetime | None:
        """The clock the lists are sorted by (elapsed keys depend on it): ``now`` as of the last re-sort."""
        return self._sort_clock

    def set_sort(self, mode: str, descending: bool | None = None) -> None:
        """Sort by a column (``SORT_MODES``); ``descending`` defaults to the column's first direction. Turning
        the direction round re-sorts nothing: the ascending lists are laid out the other way."""
        if mode not in SORT_MODES:
            raise ValueError(f"unknown sort {mode!r}; one of {', '.join(SORT_MODES)}")
        if mode != self.sort_mode:
            self.sort_mode = mode
            self._key_fn = sort_key(mode, self._clock)
            self._sorted.clear()
            self._sort_clock = self.now
        self.sort_descending = mode in DESCENDING_FIRST if descending is None else descending
        self._reorder()

    def set_now(self, now: datetime | None) -> bool:
        """The data's clock moved; True when that re-sorted the lines (only the elapsed sort depends on it: a
        running task's elapsed time grows while a finished one's stays)."""
        if now is None or now == self.now:
            return False
        self.now = now
        if self.sort_mode != "elapsed" or not self._seen:
            return False
        clock = self._sort_clock
        if self._resort_seconds > CHEAP_RESORT and clock is not None and now - clock < SLOW_RESORT_EVERY:
            return False
        began = time.perf_counter()
        self._sort_clock = now
        self._sorted.clear()
        self._reorder()
        self._resort_seconds = time.perf_counter() - began
        return True  # also when only children moved inside their blocks

    def set_filter(self, text: str) -> bool:
        text = text.strip().lower()
        if text == self.filter_text:
            return False
        previous, self.filter_text = self.filter_text, text
        # typing more of the same word only narrows the previous matches
        narrowing = bool(previous) and text.startswith(previous) and self._matches is not None
        self._rematch(self._matches if narrowing else None)
        self.rebuild()
        return True

    def set_quick_view(self, view: str) -> bool:
        if view not in QUICK_VIEWS:
            raise ValueError(f"unknown quick view {view!r}; one of {', '.join(QUICK_VIEWS)}")
        if view == self.quick_view:
            return False
        self.quick_view = view
        self._rematch(None)
        self.rebuild()
        return True

    def _rematch(self, candidates: Iterable[str] | None) -> None:
        """Work out the matches again, among ``candidates`` (None: every shown task)."""
        if not self.filter_text and self.quick_view == QUICK_VIEWS[0]:
            self._matches = None
            return
        if candidates is None:
            candidates = self._seen
        self._matches = {t for t in candidates if self._matching(t)}

    def toggle(self, key: str) -> None:
        if key in self.collapsed:
            self.collapsed.discard(key)
        else:
            self.collapsed.add(key)
        self._changed_below(key)
        self._relayout()

    def expand_to(self, task_id: str) -> bool:
        """Open every collapsed ancestor of a task; True when something opened (lines moved)."""
        opened = False
        for parent in list(self._ancestors(task_id)):
            if parent in self.collapsed:
                self.collapsed.discard(parent)
                self._changed_below(parent)
                opened = True
        if opened:
            self._relayout()
        return opened

    # -- indexing -------------------------------------------------------------------------------------------

    def _module_key(self, module: str) -> str:
        key = self._module_keys.get(module)
        if key is None:
            key = self._module_keys[module] = module_key(module)
        return key

    def reset(self, rows: Mapping[str, TaskRow], modules: Iterable[str] = ()) -> None:
        """Index every shown row from scratch and lay the blocks out (hidden internal tasks are not indexed).

        Done column-wise with C-level ``map``/``zip``/``groupby`` rather than a Python loop per task: the first
        frame of 100 000 tasks depends on it. A task's tree parent is its parent when that is shown, else its
        module; children that name a parent not (yet) shown wait for it.
        """
        self.rows = rows
        if self.show_internal:
            seen = dict(rows)
        else:
            values = list(rows.values())
            shown = list(map(not_, map(_INTERNAL, values)))
            seen = dict(zip(compress(rows.keys(), shown), compress(values, shown), strict=True))
        ids = list(seen)
        raw_parents = list(map(_PARENT_ID, seen.values()))
        # tasks whose parent is not shown hang under their module
        absent = set(raw_parents).difference(seen)
        orphan = list(map(absent.__contains__, raw_parents))
        roots = list(compress(ids, orphan))
        root_modules = list(map(_MODULE, map(seen.__getitem__, roots)))
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
        kids: dict[str, dict[str, None]] = {}
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
        self.rebuild()

    def apply(
        self,
        rows: Mapping[str, TaskRow],
        changed: Iterable[str],
        removed: Iterable[str] = (),
        modules: Iterable[str] = (),
    ) -> Update:
        """Take the rows that changed (new, updated or gone) and re-lay only the blocks they are in."""
        self.rows = rows
        self._touched = set()
        self._dirty_roots.clear()
        self._dirty_modules.clear()
        self._root_moves.clear()
        changed = list(changed)
        known = set(self.modules)
        new_modules = {
            rows[t].module for t in changed if t in rows and rows[t].module not in known and self.visible(rows[t])
        }
        new_modules.update(m for m in modules if m not in known)
        for task_id in removed:
            self._forget(task_id)
        matches_moved = False
        for task_id in changed:
            row = rows.get(task_id)
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
        update = Update(touched=self._touched)
        update.touched.update(changed)
        if new_modules:
            self.modules = sorted(known | new_modules)
            self.rebuild()
            update.moved = True
        elif self._matches is not None:
            if matches_moved or self._dirty_roots or self._dirty_modules:
                self.rebuild()
                update.moved = True
        elif self._dirty_roots or self._dirty_modules:
            update.moved = self._relayout()
        return update

    def _matching(self, task_id: str) -> bool:
        row = self._seen.get(task_id)
        if row is None or not self.visible(row) or not in_quick_view(row, self.quick_view):
            return False
        text = self.filter_text
        if not text or row_matches(row, text):
            return True
        # the node last: it is looked up in the parent's children_ids
        return row.status.has_parent and text in self.node_of(task_id).lower()

    def _tree_parent(self, row: TaskRow) -> str:
        """Where a task hangs: under its parent when that is shown (indexed), else under its module."""
        raw = row.status.parent_id
        if raw in self._seen and raw != row.status.id:
            return raw
        return self._module_key(row.module)

    def _parent(self, task_id: str) -> str | None:
        """The tree parent of an indexed task (not stored: it follows from the rows and what is indexed)."""
        row = self._seen.get(task_id)
        return None if row is None else self._tree_parent(row)

    def _count(self, parent: str, row: TaskRow, step: int) -> None:
        count = self._counts.get(parent)
        if count is not None:
            count[0] += step
            state = row.status.state
            if state is _RUNNING:
                count[1] += step
            elif state is _FAILED:
                count[2] += step
        self._touched.add(parent)

    def _attach(self, task_id: str, row: TaskRow, parent: str) -> None:
        if parent.startswith(MODULE_PREFIX):
            self._root_moves.add(task_id)
        self._seen[task_id] = row
        self._kids.setdefault(parent, {})[task_id] = None
        self._count(parent, row, 1)
        ordered = self._sorted.get(parent)
        if ordered is not None:
            seen, key = self._seen, self._key_fn
            bisect.insort(ordered, task_id, key=lambda t: key(seen[t]))
        self._changed_below(parent)

    def _detach(self, task_id: str, old: TaskRow, parent: str) -> None:
        if parent.startswith(MODULE_PREFIX):
            self._root_moves.add(task_id)
        siblings = self._kids.get(parent)
        if siblings is not None:
            siblings.pop(task_id, None)
        self._count(parent, old, -1)
        ordered = self._sorted.get(parent)
        if ordered is not None:
            index = self._find(ordered, task_id, self._key_fn(old))
            if index is None:
                self._sorted.pop(parent, None)
            else:
                del ordered[index]
        self._changed_below(parent)

    def _find(self, ordered: list[str], task_id: str, key: Any) -> int | None:
        """Where a child sits in its parent's sorted list, found by bisecting on its current sort key."""
        seen, key_fn = self._seen, self._key_fn
        try:
            index = bisect.bisect_left(ordered, key, key=lambda t: key_fn(seen[t]))
            while index < len(ordered) and ordered[index] != task_id and key_fn(seen[ordered[index]]) == key:
                index += 1
            if index < len(ordered) and ordered[index] == task_id:
                return index
        except (KeyError, TypeError):
            pass
        try:
            return ordered.index(task_id)  # sort keys that compare oddly: fall back to a scan
        except ValueError:
            return None

    def _wait_for_parent(self, task_id: str, old: TaskRow | None, row: TaskRow | None) -> None:
        before = old.status.parent_id if old is not None else None
        after = row.status.parent_id if row is not None else None
        if before == after and row is not None:
            return
        if before and before != NO_PARENT and before in self._waiting:
            self._waiting[before].pop(task_id, None)
        if after and after != NO_PARENT and after not in self._seen:
            self._waiting.setdefault(after, {})[task_id] = None

    def _index(self, task_id: str, row: TaskRow) -> None:
        old = self._seen.get(task_id)
        if not self.visible(row):
            # hidden internal tasks are not indexed at all (showing them re-indexes everything)
            if old is not None:
                self._forget(task_id)
            return
        parent = self._tree_parent(row)
        if old is None:
            self._attach(task_id, row, parent)
            self._wait_for_parent(task_id, None, row)
            for child in list(self._waiting.pop(task_id, ())):
                row_of_child = self._seen.get(child)
                if row_of_child is not None and child not in self._kids.get(task_id, ()):
                    # it waited under its module for this parent
                    self._move(child, self._module_key(row_of_child.module), task_id)
            return
        if old.status.parent_id != row.status.parent_id:
            self._wait_for_parent(task_id, old, row)
        old_parent = self._tree_parent(old)
        if old_parent != parent:
            self._detach(task_id, old, old_parent)
            self._attach(task_id, row, parent)
            return
        if old.status.state is not row.status.state:
            self._count(parent, old, -1)
            self._count(parent, row, 1)
        ordered = self._sorted.get(parent)
        if ordered is not None:
            key = self._key_fn
            new_key, old_key = key(row), key(old)
            if old_key != new_key:
                self._reposition(ordered, task_id, old_key, new_key, row, parent)
                return
        self._seen[task_id] = row

    def _reposition(
        self, ordered: list[str], task_id: str, old_key: Any, new_key: Any, row: TaskRow, parent: str
    ) -> None:
        """Move one child inside its parent's sorted list; the lines change only if its place did."""
        index = self._find(ordered, task_id, old_key)
        self._seen[task_id] = row
        if index is None:
            self._sorted.pop(parent, None)
            self._changed_below(parent)
            return
        seen, key = self._seen, self._key_fn
        before = key(seen[ordered[index - 1]]) if index > 0 else None
        after = key(seen[ordered[index + 1]]) if index + 1 < len(ordered) else None
        if (before is None or before <= new_key) and (after is None or new_key <= after):
            return
        del ordered[index]
        bisect.insort(ordered, task_id, key=lambda t: key(seen[t]))
        self._changed_below(parent)

    def _move(self, task_id: str, old_parent: str, parent: str) -> None:
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
        self._laid.pop(task_id, None)
        self._sizes.pop(task_id, None)
        orphans = self._kids.pop(task_id, None)
        if orphans:
            for child in list(orphans):
                row = self._seen.get(child)
                if row is not None:
                    self._attach(child, row, self._module_key(row.module))
                    self._waiting.setdefault(task_id, {})[child] = None

    # -- layout ---------------------------------------------------------------------------------------------

    def _ancestors(self, task_id: str) -> Iterator[str]:
        """The task's parent, its parent's parent … up to the module key; stops on a loop in bad data."""
        parent = self._parent(task_id)
        visited: set[str] = set()
        while parent is not None and parent not in visited:
            yield parent
            if parent.startswith(MODULE_PREFIX):
                return
            visited.add(parent)
            parent = self._parent(parent)

    def _root_of(self, task_id: str) -> str | None:
        """The root task (the block) a task's line belongs to; None when it hangs under no module."""
        current = task_id
        for parent in self._ancestors(task_id):
            if parent.startswith(MODULE_PREFIX):
                return current
            current = parent
        return None

    def _changed_below(self, parent: str) -> None:
        """The children of ``parent`` changed: its block (or its module's list of blocks) must be laid out again."""
        if parent.startswith(MODULE_PREFIX):
            self._dirty_modules.add(parent)
        else:
            root = self._root_of(parent)
            if root is not None:
                self._dirty_roots.add(root)

    def sorted_children(self, parent: str) -> list[str]:
        """A parent's shown children in ascending order of the sort key."""
        ordered = self._sorted.get(parent)
        if ordered is None:
            ordered = list(self._kids.get(parent, ()))
            if len(ordered) > 1:
                # keys computed in one pass, then a sort of positions by key, skipped when already sorted (the
                # usual case by start time: rows arrive in creation order)
                rows = list(map(self._seen.__getitem__, ordered))
                if self.sort_mode == "started":
                    keys: list[Any] = started_keys(rows, ordered)
                elif self.sort_mode == "elapsed":
                    keys = elapsed_keys(rows, ordered, self._sort_clock)
                else:
                    keys = list(map(self._key_fn, rows))
                if not all(map(le, keys, islice(keys, 1, None))):
                    order = sorted(range(len(ordered)), key=keys.__getitem__)
                    ordered = list(map(ordered.__getitem__, order))
            self._sorted[parent] = ordered
        return ordered

    def _shown_children(self, parent: str) -> list[str]:
        """A parent's children in display order (the sort's direction), without those the filter hides."""
        children = self.sorted_children(parent)
        if self.sort_descending:
            children = children[::-1]
        wanted = self._wanted
        return children if wanted is None else [t for t in children if t in wanted]

    def _opens(self, key: str) -> bool:
        return bool(self._kids.get(key)) and (self._wanted is not None or key not in self.collapsed)

    def _size_below(self, key: str, depth: int = 1) -> int:
        """How many lines the shown descendants of an open ``key`` take (no sorting, no laying out)."""
        kids = self._kids.get(key)
        if not kids or depth > MAX_DEPTH:
            return 0
        wanted = self._wanted
        size = len(kids) if wanted is None else sum(1 for t in kids if t in wanted)
        # only children that have children of their own add lines (a C-speed intersection finds them)
        for child in kids.keys() & self._kids.keys():
            if (wanted is None or child in wanted) and self._opens(child):
                size += self._size_below(child, depth + 1)
        return size

    def _resize(self, block: str) -> None:
        """Work out a root block's size; ``_sizes`` holds only sizes other than 1 (a module, a lone root)."""
        size = 1 + self._size_below(block) if self._opens(block) else 1
        if size == 1:
            self._sizes.pop(block, None)
        else:
            self._sizes[block] = size

    def _layout(self, block: str) -> tuple[list[str], list[int]]:
        """The lines of one block (a module heading, or a root and what is shown below it)."""
        laid = self._laid.get(block)
        if laid is None:
            if block.startswith(MODULE_PREFIX):
                laid = ([block], [0])
            else:
                keys, depths = [block], [1]
                if self._opens(block):
                    self._walk(block, 2, keys, depths)
                laid = (keys, depths)
            if len(self._laid) >= BLOCK_CACHE:
                self._laid.clear()
            self._laid[block] = laid
        return laid

    def _walk(self, parent: str, depth: int, keys: list[str], depths: list[int]) -> None:
        if depth > MAX_DEPTH + 1:
            return
        children = self._shown_children(parent)
        last = 0
        for index, task_id in enumerate(children):
            if self._opens(task_id):
                keys.extend(children[last : index + 1])
                depths.extend([depth] * (index + 1 - last))
                last = index + 1
                self._walk(task_id, depth + 1, keys, depths)
        keys.extend(children[last:])
        depths.extend([depth] * (len(children) - last))

    def _line_offsets(self) -> LineOffsets:
        offsets = self._offsets
        if offsets is None:
            offsets = self._offsets = LineOffsets(map(self._sizes.get, self._blocks, repeat(1)))
        return offsets

    def _block_numbers(self) -> dict[str, int]:
        numbers = self._numbers
        if numbers is None:
            numbers = self._numbers = {block: number for number, block in enumerate(self._blocks)}
        return numbers

    def _module_blocks(self, module: str) -> list[str]:
        key = self._module_key(module)
        if self._wanted is not None and key not in self._wanted:
            return []
        if self._wanted is None and key in self.collapsed:
            return [key]
        return [key, *self._shown_children(key)]

    def rebuild(self) -> None:
        """Lay every block out again (after a new setting)."""
        self._wanted = self._wanted_set() if self._matches is not None else None
        self._laid.clear()
        self._sizes.clear()
        blocks: list[str] = []
        for module in self.modules:
            blocks.extend(self._module_blocks(module))
        self._blocks = blocks
        self._numbers = None
        # every root with children, also in collapsed modules (they keep their size for when the module opens):
        # the parents that have children and hang under a module
        for parent in self._kids:
            if not parent.startswith(MODULE_PREFIX) and (self._parent(parent) or "").startswith(MODULE_PREFIX):
                self._resize(parent)
        self._offsets = None
        self._dirty_roots.clear()
        self._dirty_modules.clear()
        self._root_moves.clear()

    def _reorder(self) -> bool:
        """Lay the blocks out again in a new order (a new sort): sizes do not depend on the order, so they stay.
        True when the list of blocks changed."""
        self._laid.clear()
        blocks: list[str] = []
        for module in self.modules:
            blocks.extend(self._module_blocks(module))
        if blocks == self._blocks:
            return False
        self._blocks = blocks
        self._numbers = None
        self._offsets = None
        return True

    def _relayout(self) -> bool:
        """Re-lay the dirty blocks; True when any line may have moved (the running totals only if sizes did)."""
        moved = bool(self._dirty_roots or self._dirty_modules)
        blocks_changed = bool(self._root_moves)
        for root in self._root_moves:
            # a task that starts or stops being a root: whatever was laid out for it before is stale
            self._laid.pop(root, None)
            self._sizes.pop(root, None)
            if root in self._seen:
                self._resize(root)
        resized: list[str] = []
        for root in self._dirty_roots:
            self._laid.pop(root, None)
            before = self._sizes.get(root, 1)
            self._resize(root)
            if self._sizes.get(root, 1) != before:
                resized.append(root)
        blocks = self._blocks
        for key in self._dirty_modules:
            module = key[len(MODULE_PREFIX) :]
            if module not in self.modules:
                continue
            try:
                start = blocks.index(key)
            except ValueError:
                self.rebuild()
                return True
            end = self._module_end(module, start)
            wanted = self._module_blocks(module)
            if blocks[start:end] != wanted:
                blocks[start:end] = wanted
                blocks_changed = True
        if blocks_changed:
            self._numbers = None
            self._offsets = None
        elif resized and self._offsets is not None:
            numbers = self._block_numbers()
            for root in resized:
                number = numbers.get(root)
                if number is None:  # not a block of its own (e.g. in a collapsed module): nothing moves for it
                    continue
                self._offsets.resize(number, self._sizes.get(root, 1))
        self._root_moves.clear()
        self._dirty_roots.clear()
        self._dirty_modules.clear()
        return moved

    def _module_end(self, module: str, start: int) -> int:
        """Where the blocks of the module whose heading is at ``start`` end (the next module's heading)."""
        blocks = self._blocks
        for later in self.modules[self.modules.index(module) + 1 :]:
            try:
                return blocks.index(self._module_key(later), start + 1)
            except ValueError:
                continue
        return len(blocks)

    def _wanted_set(self) -> dict[str, bool]:
        """Matching tasks (True) plus their ancestors and modules (False, shown for context)."""
        wanted: dict[str, bool] = {}
        for task_id in self._matches or ():
            wanted[task_id] = True
            parent = self._parent(task_id)
            while parent is not None and parent not in wanted:
                wanted[parent] = False
                parent = self._parent(parent)
        return wanted
