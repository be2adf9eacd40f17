"""Pilot tests of every dialog: good input reaches the engine, bad input gets a visible message and no crash."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from app.screens.jobs import JobsScreen
from app.screens.main import MainScreen
from engine.model import TaskState
from tests.app_support import add_schedule, first_row, running, screen_text, valid_vuid
from widgets.command_line import CommandLine
from widgets.confirm import ConfirmDialog
from widgets.create_task_form import CreateTaskForm
from widgets.migrate_form import MigrateForm
from widgets.task_view import TaskView
from widgets.ttl_form import TtlForm
from widgets.wait_dialog import WaitDialog


async def _type(pilot: object, text: str) -> None:
    """Type into the focused field: the first key really pressed, the rest inserted as typing would (one key press
    per character costs a screen update each, and these tests are about what the dialog does with the text)."""
    if not text:
        return
    await pilot.press(text[0])  # type: ignore[attr-defined]
    field = pilot.app.focused  # type: ignore[attr-defined]
    assert isinstance(field, Input)
    field.insert_text_at_cursor(text[1:])
    await pilot.pause()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("vuid", "message"),
    [
        ("abc", "unsigned 64-bit integer"),
        ("-1", "unsigned 64-bit integer"),
        (str(2**64), "at most 18446744073709551615"),
        ("0", "at least 1"),
        ("", "enter a vuid"),
    ],
)
async def test_manual_migration_form_rejects_bad_vuids_inline(vuid: str, message: str) -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("m")
        assert isinstance(app.screen, MigrateForm)
        await _type(pilot, vuid)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MigrateForm)
        assert message in app.screen.error_text
        assert app.screen.message.region.height >= 1  # on screen, not just stored


async def test_manual_migration_shows_the_engines_refusal_inline() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("m")
        await _type(pilot, "12345")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, MigrateForm)
        assert "not on any disk" in app.screen.error_text


async def test_manual_migration_is_queued_and_the_new_task_selected() -> None:
    async with running() as (app, pilot, engine):
        vuid = valid_vuid(engine)
        await pilot.press("m")
        await _type(pilot, str(vuid))
        await pilot.click("#direct-download")
        await pilot.click("#submit")
        await app.workers.wait_for_complete()
        await app.refresh_data()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        selected = app.model.rows[app.screen.query_one(TaskView).selected_task_id]
        assert selected.module == "manual_migrate" and selected.status.entity.startswith("manual_migrate-")
        work = engine.migrations.get(selected.status.entity)
        assert work is not None and work.forbidden_direct_download is False


async def test_create_task_form_creates_a_rebuild_and_selects_it() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("c")
        assert isinstance(app.screen, CreateTaskForm)
        await _type(pilot, "nightly")
        assert "CREATE TASK 'nightly' TYPE rebuild LOCATION SYSTEM;" in screen_text(app)
        await pilot.click("#submit")
        await app.workers.wait_for_complete()
        await app.refresh_data()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        selected = app.model.rows[app.screen.query_one(TaskView).selected_task_id]
        assert selected.module == "distributed" and selected.status.type == "rebuild"


async def test_create_task_form_shows_bad_options_and_engine_refusals_inline() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("c")
        app.screen.query_one("#task-options", Input).value = "colour = 'blue'"
        await pilot.click("#submit")
        await pilot.pause()
        assert "unknown option 'colour'" in app.screen.error_text
        assert isinstance(app.screen, CreateTaskForm)


async def test_command_line_creates_then_cancels_a_task_by_name() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("colon")
        assert isinstance(app.screen, CommandLine)
        await _type(pilot, "CREATE TASK fixit TYPE check_disk OPTIONS fix = true;")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await app.refresh_data()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        created = app.model.rows[app.screen.query_one(TaskView).selected_task_id]
        assert created.status.type == "check_disk"
        await pilot.press("colon")
        await _type(pilot, "CANCEL TASK 'fixit'")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await app.refresh_data()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.model.rows[created.id].status.state is TaskState.FAILED


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("DROP TABLE x", "unknown statement 'DROP'"),
        ("CREATE TASK TYPE Rebuild", "task types are case sensitive"),
        ("CREATE TASK x TYPE rebuild LOCATION NODE n1", "NODE"),
        ("CANCEL TASK 'no-such-task'", "no-such-task"),
        ("CREATE TASK 'unterminated", "unterminated string"),
    ],
)
async def test_command_line_shows_errors_inline_and_stays_open(statement: str, message: str) -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("colon")
        app.screen.query_one(Input).value = statement
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CommandLine)
        assert message in app.screen.error_text


async def test_command_line_remembers_history_on_up() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("colon")
        app.screen.query_one(Input).value = "nonsense"
        await pilot.press("enter")
        app.screen.query_one(Input).value = ""
        await pilot.press("up")
        assert app.screen.query_one(Input).value == "nonsense"


async def test_w_waits_until_the_task_finishes_and_shows_its_final_status() -> None:
    async with running() as (app, pilot, engine):
        await pilot.press("colon")
        app.screen.query_one(Input).value = "CREATE TASK quick TYPE rebalance;"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await app.refresh_data()
        await pilot.pause()
        task_id = app.screen.query_one(TaskView).selected_task_id
        assert task_id is not None
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WaitDialog)
        assert "Waiting for task" in screen_text(app)
        for _ in range(60):
            await engine.advance(30)
            await pilot.pause()
            if app.screen.final is not None:  # type: ignore[attr-defined]
                break
        assert app.screen.final is not None and app.screen.final.state.is_final  # type: ignore[attr-defined]
        assert "finished:" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_w_can_be_cancelled_while_waiting() -> None:
    async with running() as (app, pilot, _engine):
        consumer = first_row(app, type="shard_repair")
        app.screen.query_one(TaskView).select(consumer.id)
        await pilot.press("w")
        assert isinstance(app.screen, WaitDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert not [w for w in app.workers if w.group == "wait" and w.is_running]


async def test_t_sets_task_ttl_and_user_ttl_and_rejects_bad_numbers() -> None:
    async with running() as (app, pilot, engine):
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TtlForm)
        ttl = form.query_one("#ttl", Input)
        for bad in ("abc", "-5", "1e3", str(10**12)):
            ttl.value = bad
            ttl.focus()
            await pilot.press("enter")
            assert "task_ttl must be" in form.error_text and app.screen is form
        ttl.value = "30"
        form.query_one("#user-ttl", Input).value = "120"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, TtlForm), form.error_text
        assert await engine.get_ttl() == 30 and await engine.get_user_ttl() == 120


async def test_cleanups_ask_first_and_report_the_supervisors_answer() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        await engine.advance(200)
        await app.refresh_data()
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        assert "nightly inspect" in screen_text(app)
        result = app.screen.selected_result
        assert result is not None
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog) and "JOB_RESULTS" in screen_text(app)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "halt" in " ".join(app.notification_messages).lower()
        await engine.supervisor_halt()
        await pilot.press("d", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        view = await engine.supervisor_view()
        assert result.id not in {r.id for r in view.results}
