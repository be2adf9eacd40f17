"""Pilot tests of the jobs screen (4): the selection stays on its run, Home/End, runs completed by clean-up, and
the schedule's controls (add, edit, on/off, remove a job), read-only included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select

from app.bindings import active_specs
from app.config import Config
from app.schedtop_app import SchedtopApp
from app.screens.jobs import JobsScreen
from app.sources.http_cubefs import CubeFSSource
from app.sources.http_scylla import ScyllaSource
from app.sources.remote import remote_source
from engine.engine import Engine
from engine.model import JobState
from tests.app_support import add_schedule, running, screen_text
from tests.test_faults_shutdown import start_server, terminate
from widgets.confirm import ConfirmDialog
from widgets.job_form import AddJobForm, EditJobForm
from widgets.jobs import JobsPanel


async def quick_job(engine: Engine) -> None:
    """A job that completes a run every two seconds: its task type is off, so each run is skipped at once."""
    await engine.set_enabled("volume_inspect", False)
    await engine.add_job("quick", "volume_inspect", 1)


async def show_jobs(app: SchedtopApp, pilot: Pilot[None]) -> JobsScreen:
    await app.refresh_data()
    await pilot.press("4")
    await pilot.pause()
    assert isinstance(app.screen, JobsScreen)
    return app.screen


async def test_the_selected_result_stays_on_its_run_when_new_runs_arrive() -> None:
    async with running() as (app, pilot, engine):
        await quick_job(engine)
        await engine.advance(120)  # more runs than the view keeps (50): the oldest drop off as new ones come
        screen = await show_jobs(app, pilot)
        table = screen.query_one(JobsPanel).results_table
        table.move_cursor(row=30)
        await pilot.pause()
        chosen = screen.selected_result
        assert chosen is not None
        for _ in range(3):
            await engine.advance(10)
            await app.refresh_data()
            await pilot.pause()
            assert screen.selected_result is not None and screen.selected_result.id == chosen.id


async def test_end_and_home_go_to_the_newest_and_the_oldest_result() -> None:
    async with running() as (app, pilot, engine):
        await quick_job(engine)
        await engine.advance(40)
        screen = await show_jobs(app, pilot)
        ids = sorted(result.id for result in app.model.latest.supervisor.results)
        await pilot.press("end")
        assert screen.selected_result is not None and screen.selected_result.id == ids[-1]
        await pilot.press("home")
        assert screen.selected_result is not None and screen.selected_result.id == ids[0]


async def test_a_run_completed_by_the_reschedule_clean_up_is_marked_cleaned_up() -> None:
    async with running() as (app, pilot, engine):
        await engine.add_job("hangs", "balance", 60)
        engine.supervisor.lose_next_completion()
        await engine.advance(400)
        await engine.supervisor_halt()
        screen = await show_jobs(app, pilot)
        hanging = screen.selected_result
        assert hanging is not None and hanging.hanging
        await pilot.press("e")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        done = next(r for r in app.model.latest.supervisor.results if r.id == hanging.id)
        assert done.state is JobState.COMPLETED and done.cleaned_up
        results = screen_text(app).split("recent job results", 1)[1]
        row = next(line for line in results.splitlines() if line.lstrip().startswith(f"{hanging.id} "))
        assert "cleaned up" in row and " ok " not in row
        assert "completed by clean-up" in str(screen.query_one("#partials").render())


# -- controlling the schedule from the jobs screen -------------------------------------------------------------


def fill(form: Screen[object], **values: str) -> None:
    """Set the form's text fields by id (``job_name`` is ``#job-name``)."""
    for name, value in values.items():
        form.query_one(f"#{name.replace('_', '-')}", Input).value = value


async def submit(app: SchedtopApp, pilot: Pilot[None]) -> None:
    await pilot.click("#submit")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_opens_a_form_that_adds_a_job_and_selects_it() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        screen = await show_jobs(app, pilot)
        await pilot.press("a")
        assert isinstance(app.screen, AddJobForm)
        fill(app.screen, job_name="sweep", job_interval="10m", job_until="2024-02-01 00:00:00")
        app.screen.query_one("#job-task-type", Select).value = "check_disk"
        await submit(app, pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        job = next(j for j in (await engine.supervisor_view()).jobs if j.name == "sweep")
        assert (job.task_type, job.interval_seconds, job.until) == ("check_disk", 600, datetime(2024, 2, 1, tzinfo=UTC))
        assert screen.selected_job is not None and screen.selected_job.id == job.id
        assert "sweep" in screen_text(app)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"job_name": "", "job_interval": "10m"}, "name: enter a name"),
        ({"job_name": "x", "job_interval": "soon"}, "interval: 'soon' is not a duration"),
        ({"job_name": "x", "job_interval": "0"}, "interval: the job must run"),
        ({"job_name": "x", "job_interval": "5", "job_start": "tomorrow"}, "first run: not a time"),
        ({"job_name": "x", "job_interval": "5", "job_until": "9999-12-31T23:59:59-01:00"}, "until: 9999-12-31"),
        (
            {"job_name": "x", "job_interval": "5", "job_start": "2024-03-01 00:00:00", "job_until": "2024-02-01"},
            "until (2024-02-01 00:00:00) is before the first scheduled_start",
        ),
        ({"job_name": "nightly inspect", "job_interval": "5"}, "already exists"),
    ],
    ids=["no-name", "bad-interval", "zero-interval", "bad-start", "until-out-of-range", "until-first", "name-taken"],
)
async def test_the_add_job_form_shows_what_is_wrong_inline_and_stays_open(values: dict, message: str) -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        await show_jobs(app, pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, AddJobForm)
        fill(form, **values)
        await submit(app, pilot)
        assert app.screen is form
        assert message in form.error_text
        assert [j.name for j in (await engine.supervisor_view()).jobs] == ["nightly inspect"]


async def test_capital_e_edits_the_selected_jobs_interval_until_and_enabled_flag() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        screen = await show_jobs(app, pilot)
        await pilot.press("E")
        assert isinstance(app.screen, EditJobForm)
        assert app.screen.query_one("#job-interval", Input).value == "2m"
        fill(app.screen, job_interval="1h", job_until="2024-06-01 00:00:00")
        await pilot.click("#job-enabled")
        await submit(app, pilot)
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, JobsScreen)
        (job,) = (await engine.supervisor_view()).jobs
        assert (job.interval_seconds, job.until, job.enabled) == (3600, datetime(2024, 6, 1, tzinfo=UTC), False)
        await app.refresh_data()
        await pilot.pause()
        assert screen.selected_job is not None and screen.selected_job.interval_seconds == 3600


async def test_an_edit_the_supervisor_refuses_is_shown_inline() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        await show_jobs(app, pilot)
        await pilot.press("E")
        form = app.screen
        assert isinstance(form, EditJobForm)
        fill(form, job_until="2000-01-01 00:00:00")
        await submit(app, pilot)
        assert app.screen is form
        assert "until (2000-01-01 00:00:00) is before the job's next scheduled_start" in form.error_text
        assert (await engine.supervisor_view()).jobs[0].until is None


async def test_an_edit_that_changes_nothing_says_so() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        await show_jobs(app, pilot)
        await pilot.press("E")
        await submit(app, pilot)
        assert isinstance(app.screen, EditJobForm) and app.screen.error_text == "nothing changed"


async def test_space_disables_the_selected_job_and_enables_it_again() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        await show_jobs(app, pilot)
        await pilot.press("space")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (await engine.supervisor_view()).jobs[0].enabled is False
        assert "disabled" in notifications(app)
        await pilot.press("space")
        await app.workers.wait_for_complete()
        assert (await engine.supervisor_view()).jobs[0].enabled is True


async def test_the_job_keys_act_on_the_job_of_the_result_the_user_moves_to() -> None:
    async with running() as (app, pilot, engine):
        await engine.set_enabled("volume_inspect", False)
        await engine.add_job("first", "volume_inspect", 1)
        await engine.add_job("second", "volume_inspect", 1)
        await engine.advance(10)  # their runs alternate
        screen = await show_jobs(app, pilot)
        await pilot.press("end")
        for _ in range(2):
            await pilot.press("up")
            result = screen.selected_result
            assert result is not None
            assert screen.selected_job is not None and screen.selected_job.id == result.job_id


async def test_tab_moves_to_the_jobs_table_where_the_job_keys_act_on_the_chosen_row() -> None:
    async with running() as (app, pilot, engine):
        await engine.add_job("first", "balance", 600)
        await engine.add_job("second", "balance", 600, start=datetime(2024, 1, 2, tzinfo=UTC))
        screen = await show_jobs(app, pilot)
        await pilot.press("tab", "down")
        assert app.focused is screen.query_one(JobsPanel).jobs_table
        await pilot.press("E")
        assert isinstance(app.screen, EditJobForm) and app.screen.job.name == "second"


async def test_x_asks_then_removes_the_job_and_its_past_runs() -> None:
    async with running() as (app, pilot, engine):
        await quick_job(engine)
        await engine.add_job("keep", "balance", 600, start=datetime(2024, 1, 2, tzinfo=UTC))
        await engine.advance(30)
        await engine.supervisor_halt()
        await engine.cleanup_reschedule(1)  # nothing of "quick" in flight any more
        await show_jobs(app, pilot)
        await pilot.press("home")
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        text = screen_text(app)
        assert "quick" in text and "JOB_RESULTS" in text and "cannot be undone" in text
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        view = await engine.supervisor_view()
        assert [j.name for j in view.jobs] == ["keep"]
        assert view.results == []


async def test_x_cancelled_keeps_the_job() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        await show_jobs(app, pilot)
        await pilot.press("x", "n")
        await app.workers.wait_for_complete()
        assert len((await engine.supervisor_view()).jobs) == 1


async def test_x_on_a_job_with_a_run_in_flight_says_why_and_offers_no_removal() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        await engine.advance(2)  # its first run starts
        await show_jobs(app, pilot)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog) and not app.screen.can_confirm
        assert "in flight" in screen_text(app)
        await pilot.press("escape")
        assert len((await engine.supervisor_view()).jobs) == 1


async def test_read_only_mode_has_no_schedule_keys_and_changes_nothing() -> None:
    async with running(Config(read_only=True)) as (app, pilot, engine):
        await add_schedule(engine)
        screen = await show_jobs(app, pilot)
        bound = {active.binding.id for active in app.screen.active_bindings.values()}
        assert {"add_job", "edit_job", "toggle_job", "remove_job", "task_types"}.isdisjoint(bound)
        for key in ("a", "E", "space", "x"):
            await pilot.press(key)
            await app.workers.wait_for_complete()
            assert app.screen is screen
        (job,) = (await engine.supervisor_view()).jobs
        assert job.enabled and job.name == "nightly inspect"
        footer = screen_text(app).splitlines()[-1]
        assert "Add job" not in footer and "read-only" in screen_text(app)


async def test_h_without_a_schedule_says_which_key_adds_a_job() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("h", "y")
        await app.workers.wait_for_complete()
        assert "no schedule is configured" in notifications(app)
        assert "press a on the jobs screen (4) to add one" in notifications(app)


async def test_the_jobs_screen_without_a_schedule_says_which_key_adds_a_job() -> None:
    async with running() as (app, pilot, _engine):
        await show_jobs(app, pilot)
        assert "no schedule is configured (the supervisor answers 503); press a to add a job" in screen_text(app)


def test_cubefs_and_scylla_sources_have_no_schedule_or_switch_keys() -> None:
    for capabilities in (CubeFSSource.capabilities, ScyllaSource("http://scylla:10000").capabilities):
        ids = {spec.id for spec in active_specs(capabilities, read_only=False)}
        assert {"add_job", "edit_job", "toggle_job", "remove_job", "task_types"}.isdisjoint(ids)


async def test_a_job_is_added_from_the_ui_against_a_real_schedtop_serve_without_demo(tmp_path: Path) -> None:
    process, url = start_server(tmp_path / "engine.db")  # no --demo: no schedule
    app = SchedtopApp(remote_source(url), Config(), auto_refresh=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await app.refresh_data()
            await pilot.press("h", "y")
            await app.workers.wait_for_complete()
            assert "press a on the jobs screen (4) to add one" in notifications(app)
            await show_jobs(app, pilot)
            await pilot.press("a")
            fill(app.screen, job_name="served-sweep", job_interval="1h")
            await submit(app, pilot)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, JobsScreen)
            assert "served-sweep" in screen_text(app)
            await pilot.press("space")
            await app.workers.wait_for_complete()
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            (job,) = (await http.get("/api/supervisor/jobs")).json()["jobs"]
        assert (job["name"], job["interval_seconds"], job["enabled"]) == ("served-sweep", 3600, False)
    finally:
        terminate(process)


def notifications(app: SchedtopApp) -> str:
    return " ".join(app.notification_messages)
