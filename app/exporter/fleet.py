"""The sources the exporter watches: one :class:`~app.nodes.Node` (source, client model, alert evaluator) each,
polled on its own schedule so a slow or down one never holds up the others.

Every source is labelled ``cluster`` (its name: the ``--connect`` NAME, a ``[clusters]`` name, else host:port) and
``node`` (the host:port it is reached at). Its alerts carry the same two labels, whatever the source reports of
itself, so an alert's key (node, id) never collides with another source's and metrics and alerts agree.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from engine.alerts import AlertEvaluator
from engine.alerts.alertmanager import AlertmanagerSender
from engine.model import Alert, AlertRules, AlertsView, Snapshot

from ..nodes import Node
from ..refresh import utcnow
from ..sources.base import Source

logger = logging.getLogger("schedtop.exporter")

DEFAULT_REFRESH = 5.0
"""Seconds between two polls of one source (the per-minute stats move once a minute; Prometheus scrapes every 15 s)."""


@dataclass
class Watched:
    """One source and its labels."""

    cluster: str
    url: str
    node: Node

    @property
    def labels(self) -> dict[str, str]:
        return {"cluster": self.cluster, "node": self.node.name}

    @property
    def up(self) -> bool:
        return self.node.connection == "connected"

    def snapshot(self) -> Snapshot | None:
        """The source's whole state as last read (the task table from its client model); None while it is down."""
        latest = self.node.model.latest
        if latest is None or not self.up:
            return None
        return latest.model_copy(update={"tasks": list(self.node.model.rows.values()), "task_rows": []})

    def firing(self) -> list[Alert]:
        return [self._labelled(alert) for alert in self.node.alerts.book.firing()]

    def history(self) -> list[Alert]:
        return [self._labelled(alert) for alert in self.node.alerts.book.history()]

    def requests_sent(self) -> int | None:
        """Requests the source has sent so far, when it keeps a request budget."""
        budget = getattr(getattr(self.node.source, "client", None), "budget", None)
        sent = getattr(budget, "sent", None)
        return sent if isinstance(sent, int) else None

    def _labelled(self, alert: Alert) -> Alert:
        return alert.model_copy(update={"cluster": self.cluster, "node": self.node.name})


def watched(cluster: str, url: str, source: Source, rules: AlertRules) -> Watched:
    node = Node(urlsplit(url).netloc or url, source, alerts=AlertEvaluator(rules))
    return Watched(cluster, url, node)


class Fleet:
    """Polls every source every ``refresh`` seconds, evaluates its alerts and hands them to the Alertmanager."""

    def __init__(
        self,
        sources: Sequence[Watched],
        *,
        refresh: float = DEFAULT_REFRESH,
        rules: AlertRules | None = None,
        alertmanager: AlertmanagerSender | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if not sources:
            raise ValueError("the exporter needs at least one source")
        self.sources = list(sources)
        self.refresh = refresh
        self.rules = rules or AlertRules()
        self.alertmanager = alertmanager
        self.clock = clock
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """One polling task per source, on the running loop."""
        self._tasks = [
            asyncio.get_running_loop().create_task(self._poll(source), name=f"poll {source.cluster}")
            for source in self.sources
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for source in self.sources:
            try:
                await source.node.source.close()
            except Exception as error:  # closing must not turn the exit into a crash
                logger.warning("closing %s failed: %s", source.url, error)
        if self.alertmanager is not None:
            await self.alertmanager.close()

    async def poll_once(self, source: Watched) -> bool:
        """One fetch of ``source`` with its alerts evaluated and sent on; False when the source did not answer."""
        was = source.node.connection
        changes = await source.node.fetch(max(5.0, 3 * self.refresh), self.clock, logger.warning)
        if source.node.connection != was and source.node.connection == "disconnected":
            logger.warning("%s (%s) does not answer: %s", source.cluster, source.url, source.node.last_error)
        elif source.node.connection != was and was == "disconnected":
            logger.warning("%s (%s) answers again", source.cluster, source.url)
        if self.alertmanager is not None:
            self.alertmanager.observe(
                f"{source.cluster}\0{source.node.name}",
                source.firing(),
                source.history(),
                generator_url=source.url,
            )
            self.alertmanager.kick()
        return changes is not None

    async def _poll(self, source: Watched) -> None:
        while True:
            await self.poll_once(source)
            await asyncio.sleep(self.refresh)

    def alerts(self) -> AlertsView:
        """Every source's alerts in one view: firing worst first then oldest first, history newest first."""
        firing = sorted(
            (alert for source in self.sources for alert in source.firing()),
            key=lambda alert: (-alert.severity.rank, alert.since, alert.cluster, alert.node, alert.id),
        )
        history = sorted(
            (alert for source in self.sources for alert in source.history()),
            key=lambda alert: alert.resolved_at or alert.fired_at,
            reverse=True,
        )
        times = [s.node.alerts.view().evaluated_at for s in self.sources]
        evaluated = max((moment for moment in times if moment is not None), default=None)
        return AlertsView(
            evaluated_at=evaluated, firing=firing, history=history[: self.rules.history], rules=self.rules
        )
