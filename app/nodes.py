"""The nodes the dashboard watches: one source, one client model and one connection state each.

With several ``--connect`` URLs (or a config ``[clusters]`` table) the app holds one :class:`Node` per server and
shows one of them at a time; every node keeps refreshing on its own, so the nodes screen can put their states side
by side and a node that is down never holds up the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from engine.alerts import AlertEvaluator
from engine.errors import EngineError
from engine.model import Alert, MigrateTaskDetail, Snapshot, TaskState

from .client_model import Changes, ClientModel
from .sources.base import Source, SourceError


def describe_error(error: BaseException) -> str:
    if isinstance(error, EngineError):
        return error.message
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__


def default_node_name(source: Source) -> str:
    """``embedded`` for the in-process engine, ``host:port`` for a server, else the source's own label."""
    name = getattr(source, "node_name", None)
    if isinstance(name, str) and name:
        return name
    url = getattr(source, "url", None)
    if isinstance(url, str) and url:
        return urlsplit(url).netloc or url
    return source.describe()


FULL_SNAPSHOT_TIMEOUT = 300.0
"""Seconds the first, full snapshot of a node may take (deltas get a few refreshes' worth)."""


@dataclass
class Node:
    """One watched server (or the embedded engine) and everything the app knows about it."""

    name: str
    source: Source
    model: ClientModel = field(default_factory=lambda: ClientModel(keep_gone=True))
    connection: str = "connecting"
    """``connecting``, ``connected`` or ``disconnected``."""
    last_error: str = ""
    last_ok: datetime | None = None
    opened: bool = False
    fetching: bool = False
    details: dict[str, MigrateTaskDetail | str] = field(default_factory=dict)
    """Migrate details fetched for the task pane, by task id (a string is the lookup's error)."""
    alerts: AlertEvaluator = field(default_factory=AlertEvaluator)
    """This node's alert rules, fed every snapshot applied and every failed fetch (see :meth:`observe_alerts`)."""

    @property
    def capabilities(self) -> frozenset[str]:
        return self.source.capabilities

    def age(self, now: datetime) -> float | None:
        return None if self.last_ok is None else max(0.0, (now - self.last_ok).total_seconds())

    async def fetch(
        self,
        timeout: float,
        clock: Callable[[], datetime],
        log: Callable[[str], None],
        full_timeout: float = FULL_SNAPSHOT_TIMEOUT,
    ) -> Changes | None:
        """One refresh: open if needed, take the snapshot since the model's revision and apply it.

        A delta gets ``timeout``; the first, full snapshot ``full_timeout``, because a big engine's takes seconds
        (9 s for a million tasks) and timing it out would only ask for it again, for ever.

        Returns the changes, or None when the source failed (then the node is marked disconnected and keeps its
        last data) or when a fetch is already running for this node.
        """
        if self.fetching:
            return None
        self.fetching = True
        try:
            if not self.opened:
                await asyncio.wait_for(self.source.open(), timeout=max(timeout, 30.0))
                self.opened = True
            limit = timeout if self.model.revision else max(timeout, full_timeout)
            snapshot = await asyncio.wait_for(self.source.snapshot(self.model.revision), timeout=limit)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # any failure of the source is shown, never raised into the UI
            self.connection = "disconnected"
            self.last_error = describe_error(error)
            if not isinstance(error, SourceError | TimeoutError | EngineError | OSError):
                log(f"snapshot from {self.name} failed: {error!r}")
            self.observe_alerts(None, clock, log)
            return None
        finally:
            self.fetching = False
        self.connection = "connected"
        self.last_error = ""
        self.last_ok = clock()
        changes = self.model.apply(snapshot)
        self.observe_alerts(snapshot, clock, log)
        return changes

    def observe_alerts(
        self, snapshot: Snapshot | None, clock: Callable[[], datetime], log: Callable[[str], None]
    ) -> None:
        """Feed the alert rules one fetch's outcome: the snapshot applied, or None when the node did not answer.

        Rules measure their hold times on the data's clock (an embedded engine's may run fast or be a test's
        manual clock), so while the node is down that clock is carried on from its last snapshot by the real time
        since, as the header's clock is; never fetched at all, the wall clock is all there is.
        """
        connected = self.connection != "disconnected"
        latest = self.model.latest
        if snapshot is not None:
            now = snapshot.taken_at
        elif latest is not None:
            now = latest.taken_at + timedelta(seconds=(self.age(clock()) or 0.0) * latest.clock_speed)
        else:
            now = clock()
        try:
            self.alerts.observe(snapshot, nodes={self.name: connected}, now=now)
        except Exception as error:  # a rule's bug must not take the refresh (and the dashboard) down
            log(f"alert rules on {self.name} failed: {error!r}")

    def firing_alerts(self) -> list[Alert]:
        return self.alerts.book.firing()

    def summary(self, now: datetime) -> NodeSummary:
        """The row of the nodes screen."""
        snapshot = self.model.latest
        supervisor = snapshot.supervisor if snapshot is not None else None
        active = 0
        if snapshot is not None:
            active = sum(1 for m in snapshot.migrations if m.finished_at is None)
        return NodeSummary(
            name=self.name,
            where=self.source.describe(),
            connection=self.connection,
            error=self.last_error,
            cluster=snapshot.cluster.name if snapshot is not None else "",
            is_leader=snapshot.cluster.is_leader if snapshot is not None else None,
            supervisor=supervisor.state.value if supervisor is not None and supervisor.state is not None else "",
            age=self.age(now),
            tasks=self.model.count() if snapshot is not None else None,
            running=self.model.count(TaskState.RUNNING) if snapshot is not None else None,
            failed=self.model.count(TaskState.FAILED) if snapshot is not None else None,
            migrations=active if snapshot is not None else None,
        )


@dataclass(frozen=True)
class NodeSummary:
    name: str
    where: str
    connection: str
    error: str
    cluster: str
    is_leader: bool | None
    supervisor: str
    age: float | None
    tasks: int | None
    running: int | None
    failed: int | None
    migrations: int | None
