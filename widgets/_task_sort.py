"""Sorting the task tree's siblings by a column: the sort modes and each row's (total) sort key."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from operator import attrgetter, itemgetter, sub

from engine.model import TaskRow, TaskState
from engine.model.compact_row import (
    COMPLETED_AT,
    END_AT,
    ENTITY_AT,
    HEAD_AT,
    HEAD_GONE,
    HEAD_KEYSPACE,
    HEAD_TYPE,
    ID_AT,
    PARENT_AT,
    SEQUENCE_AT,
    START_AT,
    STATE_AT,
    TOTAL_AT,
    CompactRow,
)


class SortMode(StrEnum):
    """The sortable columns, left to right (``s`` moves to the next one)."""

    STATE = "state"
    TYPE = "type"
    PROGRESS = "progress"
    STARTED = "started"
    ELAPSED = "elapsed"


SORT_MODES = tuple(SortMode)
"""The sortable columns, left to right (``s`` moves to the next one)."""
DEFAULT_SORT = SortMode.STARTED
DESCENDING_FIRST = frozenset({SortMode.PROGRESS, SortMode.STARTED, SortMode.ELAPSED})
"""Columns whose first direction is descending: the newest, the furthest along, the longest running first."""

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
_NOT_STARTED_FOR: dict[datetime | None, datetime] = {None: _NOT_STARTED}
_STILL_RUNNING = datetime(9999, 1, 1, tzinfo=UTC)
"""The end of an unfinished task when the tree has no clock: it sorts as the longest running."""
_NO_TIME = timedelta(0)
_NUMBERS = re.compile(r"(\d+)")
_STATUS = attrgetter("status")
_START_TIME = attrgetter("start_time")
_END_TIME = attrgetter("end_time")
_SEQUENCE_NUMBER = attrgetter("sequence_number")

SortValue = tuple[object, ...]
"""A row's sort key: a tuple whose parts compare with the same parts of any other row's key for the same mode
(each mode's parts have fixed types), ending in the task id."""
SortKey = Callable[[TaskRow], SortValue]


def sort_mode(mode: str) -> SortMode:
    """A column's sort mode from its name; ValueError for a name that is none."""
    try:
        return SortMode(mode)
    except ValueError:
        raise ValueError(f"unknown sort {mode!r}; one of {', '.join(SORT_MODES)}") from None


def natural_key(text: str) -> tuple[str | int, ...]:
    """``round 2`` before ``round 10``: digit runs compare as numbers (str and int parts alternate, so any two keys
    compare part by part without mixing types)."""
    parts: list[str | int] = _NUMBERS.split(text)
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
    mode = sort_mode(mode)
    if mode is SortMode.STATE:
        return lambda r: (
            _GONE_ORDER if r.gone else _STATE_ORDER.get(r.status.state, 9),
            r.status.sequence_number,
            r.status.id,
        )
    if mode is SortMode.PROGRESS:
        return lambda r: (-1.0 if r.status.fraction is None else r.status.fraction, r.status.id)
    if mode is SortMode.TYPE:
        return lambda r: (
            natural_key(r.status.type),
            natural_key(r.status.entity or r.status.keyspace),
            r.status.id,
        )
    if mode is SortMode.ELAPSED:

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
    return lambda r: (r.status.start_time or _NOT_STARTED, r.status.sequence_number, r.status.id)


_SORT_FIELDS = {
    SortMode.STATE: ("gone", "status.state", "status.sequence_number"),
    SortMode.PROGRESS: ("status.progress_total", "status.progress_completed"),
    SortMode.TYPE: ("status.type", "status.entity", "status.keyspace"),
    SortMode.ELAPSED: ("status.start_time", "status.end_time", "status.sequence_number"),
    SortMode.STARTED: ("status.start_time", "status.sequence_number"),
}
"""The fields each mode's key is made of, besides the id (the clock the elapsed sort follows is the same for all
the rows compared between two re-sorts)."""


def sort_fields(mode: str) -> Callable[[TaskRow], object]:
    """A C-level getter of the fields a row's sort key is made of: two rows with the same fields have the same key,
    so a refresh compares these and makes no key for a row whose place cannot have changed."""
    return attrgetter(*_SORT_FIELDS[sort_mode(mode)])


def shape(mode: str) -> Callable[[TaskRow], object]:
    """A C-level getter of what places a row in the tree under a sort: shown or not (internal), parent, module,
    state (the counts) and the sort key's fields; a row that changed but kept these needs nothing re-indexed."""
    return attrgetter("internal", "module", "status.parent_id", "status.state", *_SORT_FIELDS[sort_mode(mode)])


def started_keys(rows: list[TaskRow], ids: list[str]) -> list[tuple[datetime, int, str]]:
    """``sort_key("started")`` of many rows (``ids`` theirs), column by column in C (the first frame sorts every
    root by it)."""
    statuses = list(map(_STATUS, rows))
    return started_keys_of(list(map(_START_TIME, statuses)), list(map(_SEQUENCE_NUMBER, statuses)), ids)


def started_keys_of(
    starts: list[datetime | None], numbers: Iterable[int], ids: Iterable[str]
) -> list[tuple[datetime, int, str]]:
    """``sort_key("started")`` from the columns it is made of (start times, sequence numbers, ids)."""
    if None in starts:
        # None → _NOT_STARTED, any other start → itself, in C
        return list(zip(map(_NOT_STARTED_FOR.get, starts, starts), numbers, ids, strict=True))  # type: ignore[arg-type]
    return list(zip(starts, numbers, ids, strict=True))  # type: ignore[arg-type]  # no None: checked above


def elapsed_keys(rows: list[TaskRow], ids: list[str], now: datetime | None) -> list[tuple[timedelta, int, str]]:
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


# -- the same keys of compact rows (times are whole Unix seconds there): each orders rows as the row's key does --

_NOT_STARTED_SECONDS = 2**62
"""A compact row that has not started sorts after every start, as :data:`_NOT_STARTED` does."""
_NOT_STARTED_SECONDS_FOR: dict[int | None, int] = {None: _NOT_STARTED_SECONDS}
_STILL_RUNNING_SECONDS = _STILL_RUNNING.timestamp()


def _fraction(total: float, completed: float) -> float:
    """``TaskStatus.fraction`` (-1 for none, as the progress sort puts it)."""
    return -1.0 if total <= 0 else max(0.0, min(1.0, completed / total))


def compact_sort_key(mode: str, now: Callable[[], datetime | None] = lambda: None) -> Callable[[CompactRow], SortValue]:
    """:func:`sort_key` of a compact row."""
    mode = sort_mode(mode)
    if mode is SortMode.STATE:
        return lambda r: (
            _GONE_ORDER if r[HEAD_AT][HEAD_GONE] else _STATE_ORDER.get(r[STATE_AT], 9),
            r[SEQUENCE_AT],
            r[ID_AT],
        )
    if mode is SortMode.PROGRESS:
        return lambda r: (_fraction(r[TOTAL_AT], r[COMPLETED_AT]), r[ID_AT])
    if mode is SortMode.TYPE:
        return lambda r: (
            natural_key(r[HEAD_AT][HEAD_TYPE]),
            natural_key(r[ENTITY_AT] or r[HEAD_AT][HEAD_KEYSPACE]),
            r[ID_AT],
        )
    if mode is SortMode.ELAPSED:

        def elapsed(r: CompactRow) -> tuple[float, int, str]:
            start = r[START_AT]
            if start is None:
                return (0.0, r[SEQUENCE_AT], r[ID_AT])
            end = r[END_AT]
            if end is None:
                clock = now()
                until = _STILL_RUNNING_SECONDS if clock is None else clock.timestamp()
            else:
                until = end
            return (max(0.0, until - start), r[SEQUENCE_AT], r[ID_AT])

        return elapsed
    return lambda r: (_NOT_STARTED_SECONDS if r[START_AT] is None else r[START_AT], r[SEQUENCE_AT], r[ID_AT])


_COMPACT_SORT_FIELDS = {  # a sort field in the head (gone, type, keyspace): the head (one tuple, equal or not)
    SortMode.STATE: (HEAD_AT, STATE_AT, SEQUENCE_AT),
    SortMode.PROGRESS: (TOTAL_AT, COMPLETED_AT),
    SortMode.TYPE: (HEAD_AT, ENTITY_AT),
    SortMode.ELAPSED: (START_AT, END_AT, SEQUENCE_AT),
    SortMode.STARTED: (START_AT, SEQUENCE_AT),
}


def compact_sort_fields(mode: str) -> Callable[[CompactRow], object]:
    """:func:`sort_fields` of a compact row."""
    return itemgetter(*_COMPACT_SORT_FIELDS[sort_mode(mode)])


def compact_shape(mode: str) -> Callable[[CompactRow], object]:
    """:func:`shape` of a compact row."""
    return itemgetter(HEAD_AT, PARENT_AT, STATE_AT, *_COMPACT_SORT_FIELDS[sort_mode(mode)])  # (internal, module: head)


def compact_started_keys_of(
    starts: list[int | None], numbers: Iterable[int], ids: Iterable[str]
) -> list[tuple[int, int, str]]:
    """:func:`started_keys_of` from compact rows' columns."""
    if None in starts:
        return list(zip(map(_NOT_STARTED_SECONDS_FOR.get, starts, starts), numbers, ids, strict=True))  # type: ignore[arg-type]
    return list(zip(starts, numbers, ids, strict=True))  # type: ignore[arg-type]  # no None: checked above


def compact_elapsed_keys(rows: list[CompactRow], ids: list[str], now: datetime | None) -> list[SortValue]:
    """:func:`elapsed_keys` of compact rows."""
    key = compact_sort_key(SortMode.ELAPSED, lambda: now)
    return list(map(key, rows))
