"""A hanging run and the seed's runbook: DuplicateKeyException, the two clean-ups, and its SQL run as written."""

from __future__ import annotations

import sqlite3

import pytest

from engine.errors import Conflict, NotFound
from engine.model import JobState, SupervisorState
from engine.supervisor import NotHalted, Supervisor

from .support import Clock, Work, at, make, rows, settle


async def hang_job_2(sup: Supervisor, conn: sqlite3.Connection, clock: Clock, work: Work) -> None:
    """The seed's story: job 2 (every 2 min) starts at 00:28 and the DB connection is lost as it completes.

    The id counters are set so that the hanging run is JOB_RESULTS id 7 and its partial PARTIAL_JOB_RESULTS id 5,
    the ids the seed's statements use.
    """
    sup.add_job("nightly-balance", "balance", 120, start=at("2015-03-11 00:40:00"))
    sup.add_job("inspect", "volume_inspect", 120, start=at("2015-03-11 00:28:00"))
    conn.execute("insert into sqlite_sequence (name, seq) values ('JOB_RESULTS', 6), ('PARTIAL_JOB_RESULTS', 4)")
    sup.lose_next_completion(job_id=2)
    sup.tick()
    await work.finish()
    sup.tick()
    clock.set("2015-03-11 00:33:00")
    sup.tick()


async def test_a_run_whose_completion_was_lost_stays_running_and_blocks_the_thread(sup, conn, clock, work) -> None:
    await hang_job_2(sup, conn, clock, work)
    assert rows(conn, "select id, state from JOB_RESULTS") == [(7, "running")]
    assert rows(conn, "select id, state from PARTIAL_JOB_RESULTS") == [(5, "running")]
    assert rows(conn, "select scheduled_start from SCHEDULED_JOBS where id = 2") == [("2015-03-11 00:28:00",)]


async def test_a_run_running_far_past_its_interval_is_flagged_hanging(sup, conn, clock, work) -> None:
    await hang_job_2(sup, conn, clock, work)
    clock.set("2015-03-11 00:31:00")
    assert sup.view().results[0].hanging is False
    clock.set("2015-03-11 00:32:01")
    assert sup.view().results[0].hanging is True


async def test_clean_ups_require_the_supervisor_to_be_halted(sup, conn, clock, work) -> None:
    await hang_job_2(sup, conn, clock, work)
    with pytest.raises(NotHalted, match="halt the supervisor"):
        sup.cleanup_delete_run(2, at("2015-03-11 00:28:00"))
    with pytest.raises(NotHalted):
        sup.cleanup_reschedule(2)
    assert rows(conn, "select count(*) from JOB_RESULTS") == [(1,)]


async def test_cleanup_delete_reruns_the_job_with_the_same_scheduled_start(sup, conn, clock, work) -> None:
    await hang_job_2(sup, conn, clock, work)
    sup.halt()
    sup.cleanup_delete_run(2, at("2015-03-11 00:28:00"))
    assert rows(conn, "select count(*) from PARTIAL_JOB_RESULTS") == [(0,)]
    sup.restart()
    sup.tick()
    assert rows(conn, "select id, job_id, scheduled_start, state from JOB_RESULTS") == [
        (8, 2, "2015-03-11 00:28:00", "running")
    ]


async def test_cleanup_delete_of_an_unknown_run_is_not_found(sup, conn, clock, work) -> None:
    await hang_job_2(sup, conn, clock, work)
    sup.halt()
    with pytest.raises(NotFound, match="00:26:00"):
        sup.cleanup_delete_run(2, at("2015-03-11 00:26:00"))


async def test_cleanup_reschedule_completes_the_running_partials_and_moves_scheduled_start(
    sup, conn, clock, work
) -> None:
    await hang_job_2(sup, conn, clock, work)
    sup.halt()
    job = sup.cleanup_reschedule(2)
    assert job.scheduled_start == at("2015-03-11 00:30:00")
    assert rows(conn, "select state, duration from PARTIAL_JOB_RESULTS") == [("completed", 300)]
    assert rows(conn, "select state from JOB_RESULTS") == [("completed",)]
    sup.restart()
    sup.tick()
    assert rows(conn, "select scheduled_start, state from JOB_RESULTS order by id") == [
        ("2015-03-11 00:28:00", "completed"),
        ("2015-03-11 00:30:00", "running"),
    ]


async def test_cleanup_reschedule_marks_the_run_and_its_running_partials_cleaned_up_not_ok(
    sup, conn, clock, work
) -> None:
    await hang_job_2(sup, conn, clock, work)
    sup.halt()
    sup.cleanup_reschedule(2)
    assert rows(conn, "select result_code from JOB_RESULTS") == [("cleaned up",)]
    assert rows(conn, "select result_code from PARTIAL_JOB_RESULTS") == [("cleaned up",)]
    (run,) = sup.view().results
    assert run.cleaned_up and run.partials[0].cleaned_up


async def test_cleanup_reschedule_leaves_partials_that_had_finished_with_their_own_result(conn, clock, work) -> None:
    sup = make(conn, clock, work, clusters=lambda: ["idc-a", "idc-b"])
    sup.add_job("remote", "volume_inspect", 120, remote=True)
    sup.tick()
    await work.finish(cluster="idc-a")
    sup.tick()
    sup.halt()
    sup.cleanup_reschedule(1)
    assert rows(conn, "select cluster, result_code from PARTIAL_JOB_RESULTS order by id") == [
        ("idc-a", "ok"),
        ("idc-b", "cleaned up"),
    ]
    (run,) = sup.view().results
    assert run.cleaned_up and [p.cleaned_up for p in run.partials] == [False, True]
    await sup.close()


async def test_an_incomplete_cleanup_gives_a_duplicate_key_conflict_not_a_crash(sup, conn, clock, work) -> None:
    await hang_job_2(sup, conn, clock, work)
    sup.halt()
    # Half the runbook: the partial is completed but scheduled_start is left at 00:28.
    conn.execute("update PARTIAL_JOB_RESULTS set state = 'completed', duration = 1, result_code = 'ok' where id = 5")
    with pytest.raises(Conflict, match=r"DuplicateKeyException.*job 2.*2015-03-11 00:28:00"):
        sup.restart()
    assert sup.state() is SupervisorState.HALTED


async def test_a_clash_met_while_running_halts_the_thread_with_the_reason(sup, conn, clock, work) -> None:
    await hang_job_2(sup, conn, clock, work)
    conn.execute("update PARTIAL_JOB_RESULTS set state = 'completed', duration = 1, result_code = 'ok' where id = 5")
    sup.tick()
    view = sup.view()
    assert view.state is SupervisorState.HALTED
    assert view.last_error is not None and "DuplicateKeyException" in view.last_error
    assert rows(conn, "select count(*) from JOB_RESULTS") == [(1,)]


async def test_the_seeds_reschedule_sql_runs_as_written_and_the_supervisor_honours_it(sup, conn, clock, work) -> None:
    await hang_job_2(sup, conn, clock, work)
    sup.halt()
    conn.execute("update SCHEDULED_JOBS set scheduled_start = '2015-03-11 00:30:00' where id = 2")
    conn.execute("update PARTIAL_JOB_RESULTS set state = 'completed', duration = 1, result_code = 'ok' where id = 5")
    assert sup.restart() is SupervisorState.RUNNING
    sup.tick()
    assert rows(conn, "select id, scheduled_start, state from JOB_RESULTS order by id") == [
        (7, "2015-03-11 00:28:00", "completed"),
        (8, "2015-03-11 00:30:00", "running"),
    ]


async def test_the_seeds_delete_sql_runs_as_written_and_the_job_reruns_at_the_same_start(
    sup, conn, clock, work
) -> None:
    await hang_job_2(sup, conn, clock, work)
    sup.halt()
    (the_id,) = conn.execute(
        "select id from JOB_RESULTS where scheduled_start = '2015-03-11 00:28:00' and job_id = 2"
    ).fetchone()
    assert the_id == 7
    conn.execute("delete from PARTIAL_JOB_RESULTS where job_result_id = 7")
    conn.execute("delete from JOB_RESULTS where id = 7")
    sup.restart()
    sup.tick()
    await settle()
    assert rows(conn, "select job_id, scheduled_start, state from JOB_RESULTS") == [
        (2, "2015-03-11 00:28:00", "running")
    ]
    assert [launch.job_result_id for launch in work.launched] == [7, 8]


async def test_a_cleanup_of_a_live_run_stops_waiting_for_its_work(sup, conn, clock, work) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    sup.tick()
    sup.halt()
    sup.cleanup_reschedule(1)
    sup.restart()
    await work.finish()
    sup.tick()
    assert rows(conn, "select state from JOB_RESULTS") == [("completed",)]
    assert sup.view().results[0].state is JobState.COMPLETED


async def test_a_clash_on_the_next_run_keeps_the_completion_of_the_run_before_it(sup, conn, clock, work) -> None:
    sup.add_job("first", "balance", 120)
    sup.add_job("second", "balance", 120)
    conn.execute(
        "insert into JOB_RESULTS (job_id, scheduled_start, state, started) "
        "values (2, '2015-03-11 00:28:00', 'completed', '2015-03-11 00:20:00')"
    )
    sup.tick()
    await work.finish()
    sup.tick()
    assert rows(conn, "select job_id, state from JOB_RESULTS order by job_id") == [(1, "completed"), (2, "completed")]
    assert rows(conn, "select scheduled_start from SCHEDULED_JOBS where id = 1") == [("2015-03-11 00:30:00",)]
    assert "DuplicateKeyException" in (sup.view().last_error or "")
