"""How the engine embeds the supervisor: its store's connection, its clock, and a launcher that runs real work.

A job's partial starts one run of the engine's background work for the job's task type (``Engine.start_job``:
a volume_inspect round, a balance round, or an Ocient-style rebuild/check_disk/rebalance) and returns when that
task-manager task finishes — without reading its status, so the task stays visible in the dashboard for its TTL.
A task that ends failed makes the partial fail with the task's error; a task type that is switched off completes
the partial at once with result code ``skipped: <type> is disabled``.
"""

from __future__ import annotations

from typing import Any

from .model.task_types import JOB_TASK_TYPES
from .supervisor import JobLaunch, Supervisor

NOTHING_TO_DO = "nothing to do"


def attach(engine: Any) -> Supervisor:
    """Build the supervisor an :class:`engine.engine.Engine` embeds (its store, clock and job launcher).

    ``engine`` is untyped because typing it as Engine would make this module and engine.engine import each other.
    """

    async def launch(run: JobLaunch) -> str | None:
        if not engine.enabled.get(run.task_type, True):
            # A switched-off type does no work upstream either; waiting for it would hang the thread.
            return f"skipped: {run.task_type} is disabled"
        task_id = engine.start_job(run.task_type)
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


async def _until_finished(tm: Any, task_id: str) -> str | None:
    task = tm.tasks.get(task_id)
    if task is None:
        return None  # already finished and gone
    task = await tm.until_finished(task)
    if task.error:
        raise RuntimeError(f"task {task_id} failed: {task.error}")
    return None
