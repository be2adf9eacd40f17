"""Random garbage (a seeded generator, so every run types the same) in every dialog field and the command line:
each submission ends in a visible message — an inline error, or the engine's answer — and never in a crash."""

from __future__ import annotations

import random

from textual.widgets import Input

from tests.app_support import running, screen_text
from widgets.command_line import CommandLine
from widgets.create_task_form import CreateTaskForm
from widgets.dialog import Dialog
from widgets.filter_bar import FilterBar
from widgets.migrate_form import MigrateForm
from widgets.task_view import TaskView
from widgets.ttl_form import TtlForm

TRIES = 4
PIECES = (
    "CREATE TASK",
    "CANCEL TASK",
    "TYPE",
    "LOCATION",
    "OPTIONS",
    "SYSTEM",
    "rebuild",
    "'",
    '"',
    ";",
    "[",
    "]",
    "=",
    "--",
    "/*",
    "\\",
    "%s",
    "{0}",
    "\t",
    "  ",
    "-1",
    "0",
    "18446744073709551616",
    "1e309",
    "0x1F",
    "NaN",
    "ℵ",
    "🙂",
    "漢字",
    "שלום",
    "\u200b",
    "\u202e",
    "[bold]markup[/]",
    "$variable",
)


def garbage(rng: random.Random) -> str:
    """Pieces of statements, numbers at the limits, markup, quotes, wide and right-to-left text; sometimes long."""
    parts = [rng.choice(PIECES) for _ in range(rng.randint(1, 8))]
    parts += ["".join(chr(rng.randint(33, 0x2FFF)) for _ in range(rng.randint(0, 12)))]
    rng.shuffle(parts)
    text = "".join(parts)
    return text * 50 if rng.random() < 0.15 else text


async def submit_garbage(
    app: object, pilot: object, dialog_type: type[Dialog], field_ids: list[str], rng: random.Random
):
    """Fill the dialog's fields with garbage and press Enter; return the dialog (or None if it closed)."""
    dialog = app.screen  # type: ignore[attr-defined]
    assert isinstance(dialog, dialog_type)
    for field_id in field_ids:
        field = dialog.query_one(f"#{field_id}", Input)
        if not field.disabled:
            field.value = garbage(rng)
    dialog.query_one(f"#{field_ids[0]}", Input).focus()
    await pilot.press("enter")  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    return app.screen if isinstance(app.screen, dialog_type) else None  # type: ignore[attr-defined]


def answered(app: object, dialog: Dialog | None) -> bool:
    """An inline message in the dialog, or (it closed) a notification with the result."""
    if dialog is not None:
        return bool(str(dialog.message.render()).strip())
    return bool(app.notification_messages)  # type: ignore[attr-defined]


async def test_garbage_in_every_form_field_gets_a_message_and_never_crashes() -> None:
    rng = random.Random(20240101)
    forms = [
        ("m", MigrateForm, ["vuid"]),
        ("c", CreateTaskForm, ["task-name", "location-name", "task-options"]),
        ("t", TtlForm, ["ttl", "user-ttl"]),
    ]
    async with running() as (app, pilot, _engine):
        for key, form_type, fields in forms:
            for _ in range(TRIES):
                if not isinstance(app.screen, form_type):
                    app.clear_notifications()
                    await pilot.press(key)
                    await app.workers.wait_for_complete()
                    await pilot.pause()
                dialog = await submit_garbage(app, pilot, form_type, fields, rng)
                assert app.is_running
                assert answered(app, dialog), f"{form_type.__name__}: no message"
            if isinstance(app.screen, form_type):
                await pilot.press("escape")
        assert "disk_repair" in screen_text(app)  # the dashboard behind is still there


async def test_garbage_on_the_command_line_gets_a_message_and_never_crashes() -> None:
    rng = random.Random(7)
    async with running() as (app, pilot, _engine):
        for _ in range(TRIES * 3):
            if not isinstance(app.screen, CommandLine):
                app.clear_notifications()
                await pilot.press("colon")
            dialog = await submit_garbage(app, pilot, CommandLine, ["command"], rng)
            assert app.is_running
            assert answered(app, dialog), "command line: no message"


async def test_garbage_in_the_filter_never_crashes_the_tree() -> None:
    rng = random.Random(3)
    async with running() as (app, pilot, _engine):
        await pilot.press("slash")
        bar = app.screen.query_one(FilterBar)
        for _ in range(TRIES * 3):
            text = garbage(rng)
            bar.value = text
            await pilot.pause()
            assert app.is_running
            view = app.screen.query_one(TaskView)
            assert view.filter_text == text.strip().lower(), "the tree took the garbage as its filter"
            keys = view.line_keys()
            assert view.line_count == len(keys) and len(set(keys)) == len(keys), "a consistent layout"
            for y in range(view.size.height):  # every visible line renders at the view's full width
                assert view.render_line(y).cell_length == view.size.width
        await pilot.press("escape")
        assert "disk_repair" in screen_text(app)
