"""What the task index reads from a task, for either form the rows come in: :class:`~engine.model.TaskRow` objects
(the embedded engine's), or compact rows (tuples, :mod:`engine.model.compact_row`) that a remote dashboard keeps
instead of building 100 000 models, materialising rows only for the lines on screen and the selected task.

:class:`RowFields` picks each field out of a task with a C-level getter (``attrgetter`` / ``itemgetter``), and gives
the sort keys, quick views and filter match of its form; the two forms order, filter and count tasks the same way
(``tests/test_widgets_task_tree_compact.py`` drives both with the same rows).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from operator import attrgetter, itemgetter
from typing import Any, Protocol, runtime_checkable

from engine.model import TaskRow, TaskState
from engine.model.compact_row import (
    CHILDREN_AT,
    ENTITY_AT,
    ERROR_AT,
    HEAD_AT,
    HEAD_GONE,
    HEAD_INTERNAL,
    HEAD_KEYSPACE,
    HEAD_MODULE,
    HEAD_SCOPE,
    HEAD_TYPE,
    ID_AT,
    PARENT_AT,
    SEQUENCE_AT,
    START_AT,
    STATE_AT,
    TABLE_AT,
    CompactRow,
    child_pairs,
    gone_of,
    head_column,
    internal_of,
    module_of,
)
from engine.model.taskmanager import NO_PARENT

from ._task_filter import QuickView, in_quick_view, row_matches
from ._task_sort import (
    SortValue,
    compact_elapsed_keys,
    compact_shape,
    compact_sort_fields,
    compact_sort_key,
    compact_started_keys_of,
    elapsed_keys,
    shape,
    sort_fields,
    sort_key,
    started_keys_of,
)

Task = Any
"""A task as the index keeps it: a :class:`TaskRow` or a :data:`CompactRow`, read only through a :class:`RowFields`."""

_RUNNING = TaskState.RUNNING
_FAILED = TaskState.FAILED


@runtime_checkable
class CompactTable(Protocol):
    """Rows by id (a ``Mapping[str, TaskRow]`` that builds a row when asked for one) kept as compact rows: the
    index reads ``records`` and never asks for a row but to draw a line."""

    @property
    def records(self) -> Mapping[str, CompactRow]: ...

    @property
    def ordered(self) -> tuple[Sequence[str], Sequence[CompactRow]] | None:
        """The ids and records in the mapping's order as the full snapshot brought them, None once anything
        changed (indexing from them needs no pass over the mapping)."""
        ...


@dataclass(frozen=True, slots=True)
class RowFields:
    """How to read a task of one form."""

    compact: bool
    task_id: Callable[[Task], str]
    internal: Callable[[Task], bool]
    gone: Callable[[Task], bool]
    module: Callable[[Task], str]
    internals: Callable[[Iterable[Task]], Iterator[bool]]
    """``internal`` of each task, with C-level passes only (the index's first pass over 100 000 tasks)."""
    modules: Callable[[Iterable[Task]], Iterator[str]]
    """``module`` of each task, likewise."""
    state: Callable[[Task], TaskState]
    status: Callable[[Task], Any]
    """The part holding the status fields (the row's status, or the compact row itself)."""
    parent_id: Callable[[Any], str]
    """Of a status part (see ``status``); ``parent_of`` reads it from the task in one step (the hot paths)."""
    parent_of: Callable[[Task], str]
    start_time: Callable[[Any], Any]
    sequence_number: Callable[[Any], int]
    sort_key: Callable[[str, Callable[[], datetime | None]], Callable[[Task], SortValue]]
    sort_fields: Callable[[str], Callable[[Task], object]]
    """A getter of the fields the sort key is made of (equal fields, equal keys)."""
    shape: Callable[[str], Callable[[Task], object]]
    """A getter of everything that places a task in the tree under a sort (:func:`~widgets._task_sort.shape`)."""
    started_keys_of: Callable[[list[Any], list[int], list[str]], list[SortValue]]
    elapsed_keys: Callable[[list[Task], list[str], datetime | None], list[SortValue]]
    in_quick_view: Callable[[Task, str], bool]
    matches: Callable[[Task, str, str], bool]
    child_nodes: Callable[[Task], dict[str, str]]

    def has_parent(self, task: Task) -> bool:
        return self.parent_of(task) not in ("", NO_PARENT)

    def started_keys(self, tasks: list[Task], ids: list[str]) -> list[SortValue]:
        statuses = list(map(self.status, tasks))
        return self.started_keys_of(
            list(map(self.start_time, statuses)), list(map(self.sequence_number, statuses)), ids
        )


def _identity(value: Any) -> Any:
    return value


def _compact_in_quick_view(task: CompactRow, view: str) -> bool:
    state = task[STATE_AT]
    if view == QuickView.RUNNING:
        return state is _RUNNING and not task[HEAD_AT][HEAD_GONE]
    if view == QuickView.FAILED:
        return state is _FAILED
    if view == QuickView.UNFINISHED:
        return not state.is_final and not task[HEAD_AT][HEAD_GONE]
    return True


def _compact_matches(task: CompactRow, needle: str, node: str = "") -> bool:
    """:func:`~widgets._task_filter.row_matches` of a compact row."""
    head = task[HEAD_AT]
    haystack = "\n".join(
        (
            task[ID_AT],
            head[HEAD_TYPE],
            task[ENTITY_AT],
            task[STATE_AT].value,
            task[ERROR_AT],
            head[HEAD_SCOPE],
            head[HEAD_MODULE],
            head[HEAD_KEYSPACE],
            task[TABLE_AT],
            node,
            "gone" if head[HEAD_GONE] else "",
        )
    )
    return needle in haystack.lower()


def _row_started_keys_of(starts: list[Any], numbers: list[int], ids: list[str]) -> list[SortValue]:
    return started_keys_of(starts, numbers, ids)  # type: ignore[return-value]


def _row_elapsed_keys(rows: list[Task], ids: list[str], now: datetime | None) -> list[SortValue]:
    return elapsed_keys(rows, ids, now)  # type: ignore[return-value]


ROWS = RowFields(
    compact=False,
    task_id=attrgetter("status.id"),
    internal=attrgetter("internal"),
    gone=attrgetter("gone"),
    module=attrgetter("module"),
    internals=partial(map, attrgetter("internal")),
    modules=partial(map, attrgetter("module")),
    state=attrgetter("status.state"),
    status=attrgetter("status"),
    parent_id=attrgetter("parent_id"),
    parent_of=attrgetter("status.parent_id"),
    start_time=attrgetter("start_time"),
    sequence_number=attrgetter("sequence_number"),
    sort_key=sort_key,
    sort_fields=sort_fields,
    shape=shape,
    started_keys_of=_row_started_keys_of,
    elapsed_keys=_row_elapsed_keys,
    in_quick_view=in_quick_view,
    matches=row_matches,
    child_nodes=lambda row: {child.task_id: child.node for child in row.status.children_ids},
)
"""Tasks as :class:`TaskRow` objects."""

COMPACT = RowFields(
    compact=True,
    task_id=itemgetter(ID_AT),
    internal=internal_of,
    gone=gone_of,
    module=module_of,
    internals=lambda tasks: head_column(tasks, HEAD_INTERNAL),
    modules=lambda tasks: head_column(tasks, HEAD_MODULE),
    state=itemgetter(STATE_AT),
    status=_identity,
    parent_id=itemgetter(PARENT_AT),
    parent_of=itemgetter(PARENT_AT),
    start_time=itemgetter(START_AT),
    sequence_number=itemgetter(SEQUENCE_AT),
    sort_key=compact_sort_key,
    sort_fields=compact_sort_fields,
    shape=compact_shape,
    started_keys_of=compact_started_keys_of,  # type: ignore[arg-type]
    elapsed_keys=compact_elapsed_keys,
    in_quick_view=_compact_in_quick_view,
    matches=_compact_matches,
    child_nodes=lambda task: dict(child_pairs(task[CHILDREN_AT])),
)
"""Tasks as compact rows (tuples)."""


def fields_of(rows: Mapping[str, TaskRow]) -> tuple[RowFields, Mapping[str, Task]]:
    """The form of ``rows`` and the tasks to index: the compact records of a :class:`CompactTable`, else the rows."""
    if isinstance(rows, CompactTable):
        return COMPACT, rows.records
    return ROWS, rows
