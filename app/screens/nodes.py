"""Screen 5 (with several nodes): every watched node side by side — connection, leader or follower, supervisor,
data age and the key counts — and Enter shows the selected node on the other screens."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from widgets.formatting import foreground, human_duration
from widgets.keyed_table import KeyedTable
from widgets.quiet import update_static

from ..bindings import GLOBAL
from ..client_model import Changes
from ..nodes import NodeSummary
from .base import DataScreen

COLUMNS = (
    "",
    "node",
    "cluster",
    "role",
    "connection",
    "age",
    "supervisor",
    "tasks",
    "running",
    "failed",
    "migrations",
    "where",
    "error",
)


ERROR_WIDTH = 60


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _count(value: int | None) -> str:
    return "–" if value is None else str(value)


class NodesScreen(DataScreen):
    SCOPES: ClassVar[frozenset[str]] = frozenset({GLOBAL})
    SCREEN_NAME = "nodes"

    DEFAULT_CSS = """
    NodesScreen #nodes-hint { height: 1; padding: 0 1; color: $text-muted; }
    NodesScreen #nodes-table { height: 1fr; }
    NodesScreen > .nodes--good { color: $text-success; }
    NodesScreen > .nodes--bad { color: $text-error; text-style: bold; }
    NodesScreen > .nodes--dim { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"nodes--good", "nodes--bad", "nodes--dim"}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="nodes-hint")
        yield KeyedTable(COLUMNS, id="nodes-table")

    def on_mount(self) -> None:
        self.query_one(KeyedTable).focus()

    def apply_data(self, changes: Changes) -> None:
        self.show_nodes()
        self.synced = self.schedtop.sync_mark

    def nodes_changed(self) -> None:
        if self.is_mounted:
            self.show_nodes()

    def _cells(self, index: int, summary: NodeSummary) -> tuple[str | Text, ...]:
        shown = "▶" if index == self.schedtop.node_index else ""
        if summary.connection == "connected":
            connection = Text("● connected", style=self._style("good"))
        elif summary.connection == "disconnected":
            connection = Text("✖ down", style=self._style("bad"))
        else:
            connection = Text("… connecting", style=self._style("dim"))
        role = "–" if summary.is_leader is None else ("leader" if summary.is_leader else "follower")
        supervisor: str | Text = summary.supervisor or "–"
        if summary.connection != "connected" and summary.supervisor:
            # the last state heard, not a current one: a node that is down runs nothing we can see
            supervisor = Text(f"was {summary.supervisor}", style=self._style("dim"))
        return (
            shown,
            summary.name,
            summary.cluster or "–",
            role,
            connection,
            human_duration(summary.age),
            supervisor,
            _count(summary.tasks),
            _count(summary.running),
            _count(summary.failed),
            _count(summary.migrations),
            summary.where,
            Text(_clip(summary.error, ERROR_WIDTH), style=self._style("bad")),
        )

    def _style(self, name: str) -> Style:
        return foreground(self.get_component_rich_style(f"nodes--{name}"))

    def show_nodes(self) -> None:
        app = self.schedtop
        hint = self.query_one("#nodes-hint", Static)
        app.guard(self._show_nodes, lambda error: update_static(hint, f"⚠ {error}", layout=False))

    def _show_nodes(self) -> None:
        app = self.schedtop
        now = app.clock()
        rows = {str(i): self._cells(i, node.summary(now)) for i, node in enumerate(app.nodes)}
        self.query_one(KeyedTable).sync(rows)
        up = sum(1 for node in app.nodes if node.connection == "connected")
        hint = f"{up} of {len(app.nodes)} nodes answering · Enter shows the selected node · n next node · L the leader"
        update_static(self.query_one("#nodes-hint", Static), hint, layout=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is not None and key.isdigit():
            self.schedtop.switch_node(int(key))
