"""The ``!`` dialog: every node's firing alerts with a cursor, what each means and how to act, and the history.

Acknowledging (``a``) only marks the alert seen in this dashboard — the cluster is not touched — so it works in
read-only mode too; the alert stops counting in the header and fires on until its condition clears, when it moves
to the history. The dialog follows the refreshes, so it stays current while open. Escape (or ``!``) closes it.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from widgets.alerts_list import AlertsList

from ..bindings import screen_binding
from ..dashboard import as_dashboard
from ..nodes import Node
from .base import Follower


class AlertsScreen(Follower, ModalScreen[None]):
    DEFAULT_CSS = """
    AlertsScreen { align: center middle; background: $background 60%; }
    AlertsScreen > Vertical { width: 140; max-width: 100%; height: 90%; border: thick $primary; background: $surface; }
    AlertsScreen .alerts--title { text-style: bold; padding: 0 1; background: $primary; color: $text; width: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        screen_binding("alerts", "close"),
        screen_binding("alert_ack", "acknowledge"),
    ]

    def __init__(self) -> None:
        super().__init__(id="alerts-screen")
        self._targets: dict[str, tuple[Node, str]] = {}
        """Row key → (node, alert id): which node's evaluator acknowledges the alert of a row."""

    def compose(self) -> ComposeResult:
        dashboard = as_dashboard(self.app)
        ack = dashboard.key_for("alert_ack") or "a"
        with Vertical():
            yield Static(f"schedtop alerts  ({ack} acknowledges the selected one, Esc closes)", classes="alerts--title")
            yield AlertsList(id="alerts-list")

    def on_mount(self) -> None:
        self.redraw()
        self.query_one(AlertsList).firing_table.focus()

    def redraw(self) -> None:
        loop = as_dashboard(self.app).refresh_loop
        firing = loop.firing_alerts()
        self._targets = {f"{node.name}\x1f{alert.id}": (node, alert.id) for node, alert in firing}
        # the node as this dashboard names it (its --connect / [clusters] name), not as the server calls itself
        self.query_one(AlertsList).show(
            [(f"{node.name}\x1f{alert.id}", alert.model_copy(update={"node": node.name})) for node, alert in firing],
            [alert.model_copy(update={"node": node.name}) for node, alert in loop.alert_history()],
        )

    # The refresh loop evaluates the alerts on every fetch of every node: follow it.
    def nodes_changed(self) -> None:
        if self.is_mounted:
            self.redraw()

    def action_acknowledge(self) -> None:
        dashboard = as_dashboard(self.app)
        key = self.query_one(AlertsList).selected_key
        target = self._targets.get(key) if key is not None else None
        if target is None:
            return
        node, alert_id = target
        dashboard.refresh_loop.acknowledge(node, alert_id)
        self.redraw()
        dashboard.update_status()

    def action_close(self) -> None:
        self.dismiss(None)
