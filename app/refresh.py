"""The refresh loop, without Textual: the nodes watched, when each is fetched, and their snapshots applied.

:class:`RefreshLoop` owns the nodes, which one is shown, the refresh interval and pause, and the schedule of the
nodes not shown; it fetches snapshots and applies them to each node's client model, then tells its
:class:`RefreshListener` (the app). The app keeps only a Textual timer that asks :meth:`RefreshLoop.beat` what is due
and runs those fetches as workers. Both clocks are injected (the wall clock stamps the data, the monotonic one paces
the schedule), so tests drive it with a fake clock, and record/replay can plug in here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from engine.alerts import AlertEvaluator
from engine.heap import TRIM_FROM, give_back_free_memory
from engine.model import Alert, AlertRules

from .client_model import Changes
from .collector import RowFreezer
from .config import MAX_REFRESH, MIN_REFRESH
from .nodes import Node

if TYPE_CHECKING:  # httpx only once an --alertmanager asks for it (start-up time)
    from engine.alerts.alertmanager import AlertmanagerSender

REFRESH_STEPS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
OTHER_NODES_EVERY = 2.0
"""Seconds between refreshes of the nodes not shown (at most the refresh rate; every refresh on the nodes screen)."""
Clock = Callable[[], datetime]
Monotonic = Callable[[], float]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _no_log(_: str) -> None:
    pass


class RefreshListener(Protocol):
    """What the loop tells the app after a fetch (synchronously, so the screens are current when it returns)."""

    def push_changes(self, changes: Changes) -> None:
        """A snapshot of the node shown was applied to its model."""

    def update_status(self) -> None:
        """The header's information may have changed."""

    def nodes_changed(self) -> None:
        """Some node's state (connection, snapshot) changed."""


@dataclass(frozen=True)
class Beat:
    """What one beat of the refresh timer fetches."""

    shown: bool
    """The node shown."""
    others: tuple[Node, ...] = ()
    """Nodes not shown whose turn it is (and that are not being fetched already)."""


class RefreshLoop:
    def __init__(
        self,
        nodes: Sequence[Node],
        listener: RefreshListener,
        *,
        interval: float,
        live: bool = True,
        clock: Clock = utcnow,
        monotonic: Monotonic = time.monotonic,
        log: Callable[[str], None] = _no_log,
        alert_rules: AlertRules | None = None,
        alertmanager: AlertmanagerSender | None = None,
    ) -> None:
        if not nodes:
            raise ValueError("the dashboard needs at least one source")
        self.nodes: list[Node] = list(nodes)
        if alert_rules is not None:
            # one evaluator per node: each source's data (and its connection) is its own, as its alerts are
            for node in self.nodes:
                node.alerts = AlertEvaluator(alert_rules)
        self.alertmanager = alertmanager
        """Where every node's firing and resolved alerts are posted after each of its fetches (None: nowhere)."""
        self.index = 0
        self.listener = listener
        self.interval = interval
        self.live = live
        """Refreshes come by themselves (tests turn this off and refresh by hand)."""
        self.paused = False
        self.clock = clock
        self.monotonic = monotonic
        self.log = log
        # None: never yet, so the first beat polls the other nodes and the first status tick draws the header
        self._others_polled: float | None = None
        self._status_drawn: float | None = None
        self._freezer = RowFreezer()

    # -- the node shown ---------------------------------------------------------------------------------------

    @property
    def shown(self) -> Node:
        return self.nodes[self.index]

    def show(self, index: int) -> bool:
        """Show the node at ``index`` (modulo the number of nodes); False when it already is."""
        index %= len(self.nodes)
        if index == self.index:
            return False
        self.index = index
        return True

    def leader(self) -> int | None:
        """The shown node if it is a connected leader, else the first such node; None when there is none."""
        leaders = [
            i
            for i, node in enumerate(self.nodes)
            if node.model.latest is not None and node.model.latest.cluster.is_leader and node.connection == "connected"
        ]
        if not leaders:
            return None
        return self.index if self.index in leaders else leaders[0]

    # -- alerts ---------------------------------------------------------------------------------------------------

    def firing_alerts(self) -> list[tuple[Node, Alert]]:
        """Every node's firing alerts, worst first, then the oldest first (as each node's book orders its own)."""
        pairs = [(node, alert) for node in self.nodes for alert in node.firing_alerts()]
        return sorted(pairs, key=lambda pair: (-pair[1].severity.rank, pair[1].since, pair[0].name, pair[1].id))

    def alert_history(self) -> list[tuple[Node, Alert]]:
        """Every node's resolved alerts, the most recently resolved first."""
        pairs = [(node, alert) for node in self.nodes for alert in node.alerts.book.history()]
        return sorted(pairs, key=lambda pair: pair[1].resolved_at or pair[1].fired_at, reverse=True)

    def acknowledge(self, node: Node, alert_id: str) -> Alert | None:
        """An operator has seen ``node``'s alert: local bookkeeping, it fires on (unacknowledged nowhere else)."""
        return node.alerts.acknowledge(alert_id)

    def _tell_alertmanager(self, node: Node) -> None:
        # Each node is its own source for the sender: its alert ids may repeat another node's.
        if self.alertmanager is None:
            return
        book = node.alerts.book
        url = getattr(node.source, "url", "")
        self.alertmanager.observe(node.name, book.firing(), book.history(), generator_url=url if url else "")
        self.alertmanager.kick()  # a background task: the refresh never waits on the network for it

    # -- the schedule -----------------------------------------------------------------------------------------

    def set_interval(self, seconds: float) -> float:
        self.interval = max(MIN_REFRESH, min(MAX_REFRESH, seconds))
        return self.interval

    def faster(self) -> float:
        steps = [step for step in REFRESH_STEPS if step < self.interval]
        return self.set_interval(steps[-1] if steps else REFRESH_STEPS[0])

    def slower(self) -> float:
        steps = [step for step in REFRESH_STEPS if step > self.interval]
        return self.set_interval(steps[0] if steps else REFRESH_STEPS[-1])

    def beat(self, nodes_screen: bool = False) -> Beat:
        """One beat of the refresh timer (every ``interval`` seconds): the node shown, and the others at most every
        :data:`OTHER_NODES_EVERY` seconds, or every beat while ``nodes_screen`` shows them all."""
        if self.paused:
            return Beat(shown=False)
        if len(self.nodes) < 2:
            return Beat(shown=True)
        now = self.monotonic()
        every = self.interval if nodes_screen else max(OTHER_NODES_EVERY, self.interval)
        # 0.95: a timer firing a hair early must not skip a whole turn
        if self._others_polled is not None and now - self._others_polled < every * 0.95:
            return Beat(shown=True)
        self._others_polled = now
        shown = self.shown
        return Beat(shown=True, others=tuple(n for n in self.nodes if n is not shown and not n.fetching))

    def status_due(self) -> bool:
        """The header is redrawn once a second so its clock and the data's age move on: by the refreshes while they
        come every second, by the status tick once they are late (slow or down source) or do not come (paused)."""
        if self._status_drawn is None:
            return True
        refreshing = self.live and not self.paused and self.interval <= 1.0
        return self.monotonic() - self._status_drawn >= (1.5 if refreshing else 0.98)

    def status_drawn(self) -> None:
        self._status_drawn = self.monotonic()

    # -- fetching ---------------------------------------------------------------------------------------------

    async def fetch(self, node: Node) -> Changes | None:
        """One snapshot of ``node`` applied to its model; None when it failed or a fetch was running already."""
        timeout = max(5.0, 3 * self.interval)
        changes = await node.fetch(timeout, self.clock, self.log)
        self._tell_alertmanager(node)
        if changes is not None:
            rows = len(node.model.rows)
            self._freezer.rows_arrived(rows, rows if changes.full else len(changes.changed))
            if changes.full and rows >= TRIM_FROM:
                give_back_free_memory()  # the big body's parse is freed by now: its peak need not stay resident
        return changes

    async def refresh_shown(self) -> bool:
        """Fetch and apply one snapshot of the node shown; False (and a disconnected node) when it failed."""
        node = self.shown
        if node.fetching:
            return False
        changes = await self.fetch(node)
        if changes is not None and node is self.shown:
            self.listener.push_changes(changes)
        self.listener.update_status()
        self.listener.nodes_changed()
        return changes is not None

    async def refresh_node(self, node: Node) -> bool:
        """Fetch one snapshot of ``node``, shown or not; False when that failed. The node shown is applied like
        :meth:`refresh_shown`; another one keeps its own model (and the nodes screen) current, its failures its own."""
        if node is self.shown:
            return await self.refresh_shown()
        changes = await self.fetch(node)
        self.listener.nodes_changed()
        return changes is not None

    async def refresh_other(self, node: Node) -> None:
        """A node that is not shown, fetched on its own schedule (see :meth:`beat`)."""
        await self.fetch(node)
        if node is self.shown:  # the user switched to it meanwhile
            self.listener.push_changes(Changes(full=True))
        self.listener.nodes_changed()
