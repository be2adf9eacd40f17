"""The embedded scheduler engine: a simulated cluster, its background tasks, the task manager and the store.

``Engine.open(EngineConfig(...))`` builds (or reloads from SQLite) everything; with ``autorun`` a background
asyncio loop advances the simulation in turns and writes each turn's changes in one transaction. Tests pass a
:class:`~engine.clock.ManualClock` with ``autorun=False`` and drive time with ``await engine.advance(seconds)``,
which runs the very same turns (``Engine._turn``), each covering what a production turn covers.
The engine implements :class:`engine.api.EngineAPI`; bad input raises an :class:`engine.errors.EngineError`.

Task-manager mapping to the storage world: ``keyspace`` is the IDC of the disk a task works on (or the Ocient
cluster = IDC), ``table`` is that disk's id as a string; tasks that span the cluster leave both empty.

Where the rest lives: construction, settings, durability (:func:`engine.core.durable`) and closing in
:mod:`engine.core`; the loop, turns and ``advance`` in :mod:`engine.turns`; the API by family in
``engine/facade/`` (cubefs, tasks, supervisor, faults); the task types' one table in
:mod:`engine.tasks.registry`; live state to rows in :mod:`engine.persist`, behind the store interface of
:mod:`engine.store_protocol`. This module adds the dashboard's snapshot.
"""

from __future__ import annotations

from .config import DEMO_JOBS, NODE_NAME, EngineConfig, EngineEvent
from .core import paused_gc
from .errors import InvalidArgument
from .facade.cubefs import CubeFSFamily
from .facade.faults import FaultsFamily
from .facade.supervisor import SupervisorFamily
from .facade.tasks import TasksFamily
from .model import Snapshot, SupervisorView
from .model.task_types import SWITCHABLE_TYPES
from .turns import EngineTurns
from .views import cluster_summary

__all__ = ["DEMO_JOBS", "NODE_NAME", "Engine", "EngineConfig", "EngineEvent", "paused_gc"]


class Engine(CubeFSFamily, TasksFamily, SupervisorFamily, FaultsFamily, EngineTurns):
    """See the module docstring; construct with :meth:`open`."""

    # -- the dashboard's refresh ----------------------------------------------------------------------------
    def snapshot(self, since: int = 0, compact: bool = False) -> Snapshot:
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise InvalidArgument(f"since must be a non-negative revision, got {since!r}")
        full, changed, removed = self.tm.changed_since(since)
        tm = self.tm
        with paused_gc():  # tens of thousands of fresh rows would otherwise trigger costly full collections
            if compact:
                rows, task_rows = [], [tm.compact_row(t) for t in changed]
            else:
                rows, task_rows = [tm.row(t) for t in changed], []
        supervisor = self.supervisor.view_now() if self.supervisor is not None else SupervisorView(configured=False)
        migrations = self.handlers.repair.views() + self.handlers.drop.views()
        return Snapshot.model_construct(
            revision=self.tm.revision,
            full=full,
            taken_at=self.clock.now(),
            clock_speed=getattr(self.clock, "speed", 1.0),
            cluster=cluster_summary(self.cluster, self.node_name, self.config.leader),
            stats=self._stats(self.config.leader),
            modules=list(self.tm.modules),
            tasks=rows,
            task_rows=task_rows,
            removed=removed,
            migrations=sorted(migrations, key=lambda m: (m.finished_at is not None, m.disk_id)),
            supervisor=supervisor,
            task_ttl=self.tm.task_ttl,
            user_task_ttl=self.tm.user_task_ttl,
            switches={t: self.enabled.get(t, True) for t in SWITCHABLE_TYPES},
            suspended=self.tm.suspended_counts(),
        )
