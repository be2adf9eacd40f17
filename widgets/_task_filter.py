"""Which tasks the task tree shows: the quick views and the filter text."""

from __future__ import annotations

from enum import StrEnum

from engine.model import TaskRow, TaskState

_RUNNING = TaskState.RUNNING
_FAILED = TaskState.FAILED


class QuickView(StrEnum):
    """``v`` cycles through them, in this order."""

    ALL = "all"
    RUNNING = "running"
    FAILED = "failed"
    UNFINISHED = "unfinished"


QUICK_VIEWS = tuple(QuickView)


def quick_view(view: str) -> QuickView:
    """A quick view from its name; ValueError for a name that is none."""
    try:
        return QuickView(view)
    except ValueError:
        raise ValueError(f"unknown quick view {view!r}; one of {', '.join(QUICK_VIEWS)}") from None


def in_quick_view(row: TaskRow, view: str) -> bool:
    """``running``: running now; ``failed``: ended in failure; ``unfinished``: not ended yet; ``all``: every task."""
    state = row.status.state
    if view == QuickView.RUNNING:
        return state is _RUNNING and not row.gone
    if view == QuickView.FAILED:
        return state is _FAILED
    if view == QuickView.UNFINISHED:
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
