"""The supervisor runs scheduled jobs: due runs, intervals, halt/restart, FINISHED, and no schedule → Unavailable."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import pytest

from engine.errors import InvalidArgument, Unavailable
from engine.model import JobState, SupervisorState
from engine.supervisor import Supervisor

from .support import Clock, Work, at, make, rows, settle


@pytest.fixture
async def sup(conn: sqlite3.Connection, clock: Clock, work: Work) -> AsyncIterator[Supervisor]:
    supervisor = make(conn, clock, work, clusters=lambda: ["idc-a", "idc-b"])
    yield supervisor
    await supervisor.close()


async def test_a_due_job_gets_one_running_result_row_and_its_work_launched(sup, conn, work) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    sup.tick()
    sup.tick()
    await settle()
    assert rows(conn, "select job_id, scheduled_start, state from JOB_RESULTS") == [
        (1, "2015-03-11 00:28:00", "running")
    ]
    assert rows(conn, "select cluster, state from PARTIAL_JOB_RESULTS") == [("local", "running")]
    assert [(launch.task_type, launch.cluster) for launch in work.launched] == [("volume_inspect", "local")]


async def test_a_job_that_is_not_due_yet_does_not_run(sup, conn) -> None:
    sup.add_job("later", "balance", 60, start=at("2015-03-11 00:40:00"))
    sup.tick()
    assert rows(conn, "select count(*) from JOB_RESULTS") == [(0,)]


async def test_a_remote_job_gets_one_partial_result_per_cluster(sup, conn) -> None:
    sup.add_job("remote", "volume_inspect", 120, remote=True)
    sup.tick()
    assert rows(conn, "select cluster from PARTIAL_JOB_RESULTS order by id") == [("idc-a",), ("idc-b",)]


async def test_finished_work_completes_the_run_and_moves_scheduled_start_on_by_the_interval(
    sup, conn, clock, work
) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    sup.tick()
    clock.advance(30)
    await work.finish()
    sup.tick()
    assert rows(conn, "select state, result_code, finished from JOB_RESULTS") == [
        ("completed", "ok", "2015-03-11 00:28:30")
    ]
    assert rows(conn, "select state, duration, result_code from PARTIAL_JOB_RESULTS") == [("completed", 30, "ok")]
    assert rows(conn, "select scheduled_start from SCHEDULED_JOBS") == [("2015-03-11 00:30:00",)]


async def test_the_next_run_starts_when_the_new_scheduled_start_comes(sup, conn, clock, work) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    sup.tick()
    await work.finish()
    sup.tick()
    clock.set("2015-03-11 00:30:00")
    sup.tick()
    assert rows(conn, "select scheduled_start, state from JOB_RESULTS order by id") == [
        ("2015-03-11 00:28:00", "completed"),
        ("2015-03-11 00:30:00", "running"),
    ]


async def test_slots_missed_during_a_long_run_are_skipped_not_caught_up(sup, conn, clock, work) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    sup.tick()
    clock.set("2015-03-11 00:33:10")
    await work.finish()
    sup.tick()
    assert rows(conn, "select scheduled_start from SCHEDULED_JOBS") == [("2015-03-11 00:34:00",)]


async def test_work_that_raises_marks_the_partial_and_the_run_failed_and_still_moves_on(sup, conn, work) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    sup.tick()
    await work.fail("disk 7 unreachable")
    sup.tick()
    assert rows(conn, "select state, result_code from JOB_RESULTS") == [("failed", "RuntimeError: disk 7 unreachable")]
    assert rows(conn, "select scheduled_start from SCHEDULED_JOBS") == [("2015-03-11 00:30:00",)]


async def test_only_one_run_is_in_flight_at_a_time(sup, conn, work) -> None:
    sup.add_job("first", "volume_inspect", 120)
    sup.add_job("second", "balance", 120)
    sup.tick()
    sup.tick()
    assert rows(conn, "select job_id from JOB_RESULTS") == [(1,)]
    await work.finish()
    sup.tick()
    assert rows(conn, "select job_id, state from JOB_RESULTS order by id") == [(1, "completed"), (2, "running")]


async def test_halt_returns_at_once_and_blocks_the_running_job_until_restart(sup, conn, work) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    sup.tick()
    assert sup.halt() is SupervisorState.HALTED
    await work.finish()
    sup.tick()
    assert rows(conn, "select state from JOB_RESULTS") == [("running",)]
    assert sup.restart() is SupervisorState.RUNNING
    sup.tick()
    assert rows(conn, "select state from JOB_RESULTS") == [("completed",)]


async def test_a_halted_supervisor_starts_no_new_run(sup, conn) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    sup.halt()
    sup.tick()
    assert rows(conn, "select count(*) from JOB_RESULTS") == [(0,)]
    assert sup.state() is SupervisorState.HALTED


async def test_the_halted_mode_survives_a_reopen_of_the_database(tmp_path, clock) -> None:
    path = tmp_path / "store.db"
    conn = sqlite3.connect(path)
    first = Supervisor(conn, clock, commit=conn.commit)
    first.add_job("inspect", "volume_inspect", 120)
    first.halt()
    conn.close()
    second = Supervisor(sqlite3.connect(path), clock)
    assert second.state() is SupervisorState.HALTED


async def test_a_run_left_running_by_a_dead_process_is_relaunched_not_duplicated(tmp_path, clock) -> None:
    path = tmp_path / "store.db"
    conn = sqlite3.connect(path)
    first = Supervisor(conn, clock, Work())
    first.add_job("inspect", "volume_inspect", 120)
    first.tick()
    conn.commit()
    await first.close()
    work = Work()
    reopened = sqlite3.connect(path)
    second = Supervisor(reopened, clock, work)
    second.tick()
    await settle()
    assert [launch.resumed for launch in work.launched] == [True]
    await work.finish()
    second.tick()
    assert rows(reopened, "select state from JOB_RESULTS") == [("completed",)]


async def test_no_schedule_configured_is_unavailable(sup) -> None:
    with pytest.raises(Unavailable, match="no schedule"):
        sup.state()
    with pytest.raises(Unavailable):
        sup.halt()
    assert sup.view().configured is False


async def test_finished_when_every_job_is_disabled(sup) -> None:
    job = sup.add_job("inspect", "volume_inspect", 120)
    sup.set_job_enabled(job.id, False)
    assert sup.state() is SupervisorState.FINISHED


async def test_finished_once_a_job_passes_its_until(sup, clock, work) -> None:
    sup.add_job("once", "balance", 120, until=at("2015-03-11 00:28:00"))
    assert sup.state() is SupervisorState.RUNNING
    sup.tick()
    await work.finish()
    sup.tick()
    assert sup.state() is SupervisorState.FINISHED


async def test_adding_a_job_with_a_bad_interval_is_refused_and_adds_nothing(sup) -> None:
    with pytest.raises(InvalidArgument, match="interval_seconds"):
        sup.add_job("bad", "balance", 0)
    assert sup.configured() is False


async def test_the_view_shows_jobs_runs_partials_and_the_running_job(sup) -> None:
    sup.add_job("inspect", "volume_inspect", 120, remote=True)
    sup.tick()
    view = sup.view()
    assert view.state is SupervisorState.RUNNING
    assert view.running_job_id == 1
    assert [job.name for job in view.jobs] == ["inspect"]
    assert view.results[0].state is JobState.RUNNING
    assert [partial.cluster for partial in view.results[0].partials] == ["idc-a", "idc-b"]


async def test_a_row_an_operator_garbled_is_quarantined_with_the_reason_instead_of_halting_the_thread(
    sup, conn
) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    conn.execute("update SCHEDULED_JOBS set scheduled_start = 'tomorrow' where id = 1")
    sup.tick()
    view = sup.view()
    assert view.state is SupervisorState.RUNNING
    assert view.last_error is not None and "'tomorrow'" in view.last_error
