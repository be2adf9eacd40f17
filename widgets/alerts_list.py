"""The alerts list: firing alerts with a row cursor, the selected one's summary and how to act, then the history.

It draws what it is given (engine.model's :class:`~engine.model.Alert`s with a row key each); the app's alerts
screen decides which node an alert belongs to and what acknowledging does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from engine.model import Alert, Severity

SEVERITY_STYLES: dict[Severity, str] = {
    Severity.CRITICAL: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INFO: "dim",
}


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "–"


def _severity(alert: Alert) -> Text:
    return Text(alert.severity.value, style=SEVERITY_STYLES.get(alert.severity, ""))


class AlertsList(Vertical):
    """Firing alerts (a table with a cursor), the selected alert's detail, and the resolved history."""

    DEFAULT_CSS = """
    AlertsList { height: 1fr; }
    AlertsList > .alerts--heading { text-style: bold underline; padding: 0 1; }
    AlertsList > #alerts-firing { height: auto; max-height: 12; }
    AlertsList > #alerts-detail { padding: 0 1; height: auto; max-height: 8; }
    AlertsList > #alerts-history { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._firing: list[tuple[str, Alert]] = []

    def compose(self) -> ComposeResult:
        yield Static("Firing", classes="alerts--heading")
        firing: DataTable[str | Text] = DataTable(id="alerts-firing", cursor_type="row", zebra_stripes=True)
        firing.add_columns("severity", "rule", "since", "node", "subject", "ack")
        yield firing
        yield Static("", id="alerts-detail")
        yield Static("History (resolved, newest first)", classes="alerts--heading")
        history: DataTable[str | Text] = DataTable(id="alerts-history", cursor_type="none", zebra_stripes=True)
        history.add_columns("severity", "rule", "since", "resolved", "node", "subject")
        yield history

    @property
    def firing_table(self) -> DataTable[str | Text]:
        return self.query_one("#alerts-firing", DataTable)

    @property
    def selected_key(self) -> str | None:
        """The row key of the firing alert under the cursor."""
        table = self.firing_table
        if not self._firing or table.cursor_row < 0:
            return None
        return self._firing[min(table.cursor_row, len(self._firing) - 1)][0]

    def show(self, firing: Sequence[tuple[str, Alert]], history: Sequence[Alert]) -> None:
        """Redraw with ``firing`` ((row key, alert) pairs, in order) and ``history``; the cursor stays on its alert."""
        table = self.firing_table
        selected = self.selected_key
        self._firing = list(firing)
        table.clear()
        for key, alert in self._firing:
            ack = Text("acknowledged", style="dim") if alert.acknowledged else Text("")
            table.add_row(_severity(alert), alert.rule, _when(alert.since), alert.node, alert.subject, ack, key=key)
        if not self._firing:
            table.add_row(Text("no alert fires", style="dim"), "", "", "", "", "")
        keys = [key for key, _ in self._firing]
        if selected in keys:
            table.move_cursor(row=keys.index(selected))
        old: DataTable[str | Text] = self.query_one("#alerts-history", DataTable)
        old.clear()
        for alert in history:
            old.add_row(
                _severity(alert), alert.rule, _when(alert.since), _when(alert.resolved_at), alert.node, alert.subject
            )
        self.show_detail()

    def show_detail(self) -> None:
        """The selected alert's summary and what to do about it (the firing table has no room for them)."""
        detail = self.query_one("#alerts-detail", Static)
        key = self.selected_key
        alert = next((alert for row_key, alert in self._firing if row_key == key), None)
        if alert is None:
            detail.update("")
            return
        text = Text()
        text.append(alert.summary)
        if alert.acknowledged:
            text.append(f"  (acknowledged {_when(alert.acknowledged_at)})", style="dim")
        if alert.action:
            text.append("\nHow to act: ", style="bold")
            text.append(alert.action)
        detail.update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail()
