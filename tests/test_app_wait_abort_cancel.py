"""The wait dialog follows the task it waits for; abort and CANCEL TASK say exactly what they will do or why not."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Button, Input

from app.config import Config
from app.schedtop_app import SchedtopApp
from app.sources.embedded import EmbeddedSource
from engine.model import TaskState, TaskStatus
from tests.app_support import first_row, fixed_clock, open_engine, running, screen_text
from widgets.command_line import CommandLine
from widgets.confirm import ConfirmDialog
from widgets.task_view import TaskView
from widgets.wait_dialog import WaitDialog


class UnansweredWaits(EmbeddedSource):
    """A source whose wait never answers (a long poll the server holds, a proxy that swallowed it)."""

    async def wait(self, task_id: str, timeout: float | None = None) -> TaskStatus:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def close_label(app: SchedtopApp) -> str:
    return str(app.screen.query_one("#wait-close", Button).label)


async def _create_and_select(app: SchedtopApp, pilot: Any, statement: str) -> str:
    await pilot.press("colon")
    app.screen.query_one(Input).value = statement
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await app.refresh_data()
    await pilot.pause()
    task_id = app.screen.query_one(TaskView).selected_task_id
    assert task_id is not None
    return task_id


async def test_the_wait_dialog_shows_the_tasks_state_progress_and_a_bar() -> None:
    async with running() as (app, pilot, _engine):
        row = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        app.screen.query_one(TaskView).select(row.id)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WaitDialog)
        progress = str(app.screen.query_one("#wait-progress").render())
        completed, total = row.status.progress_completed, row.status.progress_total
        assert "running" in progress and f"{completed:,.0f}/{total:,.0f}" in progress and "█" in progress
        assert close_label(app) == "Cancel"


async def test_the_wait_dialogs_progress_follows_each_refresh() -> None:
    async with running() as (app, pilot, engine):
        task_id = await _create_and_select(app, pilot, "CREATE TASK slow TYPE check_disk LOCATION NODE '10.0.0.1';")
        await pilot.press("w")
        await pilot.pause()
        await engine.advance(2)
        await app.refresh_data()
        await pilot.pause()
        status = app.model.rows[task_id].status
        assert 0 < status.progress_completed < status.progress_total
        progress = str(app.screen.query_one("#wait-progress").render())
        assert f"{status.progress_completed:,.0f}/{status.progress_total:,.0f}" in progress


async def test_the_wait_dialog_says_close_once_refreshes_show_the_task_finished() -> None:
    engine = await open_engine()
    app = SchedtopApp(UnansweredWaits(engine=engine), Config(), clock=fixed_clock, auto_refresh=False)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await app.refresh_data()
            await pilot.pause()
            task_id = await _create_and_select(app, pilot, "CREATE TASK quick TYPE rebalance;")
            await pilot.press("w")
            await pilot.pause()
            assert close_label(app) == "Cancel"
            for _ in range(60):
                await engine.advance(30)
                await app.refresh_data()
                await pilot.pause()
                if app.model.rows[task_id].status.state.is_final:
                    break
            assert app.model.rows[task_id].status.state.is_final
            assert close_label(app) == "Close"
            assert "finished:" in screen_text(app)
    finally:
        await engine.close()


async def test_the_wait_dialog_says_close_when_the_wait_failed() -> None:
    async with running() as (app, pilot, engine):
        row = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        app.screen.query_one(TaskView).select(row.id)
        engine.tm.tasks.pop(row.id)  # the server forgets it before the wait reaches it
        await pilot.press("w")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, WaitDialog) and app.screen.error_text
        assert close_label(app) == "Close"


async def test_aborting_a_task_without_children_does_not_mention_children() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("i")
        leaf = first_row(app, state=TaskState.RUNNING, is_abortable=True, children_ids=[])
        assert app.screen.query_one(TaskView).select(leaf.id)
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog)
        assert "child" not in app.screen.body and leaf.id in app.screen.body


async def test_aborting_a_task_with_children_asks_about_them_too() -> None:
    async with running() as (app, pilot, _engine):
        parent = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        assert parent.status.children_ids
        app.screen.query_one(TaskView).select(parent.id)
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog)
        count = len(parent.status.children_ids)
        assert f"and its {count} child task" in app.screen.body


async def test_cancelling_a_task_that_just_finished_says_it_already_finished() -> None:
    async with running() as (app, pilot, engine):
        task_id = await _create_and_select(app, pilot, "CREATE TASK x2 TYPE rebalance;")
        for _ in range(60):
            await engine.advance(30)
            if engine.tm.tasks[task_id].finished:
                break
        await pilot.press("colon")
        app.screen.query_one(Input).value = "CANCEL TASK 'x2'"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CommandLine)
        assert "already finished" in app.screen.error_text and "no distributed task" not in app.screen.error_text
