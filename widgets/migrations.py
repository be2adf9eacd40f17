"""Disk migrations: every repairing or dropping disk with progress, bytes, rate and ETA; finished ones fade out.

Rows are keyed by task type and disk and updated in place (only changed rows redraw), so the table's scroll position
survives refreshes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from engine.model import DiskMigration

from .formatting import bar_text, foreground, human_bytes, human_duration
from .line_table import LineTable
from .quiet import set_display, update_static

FADE_AFTER_SECONDS = 120.0
"""Simulated seconds a finished migration stays listed (dimmed) before it is dropped."""

SUSPENDED = "suspended"
"""The ETA cell of a migration whose task type is switched off."""
COLUMNS = ("disk", "type", "progress", "tasks", "ETA", "rate", "bytes", "host")
MIN_WIDTHS = (4, 11, 17, 7, 8, 12, 24, 14)
"""Wide enough for the usual values, so the columns do not jump about as numbers grow and shrink."""
"""Most important first, so a narrow terminal still shows progress and ETA."""


def migration_key(migration: DiskMigration) -> str:
    return f"{migration.task_type}:{migration.disk_id}"


@dataclass(frozen=True)
class MigrationStyles:
    """Colours from the theme (the panel's component classes); plain defaults for tests."""

    bar: Style = field(default_factory=Style)
    track: Style = field(default_factory=lambda: Style(dim=True))
    finished: Style = field(default_factory=lambda: Style(dim=True))


def migration_cells(
    migration: DiskMigration, styles: MigrationStyles | None = None, suspended: bool = False
) -> tuple[Text, ...]:
    """A migration's cells; ``suspended`` (its task type is switched off): no ETA or rate, its progress frozen."""
    styles = styles or MigrationStyles()
    finished = migration.finished_at is not None
    style = styles.finished if finished else Style()
    bar = bar_text(migration.fraction, 12, styles.finished if finished else styles.bar, styles.track)
    bar.append(f" {migration.fraction * 100:3.0f}%", style)
    eta = migration.eta_seconds
    cells = (
        str(migration.disk_id),
        migration.task_type,
        bar,
        f"{migration.migrated_tasks_cnt}/{migration.total_tasks_cnt}",
        "finished" if finished else SUSPENDED if suspended else human_duration(eta),
        "done" if finished else "–" if suspended else f"{human_bytes(migration.rate_bytes_per_s)}/s",
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
    MigrationsPanel > LineTable { height: auto; max-height: 10; padding: 0 1; }
    MigrationsPanel > .migrations--note { color: $text-muted; padding: 0 1; }
    MigrationsPanel > .migrations--error { color: $text-error; padding: 0 1; }
    MigrationsPanel > .migrations--bar { color: $success; }
    MigrationsPanel > .migrations--track { color: $text-muted 30%; }
    MigrationsPanel > .migrations--finished { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"migrations--bar", "migrations--track", "migrations--finished"}

    def __init__(self, *, fade_after: float = FADE_AFTER_SECONDS, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fade_after = fade_after
        self.border_title = "disk migrations"
        self._table = LineTable(COLUMNS, MIN_WIDTHS)
        self._note = Static("waiting for data", classes="migrations--note")
        self._shown: tuple[object, ...] | None = None
        self._cells: dict[str, tuple[DiskMigration, bool, MigrationStyles, tuple[Text, ...]]] = {}
        """Each row's cells with the migration, switch and styles they were made from: a big cluster has thousands
        of disks repairing, most of them waiting for a worker, and making their cells anew was most of a refresh."""

    def compose(self) -> ComposeResult:
        yield self._note
        yield self._table

    def on_mount(self) -> None:
        self._table.display = False

    @property
    def keys(self) -> list[str]:
        return self._table.keys

    def row_text(self, key: str) -> str:
        """The row of migration ``key`` (:func:`migration_key`) as plain text, its cells two spaces apart."""
        return self._table.row_text(key)

    def show(
        self,
        migrations: Iterable[DiskMigration],
        now: datetime | None = None,
        error: str = "",
        suspended: Collection[str] = (),
    ) -> None:
        """``suspended``: the task types switched off, whose migrations are suspended (no rate, no ETA)."""
        if error:
            self._show_error(error)
            return
        migrations = list(migrations)
        suspended = frozenset(suspended)
        shown = (now, self.app.theme, suspended, migrations)  # the cheap ones first: most refreshes move the time
        if shown == self._shown:
            return
        try:
            self._apply(migrations, now, suspended)
            self._shown = shown
        except Exception as error:  # a malformed migration shows up here, not as a crash
            self._show_error(f"{type(error).__name__}: {error}")

    def _show_error(self, error: str) -> None:
        self._shown = None
        self._note.set_classes("migrations--error")
        update_static(self._note, f"⚠ {error}")
        set_display(self._note, True)

    def _styles(self) -> MigrationStyles:
        def style(name: str) -> Style:
            return foreground(self.get_component_rich_style(f"migrations--{name}"))

        return MigrationStyles(style("bar"), style("track"), style("finished"))

    def _apply(self, migrations: Iterable[DiskMigration], now: datetime | None, suspended: frozenset[str]) -> None:
        styles = self._styles()
        wanted: dict[str, tuple[Text, ...]] = {}
        kept, made_now = self._cells, {}
        for migration in migrations:
            if (
                migration.finished_at is not None
                and now is not None
                and (now - migration.finished_at).total_seconds() > self.fade_after
            ):
                continue
            key = migration_key(migration)
            held = migration.task_type in suspended
            made = kept.get(key)
            if (
                made is None
                or made[1] != held
                or made[2] != styles
                or not (made[0] is migration or made[0] == migration)
            ):
                made = (migration, held, styles, migration_cells(migration, styles, held))
            made_now[key] = made
            wanted[key] = made[3]
        self._cells = made_now
        self._table.sync(wanted)
        states = [row[4].plain for row in wanted.values()]
        waiting = states.count(SUSPENDED)
        subtitle = f"{len(states) - states.count('finished') - waiting} active" + (
            f" · {waiting} suspended" if waiting else ""
        )
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle
        set_display(self._table, bool(wanted))
        self._note.set_classes("migrations--note")
        update_static(self._note, "no disk is repairing or dropping")
        set_display(self._note, not wanted)
