"""A store an older version or an operator left broken still opens: old unpadded years are healed, and rows that
cannot be read are quarantined and reported while the rest of the schedule runs."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import Conflict, InvalidArgument
from engine.model import JobState, SupervisorState

from ..http_support import ServedEngine
from .support import Clock, Work, make, rows, settle

START = datetime(2015, 3, 11, 0, 28, tzinfo=UTC)
FEB_30 = "2015-02-30 00:00:00"


async def open_engine(path: Path) -> Engine:
    return await Engine.open(EngineConfig(db_path=path, seed=1, clock=ManualClock(START), autorun=False))


def operator(path: Path) -> sqlite3.Connection:
    """A second connection on the file, as an operator's sqlite3 shell (autocommit)."""
    return sqlite3.connect(path, isolation_level=None)


@pytest.fixture
async def store(tmp_path: Path) -> Path:
    """A store file with the supervisor's tables and one good job, 'good' (id 1, due at once)."""
    path = tmp_path / "store.db"
    engine = await open_engine(path)
    await engine.add_job("good", "balance", 600, START)
    await engine.close()
    return path


def add_raw_job(path: Path, name: str, scheduled_start: str) -> None:
    with closing(operator(path)) as conn:
        conn.execute(
            "INSERT INTO SCHEDULED_JOBS (name, task_type, scheduled_start, interval_seconds) VALUES (?, 'balance', ?, 60)",
            (name, scheduled_start),
        )


# -- healing ---------------------------------------------------------------------------------------------------


async def test_a_time_an_old_version_wrote_with_an_unpadded_year_is_healed_on_open(store: Path) -> None:
    add_raw_job(store, "year-one", "1-01-01 00:00:00")
    engine = await open_engine(store)
    try:
        view = await engine.supervisor_view()
        assert [(j.name, j.scheduled_start) for j in view.jobs] == [
            ("good", START),
            ("year-one", datetime(1, 1, 1, tzinfo=UTC)),
        ]
        assert (view.quarantined, view.last_error) == ([], None)
    finally:
        await engine.close()
    with closing(operator(store)) as conn:
        assert rows(conn, "select scheduled_start from SCHEDULED_JOBS where id = 2") == [("0001-01-01 00:00:00",)]


async def test_run_times_an_old_version_wrote_with_an_unpadded_year_are_healed_on_open(
    conn: sqlite3.Connection, clock: Clock
) -> None:
    make(conn, clock, None).add_job("year-one", "balance", 60, start=datetime(1, 1, 1, tzinfo=UTC))
    conn.execute(
        "INSERT INTO JOB_RESULTS (job_id, scheduled_start, state, started, finished) "
        "VALUES (1, '1-01-01 00:00:00', 'completed', '999-01-01 00:00:00', '999-01-01 00:00:01')"
    )
    conn.execute("UPDATE SCHEDULED_JOBS SET scheduled_start = '1-01-01 00:01:00'")
    make(conn, clock, None)
    assert rows(conn, "select scheduled_start, started, finished from JOB_RESULTS") == [
        ("0001-01-01 00:00:00", "0999-01-01 00:00:00", "0999-01-01 00:00:01")
    ]
    assert rows(conn, "select scheduled_start from SCHEDULED_JOBS") == [("0001-01-01 00:01:00",)]


# -- quarantine ------------------------------------------------------------------------------------------------


async def test_a_job_row_that_cannot_be_read_is_quarantined_and_the_other_jobs_run(store: Path) -> None:
    add_raw_job(store, "typo", FEB_30)
    engine = await open_engine(store)
    try:
        await engine.advance(2)
        view = await engine.supervisor_view()
        assert [j.name for j in view.jobs] == ["good"]
        assert [(r.job_id, r.state) for r in view.results] == [(1, JobState.RUNNING)]
        assert view.state is SupervisorState.RUNNING
    finally:
        await engine.close()


async def test_a_quarantined_row_is_reported_with_the_statement_that_fixes_it(store: Path) -> None:
    add_raw_job(store, "typo", FEB_30)
    engine = await open_engine(store)
    try:
        view = await engine.supervisor_view()
        (message,) = view.quarantined
        assert "SCHEDULED_JOBS id 2" in message and FEB_30 in message
        assert "UPDATE SCHEDULED_JOBS SET scheduled_start = 'YYYY-MM-DD HH:MM:SS' WHERE id = 2" in message
        assert message in (view.last_error or "")
    finally:
        await engine.close()


async def test_a_quarantined_row_is_logged_once_on_the_server_log(
    store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    add_raw_job(store, "typo", FEB_30)
    caplog.set_level(logging.WARNING, logger="schedtop.supervisor")
    engine = await open_engine(store)
    try:
        await engine.advance(5)
        await engine.supervisor_view()
        await engine.supervisor_restart()
        await engine.supervisor_view()
    finally:
        await engine.close()
    logged = [r for r in caplog.records if r.name == "schedtop.supervisor" and "SCHEDULED_JOBS id 2" in r.getMessage()]
    assert len(logged) == 1


async def test_a_job_can_be_added_over_http_to_a_store_with_a_quarantined_row(store: Path) -> None:
    add_raw_job(store, "typo", FEB_30)
    with ServedEngine(db_path=store) as served, served.client() as http:
        answer = http.post("/api/supervisor/jobs", json={"name": "new", "task_type": "balance", "interval_seconds": 60})
        assert answer.status_code == 200, answer.text
        view = http.get("/api/supervisor/jobs").json()
        assert ([j["name"] for j in view["jobs"]], len(view["quarantined"])) == (["good", "new"], 1)


async def test_a_quarantined_job_fixed_with_the_reported_statement_runs_after_a_restart(store: Path) -> None:
    add_raw_job(store, "typo", FEB_30)
    engine = await open_engine(store)
    try:
        with closing(operator(store)) as conn:
            conn.execute("UPDATE SCHEDULED_JOBS SET scheduled_start = '2015-03-11 00:00:00' WHERE id = 2")
        assert await engine.supervisor_restart() is SupervisorState.RUNNING
        view = await engine.supervisor_view()
        assert ([j.name for j in view.jobs], view.quarantined, view.last_error) == (["good", "typo"], [], None)
    finally:
        await engine.close()


async def test_a_job_with_a_name_a_quarantined_row_holds_is_a_conflict_not_an_error(store: Path) -> None:
    add_raw_job(store, "typo", FEB_30)
    engine = await open_engine(store)
    try:
        with pytest.raises(Conflict, match="typo"):
            await engine.add_job("typo", "balance", 60)
    finally:
        await engine.close()


async def test_a_run_with_a_state_that_is_not_a_state_is_quarantined_and_holds_only_its_job(
    conn: sqlite3.Connection, clock: Clock, work: Work
) -> None:
    first = make(conn, clock, work)
    first.add_job("broken", "balance", 60)
    first.add_job("fine", "balance", 60)
    conn.execute(
        "INSERT INTO JOB_RESULTS (job_id, scheduled_start, state, started) "
        "VALUES (1, '2015-03-11 00:27:00', 'runing', '2015-03-11 00:27:00')"
    )
    sup = make(conn, clock, work)
    try:
        sup.tick()
        await settle()
        view = sup.view()
        assert [launch.job.name for launch in work.launched] == ["fine"]
        (message,) = view.quarantined
        assert "JOB_RESULTS id 1" in message and "'runing'" in message and "UPDATE JOB_RESULTS SET state" in message
        assert view.state is SupervisorState.RUNNING
    finally:
        await sup.close()


async def test_a_quarantined_job_cannot_be_switched_on_or_off_until_it_is_fixed(
    conn: sqlite3.Connection, clock: Clock
) -> None:
    make(conn, clock, None).add_job("broken", "balance", 60)
    conn.execute(f"UPDATE SCHEDULED_JOBS SET until = '{FEB_30}'")
    sup = make(conn, clock, None)
    with pytest.raises(InvalidArgument, match="UPDATE SCHEDULED_JOBS SET until"):
        sup.set_job_enabled(1, False)


async def test_a_row_broken_while_the_supervisor_runs_is_quarantined_at_the_next_tick_without_halting(
    conn: sqlite3.Connection, clock: Clock
) -> None:
    sup = make(conn, clock, None)
    sup.add_job("later", "balance", 60, start=datetime(2015, 3, 11, 1, 0, tzinfo=UTC))
    sup.add_job("now", "balance", 60)
    conn.execute("UPDATE SCHEDULED_JOBS SET interval_seconds = 'every minute' WHERE id = 1")
    sup.tick()
    view = sup.view()
    assert (view.state, [j.name for j in view.jobs], len(view.quarantined)) == (SupervisorState.RUNNING, ["now"], 1)
    assert rows(conn, "select job_id from JOB_RESULTS") == [(2,)]
