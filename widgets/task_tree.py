"""The task tree's visible lines, laid out from the index (:mod:`widgets._task_index`): module headings and tasks.

The visible lines are one *section* per module (:mod:`widgets._task_sections`): its heading, then each of its
root tasks as a *block* with everything shown below it. A section's roots are the index's own sorted list of them,
patched in place, so a root that appears, goes or moves costs nothing here; a block knows its size without laying
out its lines (counting children is a set intersection away), and a section keeps only its multi-line blocks, so
line *i* is found by arithmetic and a bisection whatever the number of roots, and the first frame of 100 000
tasks lays out only the blocks on screen. A task whose label or progress changed touches nothing but its own line;
a task that appears, goes or moves below a root re-lays out only that root's block. Children are sorted lazily,
when their block is laid out.

A line's key is a task id (``str``) or a module heading's :class:`ModuleKey`; the two never collide.

Siblings are sorted by a column (:class:`SortMode`: state, type, progress, started, elapsed; newest first by
default): each parent's children are kept in ascending order of a total key (it ends in the task id), and a
descending sort lays them out reversed, so turning the direction round sorts nothing. Only the elapsed sort
depends on the clock (a running task's elapsed time grows); it re-sorts as the clock moves. A filter text and a
quick view (:class:`QuickView`: running, failed, unfinished) together pick the matching tasks; their ancestors are
shown for context.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from itertools import compress

from engine.model import TaskRow

from ._task_bulk import collector_paused
from ._task_fields import CompactTable, fields_of
from ._task_filter import QUICK_VIEWS, QuickView, in_quick_view, quick_view, row_matches
from ._task_index import RowColumns, TaskIndex, Update
from ._task_keys import MODULE_PREFIX, LineKey, ModuleKey, module_key
from ._task_sections import Section, Sections
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
        # the layout: one section per module shown (its heading, then its root blocks), made on demand
        self._offsets: Sections | None = None
        """The sections and where each starts (patched in place as the index changes, dropped by a new setting)."""
        self._sizes: dict[str, int] = {}
        """Lines of each root block that takes more than one (a root with open children), wherever it is."""
        self._big: dict[ModuleKey, set[str]] = {}
        self._size_module: dict[str, ModuleKey] = {}
        """The module each root in ``_sizes`` is listed under in ``_big``."""
        """The roots in ``_sizes`` by module, so a section finds its multi-line blocks without a pass over its roots."""
        self._laid: dict[LineKey, tuple[list[LineKey], list[int]]] = {}

    # -- queries --------------------------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return self._line_offsets().total(self._section_lines)

    @property
    def module_lines(self) -> int:
        return len(self._line_offsets().sections)

    @property
    def lines(self) -> list[LineKey]:
        """Every visible line's key (lays every block out: for tests and small trees)."""
        return [key for key, _ in self._all_lines()]

    @property
    def depths(self) -> list[int]:
        return [depth for _, depth in self._all_lines()]

    def _all_lines(self) -> list[tuple[LineKey, int]]:
        lines: list[tuple[LineKey, int]] = []
        for section in self._line_offsets().sections:
            lines.append((section.key, 0))
            if section.open:
                roots = section.roots[::-1] if self.sort_descending else section.roots
                for root in roots:
                    keys, depths = self._layout(root)
                    lines.extend(zip(keys, depths, strict=True))
        return lines

    def line(self, index: int) -> tuple[LineKey, int]:
        """(key, depth) of visible line ``index``."""
        layout = self._line_offsets()
        starts = layout.starts_of(self._section_lines)
        number = bisect.bisect_right(starts, index) - 1
        section = layout.sections[number]
        offset = index - starts[number]
        if offset == 0:
            return section.key, 0
        root, inner = self._root_at(section, offset - 1)
        if inner == 0:
            return root, 1
        keys, depths = self._layout(root)
        return keys[inner], depths[inner]

    def window(self, start: int, stop: int) -> list[tuple[LineKey, int]]:
        """(key, depth) of the visible lines ``start`` … ``stop - 1``."""
        stop = min(stop, self.line_count)
        return [self.line(index) for index in range(start, stop)]

    def position(self, key: LineKey | None) -> int | None:
        """The line of a key, or None when it has no line (unknown, hidden, filtered out or collapsed)."""
        if key is None:
            return None
        layout = self._line_offsets()
        if type(key) is ModuleKey:
            number = layout.numbers.get(key)
            return None if number is None else layout.starts_of(self._section_lines)[number]
        root = self._root_of(key)
        if root is None:
            return None
        module = self._parent(root)
        number = layout.numbers.get(module) if type(module) is ModuleKey else None
        if number is None:
            return None
        section = layout.sections[number]
        if not section.open:
            return None
        index = self._root_index(section.roots, root)
        if index is None:
            return None
        shown = len(section.roots) - 1 - index if self.sort_descending else index
        big, starts = self._big_blocks(section)
        after = bisect.bisect_left(big, shown)
        # the lines of the multi-line blocks above it
        extra = starts[after] - big[after] if after < len(big) else section.extra
        line = layout.starts_of(self._section_lines)[number] + 1 + shown + extra
        if key == root:
            return line
        try:
            return line + self._layout(root)[0].index(key)
        except ValueError:
            return None

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
            self._sort_fields = self.fields.sort_fields(mode)
            self._shape = self.fields.shape(mode)
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
        self._drop_size(task_id)

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

    def _resize(self, block: str, module: LineKey | None = None) -> None:
        """Work out a root block's size; ``_sizes`` holds only sizes other than 1 (a module, a lone root)."""
        size = 1 + self._size_below(block) if self._opens(block) else 1
        if size == self._sizes.get(block, 1):
            return
        kept_in = self._size_module.get(block)
        if kept_in is not None and size != 1:  # still more than one line: only the blocks below it move
            self._sizes[block] = size
            self._section_changed(kept_in, places=False)
            return
        self._drop_size(block)
        if size != 1:
            module = self._parent(block) if module is None else module
            if type(module) is ModuleKey:  # a root (a task that is no longer one has no block)
                self._sizes[block] = size
                self._size_module[block] = module
                self._big.setdefault(module, set()).add(block)
                self._section_changed(module)

    def _drop_size(self, block: str) -> None:
        self._sizes.pop(block, None)
        module = self._size_module.pop(block, None)
        if module is not None:
            self._big[module].discard(block)
            self._section_changed(module)

    def _section_changed(self, module: ModuleKey, places: bool = True) -> None:
        """A module's multi-line blocks came, went or moved (``places``), or only resized."""
        layout = self._offsets
        if layout is not None:
            number = layout.numbers.get(module)
            if number is not None:
                section = layout.sections[number]
                if places:
                    section.big = None
                section.starts = None
            layout.starts = None

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

    def _line_offsets(self) -> Sections:
        layout = self._offsets
        if layout is None:
            wanted = self._wanted
            sections = [
                self._section(key) for key in map(self._module_key, self.modules) if wanted is None or key in wanted
            ]
            layout = self._offsets = Sections(sections)
        return layout

    def _section(self, key: ModuleKey) -> Section:
        """A module's section: its roots in ascending sort order (the index's own list, patched by it, when no
        filter is set), none when it is collapsed."""
        wanted = self._wanted
        if wanted is None:
            if key in self.collapsed:
                return Section(key, [], False)
            return Section(key, self.sorted_children(key), True)
        return Section(key, [t for t in self.sorted_children(key) if t in wanted], True)

    def _section_lines(self, section: Section) -> int:
        if not section.open:
            return 1
        self._big_blocks(section)
        return 1 + len(section.roots) + section.extra

    def _root_index(self, roots: list[str], root: str) -> int | None:
        """Where a root is in its section's ascending list: found by bisection on its sort key."""
        seen, key = self._seen, self._key_fn
        row = seen.get(root)
        if row is None:
            return None
        try:
            index = bisect.bisect_left(roots, key(row), key=lambda t: key(seen[t]))
            if index < len(roots) and roots[index] == root:
                return index
        except (KeyError, TypeError):
            pass
        try:
            return roots.index(root)  # sort keys that compare oddly: fall back to a scan
        except ValueError:
            return None

    def _big_blocks(self, section: Section) -> tuple[list[int], list[int]]:
        """(display places of the section's multi-line blocks, the line below the heading each starts at)."""
        if section.big is None:
            roots = section.roots
            count = len(roots)
            members = self._big.get(section.key) if section.open else None
            places: list[int] = []
            if members and count:
                if len(members) * 16 >= count:  # many: one C-level pass over the roots
                    places = list(compress(range(count), map(members.__contains__, roots)))
                else:  # few among many roots: bisect for each
                    found = (self._root_index(roots, member) for member in members)
                    places = sorted(place for place in found if place is not None)
            blocks = [roots[place] for place in places]
            if self.sort_descending:
                places = [count - 1 - place for place in reversed(places)]
                blocks.reverse()
            section.big, section.blocks, section.starts = places, blocks, None
        if section.starts is None:
            sizes = self._sizes
            starts: list[int] = []
            extra = 0
            for place, block in zip(section.big, section.blocks, strict=True):
                starts.append(place + extra)
                extra += sizes.get(block, 1) - 1
            section.starts, section.extra = starts, extra
        return section.big, section.starts

    def _root_at(self, section: Section, offset: int) -> tuple[str, int]:
        """The root block holding line ``offset`` below a section's heading, and the line's place in the block."""
        big, starts = self._big_blocks(section)
        number = bisect.bisect_right(starts, offset) - 1
        if number < 0:
            place = offset
        else:
            start = starts[number]
            block = section.blocks[number]
            size = self._sizes.get(block, 1)
            if offset < start + size:
                return block, offset - start
            place = big[number] + offset - start - size + 1
        roots = section.roots
        return (roots[len(roots) - 1 - place] if self.sort_descending else roots[place]), 0

    def rebuild(self) -> None:
        """Lay every block out again (after a new setting)."""
        self._wanted = self._wanted_set() if self._matches is not None else None
        self._laid.clear()
        self._sizes.clear()
        self._big.clear()
        self._size_module.clear()
        self._offsets = None
        # every root with children, also in collapsed modules (they keep their size for when the module opens):
        # the parents that have children and hang under a module (found by C-level key-set intersections)
        kids, sizes, size_module, collapsed = self._kids, self._sizes, self._size_module, self.collapsed
        open_always = self._wanted is not None
        for module in [key for key in kids if type(key) is ModuleKey]:
            members: set[str] = set()
            for root in kids[module].keys() & kids.keys():
                if open_always or root not in collapsed:  # (``_resize``, inlined: 1 700 roots and more)
                    size = 1 + self._size_below(root)
                    if size != 1:
                        sizes[root] = size
                        size_module[root] = module
                        members.add(root)
            self._big[module] = members
        self._dirty_roots.clear()
        self._dirty_modules.clear()
        self._root_moves.clear()

    def _reorder(self) -> None:
        """Lay the blocks out again in a new order (a new sort): sizes do not depend on the order, so they stay."""
        self._laid.clear()
        self._offsets = None

    def _relayout(self) -> bool:
        """Re-lay the dirty blocks and sections; True when any line may have moved."""
        moved = bool(self._dirty_roots or self._dirty_modules)
        for root in self._root_moves:
            # a task that starts or stops being a root: whatever was laid out for it before is stale
            self._laid.pop(root, None)
            self._drop_size(root)
            if root in self._seen:
                self._resize(root)
        for root in self._dirty_roots:
            self._laid.pop(root, None)
            self._resize(root)
        layout = self._offsets
        if layout is not None:
            for key in self._dirty_modules:
                number = layout.numbers.get(key)
                if number is None:
                    if key.name in self.modules and (self._wanted is None or key in self._wanted):
                        self._offsets = None  # a section it lacks: made anew on demand
                        break
                    continue
                # the section's list may be a new one (the index sorts a list again when patching it fails)
                layout.sections[number] = self._section(key)
                layout.starts = None
        self._root_moves.clear()
        self._dirty_roots.clear()
        self._dirty_modules.clear()
        return moved

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
