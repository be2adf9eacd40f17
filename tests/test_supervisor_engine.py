"""The supervisor embedded in the engine: jobs run real background work, and the runbook's SQL works on the file."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import InvalidArgument, Unavailable
from engine.model import JobState, SupervisorState

START = datetime(2015, 3, 11, 0, 28, tzinfo=UTC)


async def open_engine(path: Path | None, clock: ManualClock) -> Engine:
    return await Engine.open(EngineConfig(db_path=path, seed=1, clock=clock, autorun=False))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    engine = await open_engine(tmp_path / "store.db", ManualClock(START))
    yield engine
    await engine.close()


async def test_an_engine_without_jobs_answers_unavailable(engine: Engine) -> None:
    with pytest.raises(Unavailable):
        await engine.supervisor_state()


async def test_a_balance_job_runs_a_real_balance_round_and_completes(engine: Engine) -> None:
    await engine.add_job("balance", "balance", 600, START)
    await engine.advance(120)
    view = await engine.supervisor_view()
    assert [(r.state, r.scheduled_start, r.result_code) for r in view.results] == [(JobState.COMPLETED, START, "ok")]
    assert view.jobs[0].scheduled_start == datetime(2015, 3, 11, 0, 38, tzinfo=UTC)


async def test_a_job_of_a_disabled_type_completes_at_once_as_skipped(engine: Engine) -> None:
    await engine.set_enabled("volume_inspect", False)
    await engine.add_job("inspect", "volume_inspect", 300, START)
    await engine.advance(3)
    view = await engine.supervisor_view()
    assert view.results[0].result_code == "skipped: volume_inspect is disabled"


async def test_a_job_for_a_type_that_never_ends_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidArgument, match="blob_delete"):
        await engine.add_job("deletes", "blob_delete", 60, START)


async def test_the_seeds_sql_run_by_an_operator_on_the_live_file_is_honoured(engine: Engine, tmp_path: Path) -> None:
    await engine.add_job("first", "balance", 120, datetime(2015, 3, 11, 1, 0, tzinfo=UTC))
    await engine.add_job("second", "balance", 120, START)
    engine.supervisor.lose_next_completion(job_id=2)
    await engine.advance(300)
    assert (await engine.supervisor_view()).results[0].hanging is True
    await engine.supervisor_halt()
    operator = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    (partial_id,) = operator.execute("select id from PARTIAL_JOB_RESULTS where state = 'running'").fetchone()
    operator.execute("update SCHEDULED_JOBS set scheduled_start = '2015-03-11 00:30:00' where id = 2")
    operator.execute(
        f"update PARTIAL_JOB_RESULTS set state = 'completed', duration = 1, result_code = 'ok' where id = {partial_id}"
    )
    operator.close()
    assert await engine.supervisor_restart() is SupervisorState.RUNNING
    await engine.advance(2)
    results = (await engine.supervisor_view()).results
    assert [(r.scheduled_start.strftime("%H:%M"), r.state) for r in reversed(results)] == [
        ("00:28", JobState.COMPLETED),
        ("00:30", JobState.RUNNING),
    ]


async def test_the_schedule_and_the_halted_mode_survive_a_reopen(tmp_path: Path) -> None:
    clock = ManualClock(START)
    first = await open_engine(tmp_path / "store.db", clock)
    await first.add_job("balance", "balance", 600, START)
    await first.supervisor_halt()
    await first.close()
    second = await open_engine(tmp_path / "store.db", clock)
    try:
        assert await second.supervisor_state() is SupervisorState.HALTED
        assert [job.name for job in (await second.supervisor_view()).jobs] == ["balance"]
    finally:
        await second.close()
