"""The task tree's visible lines, laid out from the index (:mod:`widgets._task_index`): module headings and tasks.

The visible lines are a sequence of *blocks*: a module heading, then each of its root tasks with everything
shown below it. A block knows its size without laying out its lines (counting children is a set intersection
away), so the first frame of 100 000 tasks lays out only the blocks on screen; line *i* is found by bisecting the
blocks' running totals. A task whose label or progress changed touches nothing but its own line. A task that
appears, goes or moves re-lays out only its root's block; a root that appears or goes is one insertion in the
block list. Children are sorted lazily, when their block is laid out.

A line's key is a task id (``str``) or a module heading's :class:`ModuleKey`; the two never collide.

Siblings are sorted by a column (:class:`SortMode`: state, type, progress, started, elapsed; newest first by
default): each parent's children are kept in ascending order of a total key (it ends in the task id), and a
descending sort lays them out reversed, so turning the direction round sorts nothing. Only the elapsed sort
depends on the clock (a running task's elapsed time grows); it re-sorts as the clock moves. A filter text and a
quick view (:class:`QuickView`: running, failed, unfinished) together pick the matching tasks; their ancestors are
shown for context.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from itertools import repeat

from engine.model import TaskRow

from ._task_bulk import collector_paused
from ._task_fields import CompactTable, fields_of
from ._task_filter import QUICK_VIEWS, QuickView, in_quick_view, quick_view, row_matches
from ._task_index import RowColumns, TaskIndex, Update
from ._task_keys import MODULE_PREFIX, LineKey, ModuleKey, module_key
from ._task_sort import (
    DEFAULT_SORT,
    DESCENDING_FIRST,
    SORT_MODES,
    SortKey,
    SortMode,
    elapsed_keys,
    natural_key,
    sort_key,
    sort_mode,
    started_keys,
)
from .line_offsets import LineOffsets

__all__ = [
    "DEFAULT_SORT",
    "DESCENDING_FIRST",
    "MODULE_PREFIX",
    "QUICK_VIEWS",
    "SORT_MODES",
    "CompactTable",
    "LineKey",
    "ModuleKey",
    "QuickView",
    "RowColumns",
    "SortKey",
    "SortMode",
    "TaskTree",
    "Update",
    "elapsed_keys",
    "in_quick_view",
    "module_key",
    "natural_key",
    "row_matches",
    "sort_key",
    "started_keys",
]

MAX_DEPTH = 64
"""Deeper trees are bad data (a parent loop); nothing below this depth is laid out."""
BLOCK_CACHE = 256
"""Laid-out blocks kept; a screenful needs a handful (one per root on screen)."""
CHEAP_RESORT = 0.01
SLOW_RESORT_EVERY = timedelta(seconds=5)
"""The elapsed sort follows the clock at every refresh while re-sorting is cheap; when it takes longer than
``CHEAP_RESORT`` seconds (~50 000 roots), every 5 s of the clock (until then the order is as of the last re-sort)."""


class TaskTree(TaskIndex):
    """The flat tree index and its visible lines (module headings and tasks), top to bottom."""

    def __init__(self) -> None:
        super().__init__()
        self._resort_seconds = 0.0
        """What the elapsed sort's last re-sort for a new clock took."""
        self._wanted: dict[LineKey, bool] | None = None
        # the layout: blocks (module headings and root tasks) in display order, their sizes and running totals
        self._blocks: list[LineKey] = []
        self._sizes: dict[LineKey, int] = {}
        self._offsets: LineOffsets | None = None
        """Where each block starts (built on demand; resized blocks update it, a new list of blocks drops it)."""
        self._numbers: dict[LineKey, int] | None = None
        """Each block's index in ``_blocks`` (built on demand, dropped when the blocks change)."""
        self._laid: dict[LineKey, tuple[list[LineKey], list[int]]] = {}
        self._spans: dict[str, int] = {}
        """How many blocks each module has in ``_blocks`` (its heading and its roots), module by module."""

    # -- queries --------------------------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return self._line_offsets().total

    @property
    def module_lines(self) -> int:
        return sum(1 for block in self._blocks if type(block) is ModuleKey)

    @property
    def lines(self) -> list[LineKey]:
        """Every visible line's key (lays every block out: for tests and small trees)."""
        keys: list[LineKey] = []
        for block in self._blocks:
            keys.extend(self._layout(block)[0])
        return keys

    @property
    def depths(self) -> list[int]:
        depths: list[int] = []
        for block in self._blocks:
            depths.extend(self._layout(block)[1])
        return depths

    def line(self, index: int) -> tuple[LineKey, int]:
        """(key, depth) of visible line ``index``."""
        offsets = self._line_offsets()
        number = offsets.find(index)
        keys, depths = self._layout(self._blocks[number])
        offset = index - offsets.start(number)
        return keys[offset], depths[offset]

    def window(self, start: int, stop: int) -> list[tuple[LineKey, int]]:
        """(key, depth) of the visible lines ``start`` … ``stop - 1``."""
        stop = min(stop, self.line_count)
        if start >= stop:
            return []
        offsets = self._line_offsets()
        number = offsets.find(start)
        offset = start - offsets.start(number)
        result: list[tuple[LineKey, int]] = []
        index = start
        while index < stop and number < len(self._blocks):
            keys, depths = self._layout(self._blocks[number])
            take = min(len(keys) - offset, stop - index)
            result.extend(zip(keys[offset : offset + take], depths[offset : offset + take], strict=True))
            index += take
            number += 1
            offset = 0
        return result

    def position(self, key: LineKey | None) -> int | None:
        """The line of a key, or None when it has no line (unknown, hidden, filtered out or collapsed)."""
        if key is None:
            return None
        root: LineKey | None = key if type(key) is ModuleKey else self._root_of(key)
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

    def is_match(self, key: LineKey) -> bool:
        """Shown because it matches the filter and quick view (not merely as an ancestor of a match)."""
        return self._wanted is not None and self._wanted.get(key) is True

    def expanded(self, key: LineKey) -> bool:
        return self.has_children(key) and (key not in self.collapsed or self._wanted is not None)

    def is_context(self, key: LineKey) -> bool:
        """Shown only because a descendant matches the filter."""
        return self._wanted is not None and self._wanted.get(key) is False

    def hidden_reason(self, task_id: str) -> str | None:
        """Why a known task has no line: internal hidden, filtered out, collapsed; None if shown or unknown."""
        row = self.rows.get(task_id)
        if row is None or self.position(task_id) is not None:
            return None
        if not self.visible(row):
            return "it is internal (press i to show internal tasks)"
        if self._matches is not None and task_id not in self._matches:
            if not in_quick_view(row, self.quick_view):
                return f"it is not in the quick view {str(self.quick_view)!r} (press v for the next view)"
            return f"it does not match the filter {self.filter_text!r}"
        return "its parent is collapsed"

    def set_show_internal(self, show: bool) -> bool:
        if show == self.show_internal:
            return False
        self.show_internal = show
        self.reset(self.rows, self.modules)
        return True

    def set_sort(self, mode: str, descending: bool | None = None) -> None:
        """Sort by a column (``SORT_MODES``); ``descending`` defaults to the column's first direction. Turning
        the direction round re-sorts nothing: the ascending lists are laid out the other way."""
        mode = sort_mode(mode)
        if mode is not self.sort_mode:
            self.sort_mode = mode
            self._key_fn = self.fields.sort_key(mode, self._clock)
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
        if self.sort_mode is not SortMode.ELAPSED or not self._seen:
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
        view = quick_view(view)
        if view is self.quick_view:
            return False
        self.quick_view = view
        self._rematch(None)
        self.rebuild()
        return True

    def toggle(self, key: LineKey) -> None:
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

    def reset(
        self, rows: Mapping[str, TaskRow], modules: Iterable[str] = (), columns: RowColumns | None = None
    ) -> None:
        """Index every shown row from scratch and lay the blocks out (hidden internal tasks are not indexed);
        ``columns``, the same rows column by column, spare looking at each row."""
        with collector_paused():
            self._index_all(rows, modules, columns)
            self.rebuild()

    def apply(
        self,
        rows: Mapping[str, TaskRow],
        changed: Iterable[str],
        removed: Iterable[str] = (),
        modules: Iterable[str] = (),
    ) -> Update:
        """Take the rows that changed (new, updated or gone) and re-lay only the blocks they are in."""
        if fields_of(rows)[0] is not self.fields:  # rows of the other form: everything is read anew
            self.reset(rows, modules)
            return Update(moved=True, touched=set(changed))
        new_modules, matches_moved = self._index_changes(rows, list(changed), removed, modules)
        update = Update(touched=self._touched)
        if new_modules:
            self.modules = sorted(set(self.modules) | new_modules)
            self.rebuild()
            update.moved = True
        elif self._matches is not None:
            if matches_moved or self._dirty_roots or self._dirty_modules:
                self.rebuild()
                update.moved = True
        elif self._dirty_roots or self._dirty_modules:
            update.moved = self._relayout()
        return update

    def _forget_lines(self, task_id: str) -> None:
        self._laid.pop(task_id, None)
        self._sizes.pop(task_id, None)

    # -- layout ---------------------------------------------------------------------------------------------

    def _shown_children(self, parent: LineKey) -> list[str]:
        """A parent's children in display order (the sort's direction), without those the filter hides."""
        children = self.sorted_children(parent)
        if self.sort_descending:
            children = children[::-1]
        wanted = self._wanted
        return children if wanted is None else [t for t in children if t in wanted]

    def _opens(self, key: LineKey) -> bool:
        return bool(self._kids.get(key)) and (self._wanted is not None or key not in self.collapsed)

    def _size_below(self, key: LineKey, depth: int = 1) -> int:
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

    def _layout(self, block: LineKey) -> tuple[list[LineKey], list[int]]:
        """The lines of one block (a module heading, or a root and what is shown below it)."""
        laid = self._laid.get(block)
        if laid is None:
            if type(block) is ModuleKey:
                laid = ([block], [0])
            else:
                keys: list[LineKey] = [block]
                depths = [1]
                if self._opens(block):
                    self._walk(block, 2, keys, depths)
                laid = (keys, depths)
            if len(self._laid) >= BLOCK_CACHE:
                self._laid.clear()
            self._laid[block] = laid
        return laid

    def _walk(self, parent: LineKey, depth: int, keys: list[LineKey], depths: list[int]) -> None:
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

    def _block_numbers(self) -> dict[LineKey, int]:
        numbers = self._numbers
        if numbers is None:
            numbers = self._numbers = {block: number for number, block in enumerate(self._blocks)}
        return numbers

    def _module_blocks(self, module: str) -> list[LineKey]:
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
        self._blocks = self._all_blocks()
        self._numbers = None
        # every root with children, also in collapsed modules (they keep their size for when the module opens):
        # the parents that have children and hang under a module
        for parent in self._kids:
            if type(parent) is str and type(self._parent(parent)) is ModuleKey:
                self._resize(parent)
        self._offsets = None
        self._dirty_roots.clear()
        self._dirty_modules.clear()
        self._root_moves.clear()

    def _reorder(self) -> bool:
        """Lay the blocks out again in a new order (a new sort): sizes do not depend on the order, so they stay.
        True when the list of blocks changed."""
        self._laid.clear()
        blocks = self._all_blocks()
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
            module = key.name
            if module not in self.modules:
                continue
            start = self._module_start(module)
            if start is None:
                self.rebuild()
                return True
            end = start + self._spans[module]
            wanted = self._module_blocks(module)
            if blocks[start:end] != wanted:
                blocks[start:end] = wanted
                self._spans[module] = len(wanted)
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

    def _all_blocks(self) -> list[LineKey]:
        """Every module's blocks, in order (noting how many blocks each module has)."""
        blocks: list[LineKey] = []
        spans: dict[str, int] = {}
        for module in self.modules:
            wanted = self._module_blocks(module)
            spans[module] = len(wanted)
            blocks.extend(wanted)
        self._spans = spans
        return blocks

    def _module_start(self, module: str) -> int | None:
        """Where the blocks of a module start (its heading's block), from the blocks of the modules before it —
        not by searching 50 000 blocks for the heading; None when the module has no blocks listed."""
        start = 0
        spans = self._spans
        for other in self.modules:
            span = spans.get(other)
            if span is None:
                return None
            if other == module:
                if not span or self._blocks[start] != self._module_key(module):
                    return None
                return start
            start += span
        return None

    def _wanted_set(self) -> dict[LineKey, bool]:
        """Matching tasks (True) plus their ancestors and modules (False, shown for context)."""
        wanted: dict[LineKey, bool] = {}
        for task_id in self._matches or ():
            wanted[task_id] = True
            parent = self._parent(task_id)
            while parent is not None and parent not in wanted:
                wanted[parent] = False
                parent = None if type(parent) is ModuleKey else self._parent(parent)
        return wanted
