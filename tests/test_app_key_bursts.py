"""Keys that arrive together (a paste, a fast typist, SSH delivering several keys in one packet) land where they
were typed: everything after ``/`` or ``:`` goes into that input, everything typed as a dialog opens goes into its
first field — never into the app's shortcuts or the dialog's buttons.

``pilot.press`` waits for the app to go idle after each key, so it cannot show these defects; :func:`burst` posts
every key at once, as the terminal driver does when one read returns several keys.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from app.screens.tasks import TasksScreen
from engine.model import TaskState
from tests.app_support import first_row, running
from widgets.command_line import CommandLine
from widgets.confirm import ConfirmDialog
from widgets.create_task_form import CreateTaskForm
from widgets.filter_bar import FilterBar
from widgets.migrate_form import MigrateForm
from widgets.task_view import TaskView
from widgets.ttl_form import TtlForm
from widgets.wait_dialog import WaitDialog

NAMED = {"/": "slash", ":": "colon", " ": "space", "'": "apostrophe", "?": "question_mark"}
KEY_NAMES = {"enter", "escape", "tab", "backspace", "up", "down"}


def key_event(key: str) -> events.Key:
    """The event the terminal driver makes for one key (a character, or a key name such as ``enter``)."""
    if len(key) == 1:
        return events.Key(NAMED.get(key, key), key)
    characters = {"enter": "\r", "escape": "\x1b", "tab": "\t", "backspace": "\x7f"}
    return events.Key(key, characters.get(key))


async def burst(pilot: object, *keys: str) -> None:
    """Deliver every key before the app handles the first, then wait until the app is idle again.

    Each argument is a key name (``enter``, ``escape``) or text whose characters are typed one by one."""
    app = pilot.app  # type: ignore[attr-defined]
    for key in keys:
        for single in [key] if key in KEY_NAMES else list(key):
            app.post_message(key_event(single))
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def _on_tasks_screen(pilot: object) -> TasksScreen:
    await pilot.press("2")  # type: ignore[attr-defined]
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, TasksScreen)
    return screen


async def test_a_burst_after_slash_filters_instead_of_opening_the_abort_dialog() -> None:
    async with running() as (app, pilot, engine):
        screen = await _on_tasks_screen(pilot)
        root = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        screen.query_one(TaskView).select(root.id)
        await burst(pilot, "/a", "enter")
        assert app.screen is screen
        assert screen.query_one(FilterBar).value == "a"
        assert screen.query_one(TaskView).filter_text == "a"
        assert not engine.tm.tasks[root.id].finished


async def test_q_typed_in_a_burst_after_slash_does_not_quit() -> None:
    async with running() as (app, pilot, _engine):
        screen = await _on_tasks_screen(pilot)
        await burst(pilot, "/zq")
        assert app.is_running and app.screen is screen
        assert screen.query_one(FilterBar).value == "zq"


async def test_every_letter_of_a_burst_after_slash_lands_in_the_filter() -> None:
    async with running() as (app, pilot, _engine):
        screen = await _on_tasks_screen(pilot)
        await burst(pilot, "/balance")
        assert app.screen is screen
        assert screen.query_one(FilterBar).value == "balance"


async def test_a_statement_typed_in_a_burst_after_colon_lands_in_the_command_line() -> None:
    async with running() as (app, pilot, _engine):
        await burst(pilot, ":CANCEL TASK 'x2'")
        assert isinstance(app.screen, CommandLine)
        assert app.screen.input.value == "CANCEL TASK 'x2'"


async def test_a_vuid_typed_as_the_migrate_form_opens_lands_in_its_field() -> None:
    async with running() as (app, pilot, _engine):
        await burst(pilot, "m4395630596")
        assert isinstance(app.screen, MigrateForm)
        assert app.screen.query_one("#vuid", Input).value == "4395630596"


async def test_a_name_typed_as_the_create_form_opens_lands_in_its_first_field() -> None:
    async with running() as (app, pilot, _engine):
        await burst(pilot, "cnightly")
        assert isinstance(app.screen, CreateTaskForm)
        assert app.screen.query_one("#task-name", Input).value == "nightly"


async def test_digits_typed_as_the_ttl_form_opens_replace_its_selected_first_field() -> None:
    async with running() as (app, pilot, _engine):
        await burst(pilot, "t35")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, TtlForm)
        assert app.screen.query_one("#ttl", Input).value == "35"  # as typed slowly: the current value is selected


async def test_enter_typed_as_the_abort_dialog_opens_does_not_abort() -> None:
    async with running() as (app, pilot, engine):
        root = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        app.screen.query_one(TaskView).select(root.id)
        await burst(pilot, "a", "enter")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, ConfirmDialog)
        assert not engine.tm.tasks[root.id].finished


async def test_y_typed_as_the_abort_dialog_opens_does_not_abort() -> None:
    async with running() as (app, pilot, engine):
        root = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        app.screen.query_one(TaskView).select(root.id)
        await burst(pilot, "ay")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, ConfirmDialog)
        assert not engine.tm.tasks[root.id].finished


async def test_enter_typed_as_the_wait_dialog_opens_keeps_it_open() -> None:
    async with running() as (app, pilot, _engine):
        app.screen.query_one(TaskView).select(first_row(app, type="shard_repair").id)
        await burst(pilot, "w", "enter")
        assert isinstance(app.screen, WaitDialog)


async def test_keys_after_a_burst_still_work_once_the_dialog_is_open() -> None:
    async with running() as (app, pilot, engine):
        root = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        app.screen.query_one(TaskView).select(root.id)
        await burst(pilot, "a", "enter")
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert engine.tm.tasks[root.id].finished


async def test_keys_after_enter_in_a_burst_go_back_to_the_task_view() -> None:
    async with running() as (app, pilot, _engine):
        await burst(pilot, "/balance", "enter", "i")
        assert app.screen.query_one(FilterBar).value == "balance"
        assert app.show_internal and app.screen.query_one(TaskView).has_focus


async def test_text_pasted_right_after_slash_lands_in_the_filter() -> None:
    async with running() as (app, pilot, _engine):
        app.post_message(key_event("/"))
        app.post_message(events.Paste("balance"))
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one(FilterBar).value == "balance"


async def test_shortcut_letters_typed_slowly_into_the_filter_stay_text() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("slash", "q", "a", "c")
        assert app.is_running and app.screen.query_one(FilterBar).value == "qac"
