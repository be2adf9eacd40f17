"""Jobs at the edges of the calendar: year 1 stored padded, a next slot past 9999 exhausts the job, bad times refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from engine.errors import InvalidArgument
from engine.model import JobState, SupervisorState

from .support import at, rows

AN_HOUR_WEST = timezone(timedelta(hours=-1))


async def test_a_year_1_job_is_stored_with_a_four_digit_year_and_runs(sup, conn) -> None:
    sup.add_job("year-one", "balance", 60, start=datetime(1, 1, 1, tzinfo=UTC))
    sup.tick()
    assert rows(conn, "select scheduled_start from JOB_RESULTS") == [("0001-01-01 00:00:00",)]
    assert sup.view().last_error is None


async def test_a_year_1_job_moves_on_to_the_first_slot_after_now_when_its_run_completes(sup, conn, work) -> None:
    sup.add_job("year-one", "balance", 60, start=datetime(1, 1, 1, tzinfo=UTC))
    sup.tick()
    await work.finish()
    sup.tick()
    assert rows(conn, "select scheduled_start from SCHEDULED_JOBS") == [("2015-03-11 00:29:00",)]


async def test_a_run_whose_next_slot_would_pass_the_end_of_the_calendar_completes_and_exhausts_the_job(
    sup, conn, clock, work
) -> None:
    clock.set("9999-12-31 23:59:30")
    sup.add_job("last", "balance", 3600, start=at("9999-12-31 23:59:00"))
    sup.tick()
    await work.finish()
    sup.tick()
    view = sup.view()
    assert [(r.state, r.scheduled_start) for r in view.results] == [(JobState.COMPLETED, at("9999-12-31 23:59:00"))]
    assert (view.jobs[0].enabled, view.state, view.last_error) == (False, SupervisorState.FINISHED, None)


async def test_a_job_can_run_at_the_last_second_of_the_calendar(sup, conn, clock) -> None:
    clock.set("9999-12-31 23:59:59")
    sup.add_job("last", "balance", 1, start=at("9999-12-31 23:59:59"))
    sup.tick()
    assert rows(conn, "select scheduled_start, state from JOB_RESULTS") == [("9999-12-31 23:59:59", "running")]


async def test_the_default_reschedule_past_the_end_of_the_calendar_is_refused(sup, conn) -> None:
    job = sup.add_job("last", "balance", 3600, start=at("9999-12-31 23:59:00"))
    sup.halt()
    with pytest.raises(InvalidArgument, match="9999-12-31T23:59:59Z"):
        sup.cleanup_reschedule(job.id)
    assert rows(conn, "select scheduled_start from SCHEDULED_JOBS") == [("9999-12-31 23:59:00",)]


@pytest.mark.parametrize(
    ("field", "moment"),
    [
        ("start", datetime(9999, 12, 31, 23, 59, 59, tzinfo=AN_HOUR_WEST)),
        ("until", datetime(9999, 12, 31, 23, 59, 59, tzinfo=AN_HOUR_WEST)),
    ],
)
async def test_a_job_time_that_leaves_the_calendar_once_in_utc_is_refused_naming_the_field(
    sup, field: str, moment: datetime
) -> None:
    with pytest.raises(InvalidArgument, match=f"^{field}: .*9999-12-31T23:59:59Z"):
        sup.add_job("edge", "balance", 60, **{field: moment})


async def test_a_clean_up_time_that_leaves_the_calendar_once_in_utc_is_refused_naming_the_field(sup) -> None:
    job = sup.add_job("job", "balance", 60)
    sup.halt()
    before_the_start = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    with pytest.raises(InvalidArgument, match=r"^scheduled_start: "):
        sup.cleanup_delete_run(job.id, before_the_start)
    with pytest.raises(InvalidArgument, match=r"^scheduled_start: "):
        sup.cleanup_reschedule(job.id, before_the_start)
