"""Controlling the schedule: edit a job (interval, enabled, until) and remove it with its past runs."""

from __future__ import annotations

import pytest

from engine.errors import Conflict, InvalidArgument, NotFound
from engine.model import SupervisorState, UpdateJobRequest

from .support import at, rows


async def test_an_edit_changes_only_the_fields_it_names(sup, conn) -> None:
    job = sup.add_job("inspect", "volume_inspect", 120, until=at("2015-03-12 00:00:00"))
    edited = sup.update_job(job.id, UpdateJobRequest(interval_seconds=600))
    assert (edited.interval_seconds, edited.until, edited.enabled) == (600, at("2015-03-12 00:00:00"), True)
    assert rows(conn, "select interval_seconds, until, enabled from SCHEDULED_JOBS") == [
        (600, "2015-03-12 00:00:00", 1)
    ]


async def test_an_edit_with_until_null_removes_the_end_of_the_schedule(sup) -> None:
    job = sup.add_job("inspect", "volume_inspect", 120, until=at("2015-03-12 00:00:00"))
    assert sup.update_job(job.id, UpdateJobRequest(until=None)).until is None


async def test_disabling_the_only_job_finishes_the_supervisor_and_enabling_it_resumes(sup) -> None:
    job = sup.add_job("inspect", "volume_inspect", 120, start=at("2015-03-11 01:00:00"))
    assert not sup.update_job(job.id, UpdateJobRequest(enabled=False)).enabled
    assert sup.state() is SupervisorState.FINISHED
    sup.update_job(job.id, UpdateJobRequest(enabled=True))
    assert sup.state() is SupervisorState.RUNNING


async def test_an_edit_that_changes_nothing_is_refused(sup) -> None:
    job = sup.add_job("inspect", "volume_inspect", 120)
    with pytest.raises(InvalidArgument, match="nothing to change"):
        sup.update_job(job.id, UpdateJobRequest())


async def test_an_until_before_the_next_scheduled_start_is_refused_naming_until(sup, conn) -> None:
    job = sup.add_job("inspect", "volume_inspect", 120, start=at("2015-03-11 01:00:00"))
    with pytest.raises(InvalidArgument, match="until"):
        sup.update_job(job.id, UpdateJobRequest(until=at("2015-03-11 00:59:59")))
    assert rows(conn, "select until from SCHEDULED_JOBS") == [(None,)]


async def test_editing_an_unknown_job_is_not_found(sup) -> None:
    sup.add_job("inspect", "volume_inspect", 120)
    with pytest.raises(NotFound, match="42"):
        sup.update_job(42, UpdateJobRequest(enabled=False))


async def test_enabling_a_job_exhausted_at_the_end_of_the_calendar_is_refused(sup, conn, clock, work) -> None:
    job = sup.add_job("last", "balance", 3600, start=at("9999-12-31 23:59:00"))
    clock.set("9999-12-31 23:59:00")
    sup.tick()
    await work.finish()
    sup.tick()
    assert rows(conn, "select enabled from SCHEDULED_JOBS") == [(0,)]
    with pytest.raises(InvalidArgument, match="already ran"):
        sup.update_job(job.id, UpdateJobRequest(enabled=True))


async def test_removing_a_job_deletes_it_and_its_past_runs(sup, conn, clock, work) -> None:
    keep = sup.add_job("keep", "balance", 120, start=at("2015-03-11 09:00:00"))
    gone = sup.add_job("gone", "volume_inspect", 120)
    sup.tick()
    await work.finish()
    sup.tick()
    assert rows(conn, "select count(*) from JOB_RESULTS where job_id = ?", (gone.id,)) == [(1,)]
    sup.remove_job(gone.id)
    assert rows(conn, "select id from SCHEDULED_JOBS") == [(keep.id,)]
    assert rows(conn, "select count(*) from JOB_RESULTS") == [(0,)]
    assert rows(conn, "select count(*) from PARTIAL_JOB_RESULTS") == [(0,)]


async def test_removing_a_job_with_a_run_in_flight_is_refused_and_removes_nothing(sup, conn) -> None:
    job = sup.add_job("busy", "volume_inspect", 120)
    sup.tick()
    with pytest.raises(Conflict, match="in flight"):
        sup.remove_job(job.id)
    assert rows(conn, "select count(*) from SCHEDULED_JOBS") == [(1,)]
    assert rows(conn, "select count(*) from JOB_RESULTS") == [(1,)]


async def test_removing_the_last_job_leaves_no_schedule(sup) -> None:
    job = sup.add_job("only", "balance", 120, start=at("2015-03-11 09:00:00"))
    sup.remove_job(job.id)
    assert not sup.configured() and not sup.view().configured


async def test_removing_an_unknown_job_is_not_found(sup) -> None:
    with pytest.raises(NotFound, match="7"):
        sup.remove_job(7)


async def test_a_quarantined_job_can_still_be_removed(sup, conn) -> None:
    job = sup.add_job("garbled", "balance", 120)
    conn.execute("update SCHEDULED_JOBS set scheduled_start = 'soon' where id = ?", (job.id,))
    sup.restart()  # reads every row again: the job is quarantined
    assert sup.view().quarantined
    sup.remove_job(job.id)
    assert rows(conn, "select count(*) from SCHEDULED_JOBS") == [(0,)]
    assert sup.view().quarantined == []
