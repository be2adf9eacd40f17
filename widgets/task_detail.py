"""The selected task's full status: every task_status field, and for migrate tasks the CubeFS detail and stat."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from engine.model import CodeMode, MigrateState, MigrateTaskDetail, TaskRow, split_vuid

from .formatting import bar_text, elapsed_seconds, human_bytes, human_duration, percent_text
from .task_view import STATE_ICONS

STATUS_FIELDS = (
    "id",
    "type",
    "kind",
    "scope",
    "state",
    "is_abortable",
    "start_time",
    "end_time",
    "error",
    "parent_id",
    "sequence_number",
    "shard",
    "keyspace",
    "table",
    "entity",
    "progress_units",
    "progress_total",
    "progress_completed",
    "children_ids",
)


def _time(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _value(value: object) -> str:
    if isinstance(value, datetime) or value is None:
        return _time(value)  # type: ignore[arg-type]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if hasattr(value, "value"):
        return str(value.value)  # type: ignore[attr-defined]
    return str(value)


def _grid(title: str) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.title = title
    table.title_justify = "left"
    table.title_style = "bold reverse"
    return table


def code_mode_name(code: int) -> str:
    try:
        return f"{CodeMode(code).name} ({code})"
    except ValueError:
        return str(code)


def status_table(row: TaskRow, now: datetime | None) -> Table:
    status = row.status
    table = _grid(f" {STATE_ICONS.get(status.state, '?')} {status.type} ")
    table.add_row("module", row.module + ("  (internal)" if row.internal else "") + ("  (user)" if row.user else ""))
    if row.gone:
        table.add_row("note", Text("finished and gone from the server; kept here", style="italic"))
    for field in STATUS_FIELDS:
        value = getattr(status, field)
        if field == "children_ids":
            shown = ", ".join(f"{child.task_id}@{child.node}" for child in value) or "none"
            table.add_row(field, f"{len(value)}: {shown}" if value else shown)
        elif field == "progress_completed":
            table.add_row(field, _value(value))
            bar = bar_text(status.fraction, 20)
            bar.append(" " + percent_text(status.fraction))
            table.add_row("progress", bar)
        elif field == "error" and value:
            table.add_row(field, Text(value, style="bold red"))
        else:
            table.add_row(field, _value(value))
    table.add_row("elapsed", human_duration(elapsed_seconds(status.start_time, status.end_time, now)))
    return table


def migrate_table(detail: MigrateTaskDetail) -> Table:
    task, stat = detail.task, detail.stat
    table = _grid(" migrate task ")
    table.add_row("task_id", task.task_id)
    table.add_row("task_type", task.task_type.value)
    try:
        state = f"{MigrateState(task.state).name.lower()} ({int(task.state)})"
    except ValueError:
        state = str(task.state)
    table.add_row("state", state)
    table.add_row("code_mode", code_mode_name(task.code_mode))
    table.add_row("source_idc", task.source_idc)
    table.add_row("source_disk_id", str(task.source_disk_id))
    vid, index, epoch = split_vuid(task.source_vuid)
    table.add_row("source_vuid", f"{task.source_vuid}  (vid {vid}, index {index}, epoch {epoch})")
    sources = "\n".join(f"{s.vuid} @ {s.host} disk {s.disk_id}" for s in task.sources) or "–"
    table.add_row("sources", sources)
    dest = task.destination
    table.add_row("destination", f"{dest.vuid} @ {dest.host or '–'} disk {dest.disk_id}")
    table.add_row("ctime", task.ctime or "–")
    table.add_row("mtime", task.mtime or "–")
    table.add_row("forbidden_direct_download", _value(task.forbidden_direct_download))
    table.add_row("worker_redo_cnt", str(task.worker_redo_cnt))
    table.add_row("finish_advance_reason", task.finish_advance_reason or "–")
    fraction = stat.progress / 100 if stat.total_count or stat.progress else None
    bar = bar_text(fraction, 20)
    bar.append(f" {stat.progress}%")
    table.add_row("stat.progress", bar)
    table.add_row("stat.done/total", f"{stat.done_count}/{stat.total_count} shards")
    table.add_row("stat.size", f"{human_bytes(stat.done_size)} of {human_bytes(stat.total_size)}")
    return table


class TaskDetail(VerticalScroll):
    """A scrollable pane; it repaints only when the task, its detail or the second shown changes."""

    DEFAULT_CSS = """
    TaskDetail {
        height: 1fr;
        padding: 0 1;
        background: $surface;
    }
    TaskDetail > Static { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._shown: tuple | None = None
        self._body = Static("", id="task-detail-body")

    def compose(self) -> ComposeResult:
        yield self._body

    def show(
        self,
        row: TaskRow | None,
        detail: MigrateTaskDetail | None = None,
        note: str = "",
        now: datetime | None = None,
    ) -> None:
        """Show a task (or a placeholder note); ``note`` also carries a detail lookup's error."""
        live = row is not None and not row.status.state.is_final
        key = (row, detail, note, now if live else None)
        if key == self._shown:
            return
        self._shown = key
        try:
            body = self._renderable(row, detail, note, now)
        except Exception as error:  # keep the pane alive on odd data
            body = Text(f"⚠ cannot show this task: {type(error).__name__}: {error}", style="red")
        self._body.update(body)

    @staticmethod
    def _renderable(
        row: TaskRow | None, detail: MigrateTaskDetail | None, note: str, now: datetime | None
    ) -> RenderableType:
        if row is None:
            return Text(note or "no task selected", style="italic")
        return SideBySide(status_table(row, now), migrate_table(detail) if detail else None, note)


class SideBySide:
    """Task status and migrate detail next to each other when there is room (≥ 96 cells), else stacked."""

    def __init__(self, left: Table, right: Table | None, note: str) -> None:
        self.left, self.right, self.note = left, right, note

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        parts: list[RenderableType] = []
        if self.right is not None and options.max_width >= 96:
            grid = Table.grid(padding=(0, 2), expand=True)
            grid.add_column(ratio=1)
            grid.add_column(ratio=1)
            grid.add_row(self.left, self.right)
            parts.append(grid)
        else:
            parts.append(self.left)
            if self.right is not None:
                parts += [Text(""), self.right]
        if self.note:
            parts += [Text(""), Text(self.note, style="italic")]
        yield Group(*parts)
