"""The task list's columns: where each one starts and how wide it is at a given width, and cell helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.cells import cell_len, set_cell_size

from ._task_sort import SortMode

STATE_WIDTH = 2
"""The state icon, or ``S▲`` in the header."""
NAME_WIDTH = 18
"""Tree guides and the task type: a root's ``▼ `` and 14 cells fit every type name (``volume_inspect``), a child
is indented two more; deeper rows cut the type short rather than push the columns."""
ID_WIDTH = 8
SCOPE_WIDTH = 8
NODE_WIDTH = 15
"""An IPv4 address."""
STARTED_WIDTH = 8
"""``HH:MM:SS`` (``YY-MM-DD`` a day on)."""
ELAPSED_WIDTH = 7
"""``12m03s`` right-aligned; drawn separately, since it is the one cell of a running line that moves each second."""
ENTITY_MIN = 12
ENTITY_ROOMY = 20
"""The node and scope columns come only while the entity keeps this many cells (else the node goes in front of
the entity, and the scope is left out)."""


@dataclass(frozen=True)
class Column:
    """One column of the table: where it starts, how wide it is, and the sort it shows (and sets when clicked)."""

    name: str
    label: str
    x: int
    width: int
    sort: SortMode | None = None
    right: bool = False


def table_columns(width: int, show_ids: bool = False, sort: str | None = None) -> tuple[Column, ...]:
    """The columns for a view ``width`` cells wide, left to right, a one-cell gap between neighbours.

    The state, type, entity and elapsed columns are always there, the progress bar from 50 cells; the optional
    ones come while the entity keeps its room, in this order: the sort column (so that its arrow shows), the id
    (when asked for), started, node, scope.
    """
    bar = 10 if width >= 70 else 6 if width >= 50 else 0
    progress = bar + 5 if bar else 0  # the bar and `` 100%``
    fixed = (STATE_WIDTH + 1) + (NAME_WIDTH + 1) + (progress + 1 if progress else 0) + (1 + ELAPSED_WIDTH)
    entity = max(1, width - fixed)
    optional: dict[str, int] = {}
    wanted = [("id", ID_WIDTH, ENTITY_MIN)] if show_ids else []
    wanted += [
        ("started", STARTED_WIDTH, ENTITY_MIN),
        ("node", NODE_WIDTH, ENTITY_ROOMY),
        ("scope", SCOPE_WIDTH, ENTITY_ROOMY),
    ]
    wanted.sort(key=lambda column: column[0] != sort)  # stable: the rest keep their order
    for name, size, keep in wanted:
        if entity - (size + 1) >= keep:
            optional[name] = size
            entity -= size + 1
    plan: list[tuple[str, str, int, SortMode | None, bool]] = [
        ("state", "S", STATE_WIDTH, SortMode.STATE, False),
        ("type", "TYPE", NAME_WIDTH, SortMode.TYPE, False),
    ]
    for name, label in (("id", "ID"), ("scope", "SCOPE"), ("node", "NODE")):
        if name in optional:
            plan.append((name, label, optional[name], None, False))
    plan.append(("entity", "ENTITY", entity, None, False))
    if progress:
        plan.append(("progress", "PROGRESS", progress, SortMode.PROGRESS, False))
    if "started" in optional:
        plan.append(("started", "STARTED", STARTED_WIDTH, SortMode.STARTED, False))
    plan.append(("elapsed", "ELAPSED", ELAPSED_WIDTH, SortMode.ELAPSED, True))
    columns: list[Column] = []
    x = 0
    for name, label, size, sorts, right in plan:
        columns.append(Column(name, label, x, size, sorts, right))
        x += size + 1
    return tuple(columns)


def started_text(start: datetime | None, now: datetime | None) -> str:
    """When a task started, on the data's clock (as the header's): the time of day, or the date a day on."""
    if start is None:
        return "–"
    if now is not None and now - start >= timedelta(days=1):
        return start.strftime("%y-%m-%d")
    return start.strftime("%H:%M:%S")


def indent(depth: int) -> int:
    """Indentation steps of a task line's tree guides: none for a root (depth 1), capped so that deep rows keep
    room for their type."""
    return min(max(0, depth - 1), (NAME_WIDTH - 8) // 2)


def cell(text: str, width: int) -> str:
    """Exactly ``width`` cells: padded, or cut with an ellipsis."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    return set_cell_size(text, width - 1) + "…"
