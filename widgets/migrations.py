"""Disk migrations: every repairing or dropping disk with progress, bytes, rate and ETA; finished ones fade out.

Rows are keyed by task type and disk and updated cell by cell, so the table's scroll position and cursor survive
refreshes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from engine.model import DiskMigration

from .formatting import bar_text, human_bytes, human_duration

FADE_AFTER_SECONDS = 120.0
"""Simulated seconds a finished migration stays listed (dimmed) before it is dropped."""

COLUMNS = ("disk", "type", "progress", "tasks", "ETA", "rate", "bytes", "host")
"""Most important first, so a narrow terminal still shows progress and ETA."""


def migration_key(migration: DiskMigration) -> str:
    return f"{migration.task_type}:{migration.disk_id}"


def migration_cells(migration: DiskMigration) -> tuple[Text, ...]:
    finished = migration.finished_at is not None
    style = "dim" if finished else ""
    bar = bar_text(migration.fraction, 12, "" if finished else "green", "dim")
    bar.append(f" {migration.fraction * 100:3.0f}%")
    if finished:
        bar.stylize("dim")
    eta = migration.eta_seconds
    cells = (
        str(migration.disk_id),
        migration.task_type,
        bar,
        f"{migration.migrated_tasks_cnt}/{migration.total_tasks_cnt}",
        "finished" if finished else human_duration(eta),
        "done" if finished else f"{human_bytes(migration.rate_bytes_per_s)}/s",
        f"{human_bytes(migration.bytes_done)} of {human_bytes(migration.bytes_total)}",
        (migration.host or "–").removeprefix("http://"),
    )
    return tuple(cell if isinstance(cell, Text) else Text(cell, style=style) for cell in cells)


class MigrationsPanel(Vertical):
    """A keyed table of disk migrations, with its empty and error states inside the panel."""

    DEFAULT_CSS = """
    MigrationsPanel {
        height: auto;
        max-height: 12;
        border: round $primary 50%;
        border-title-color: $text-accent;
        border-title-style: bold;
    }
    MigrationsPanel > DataTable { height: auto; max-height: 10; scrollbar-size-vertical: 1; }
    MigrationsPanel > .migrations--note { color: $text-muted; padding: 0 1; }
    MigrationsPanel > .migrations--error { color: $text-error; padding: 0 1; }
    """

    def __init__(self, *, fade_after: float = FADE_AFTER_SECONDS, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fade_after = fade_after
        self.border_title = "disk migrations"
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=False, show_cursor=False)
        self._note = Static("waiting for data", classes="migrations--note")

    def compose(self) -> ComposeResult:
        yield self._note
        yield self._table

    def on_mount(self) -> None:
        for column in COLUMNS:
            self._table.add_column(column, key=column)
        self._table.display = False

    @property
    def keys(self) -> list[str]:
        return list(self._cells)

    def show(self, migrations: Iterable[DiskMigration], now: datetime | None = None, error: str = "") -> None:
        if error:
            self._note.set_classes("migrations--error")
            self._note.update(f"⚠ {error}")
            self._note.display = True
            return
        try:
            self._apply(migrations, now)
        except Exception as error:  # a malformed migration shows up here, not as a crash
            self._note.set_classes("migrations--error")
            self._note.update(f"⚠ {type(error).__name__}: {error}")
            self._note.display = True

    def _apply(self, migrations: Iterable[DiskMigration], now: datetime | None) -> None:
        wanted: dict[str, tuple[Text, ...]] = {}
        for migration in migrations:
            if (
                migration.finished_at is not None
                and now is not None
                and (now - migration.finished_at).total_seconds() > self.fade_after
            ):
                continue
            wanted[migration_key(migration)] = migration_cells(migration)
        table = self._table
        for key in [k for k in self._cells if k not in wanted]:
            table.remove_row(key)
            del self._cells[key]
        for key, cells in wanted.items():
            old = self._cells.get(key)
            if old is None:
                table.add_row(*cells, key=key)
            else:
                for column, before, after in zip(COLUMNS, old, cells, strict=True):
                    if before != after:
                        table.update_cell(key, column, after)
            self._cells[key] = cells
        self.border_subtitle = f"{sum(1 for c in wanted.values() if c[4].plain != 'finished')} active"
        self._table.display = bool(wanted)
        self._note.set_classes("migrations--note")
        self._note.update("no disk is repairing or dropping")
        self._note.display = not wanted
