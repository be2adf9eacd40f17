"""How the engine embeds the supervisor: its store's connection, its clock, and a launcher that runs real work.

A job's partial starts one run of the engine's background work for the job's task type (``TaskTypes.start_job``:
a volume_inspect round, a balance round, or an Ocient-style rebuild/check_disk/rebalance) and returns when that
task-manager task finishes — without reading its status, so the task stays visible in the dashboard for its TTL.
A task that ends failed makes the partial fail with the task's error; a task type that is switched off completes
the partial at once with result code ``skipped: <type> is disabled``.
"""

from __future__ import annotations

from typing import Protocol

from .clock import Clock
from .model.task_types import JOB_TASK_TYPES
from .sim.cluster import Cluster
from .store import Store
from .supervisor import JobLaunch, Supervisor
from .taskmanager import TaskManager
from .tasks.registry import TaskTypes

NOTHING_TO_DO = "nothing to do"


class EmbeddingEngine(Protocol):
    """What the supervisor's embedding uses of :class:`engine.engine.Engine` (a Protocol, so that this module and
    the engine do not import each other)."""

    @property
    def enabled(self) -> dict[str, bool]: ...

    @property
    def handlers(self) -> TaskTypes: ...

    @property
    def tm(self) -> TaskManager: ...

    @property
    def store(self) -> Store: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def cluster(self) -> Cluster: ...


def attach(engine: EmbeddingEngine) -> Supervisor:
    """Build the supervisor an :class:`engine.engine.Engine` embeds (its store, clock and job launcher)."""

    async def launch(run: JobLaunch) -> str | None:
        if not engine.enabled.get(run.task_type, True):
            # A switched-off type does no work upstream either; waiting for it would hang the thread.
            return f"skipped: {run.task_type} is disabled"
        task_id = engine.handlers.start_job(run.task_type)
        if not task_id:
            return NOTHING_TO_DO
        return await _until_finished(engine.tm, task_id)

    return Supervisor(
        engine.store.connection,
        engine.clock.now,
        launch,
        clusters=lambda: engine.cluster.idcs,
        task_types=JOB_TASK_TYPES,
    )


async def _until_finished(tm: TaskManager, task_id: str) -> str | None:
    task = tm.tasks.get(task_id)
    if task is None:
        return None  # already finished and gone
    task = await tm.until_finished(task)
    if task.error:
        raise RuntimeError(f"task {task_id} failed: {task.error}")
    return None
