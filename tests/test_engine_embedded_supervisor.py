"""The engine embeds the supervisor: its API delegates there, and the demo comes with a schedule."""

from __future__ import annotations

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.model import SupervisorState, TaskKind


async def test_the_demo_engine_has_a_running_schedule_that_can_be_halted_and_restarted() -> None:
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, demo=True, demo_schedule=True))
    try:
        assert await engine.supervisor_state() is SupervisorState.RUNNING
        assert await engine.supervisor_halt() is SupervisorState.HALTED
        assert engine.snapshot().supervisor.state is SupervisorState.HALTED
        assert await engine.supervisor_restart() is SupervisorState.RUNNING
    finally:
        await engine.close()


async def test_a_scheduled_job_starts_real_engine_work() -> None:
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0.0))
    try:
        await engine.add_job("sweep", "check_disk", 3600)
        await engine.advance(2)
        [task] = [t for t in await engine.list_module_tasks("distributed") if t.kind is TaskKind.CLUSTER]
        assert task.type == "check_disk" and not engine.tm.get(task.task_id).user
        view = await engine.supervisor_view()
        assert [job.name for job in view.jobs] == ["sweep"] and view.results[0].state.value == "running"
    finally:
        await engine.close()
