"""Pilot tests: the config's [keys] remaps bindings by id, each screen key is a binding of its own, and the detail
overlay's abort and wait keys act on the task it shows."""

from __future__ import annotations

import re

from app.config import Config
from app.screens.detail import DetailScreen
from app.screens.help import HelpScreen
from app.screens.jobs import JobsScreen
from app.screens.main import MainScreen
from app.screens.plot import PlotScreen
from app.screens.tasks import TasksScreen
from engine.model import TaskState
from tests.app_support import first_row, running, screen_text
from widgets.confirm import ConfirmDialog
from widgets.job_form import AddJobForm
from widgets.task_view import TaskView
from widgets.wait_dialog import WaitDialog


async def test_a_remapped_key_works_and_its_old_key_no_longer_does() -> None:
    async with running(Config(keys={"pause": "z"})) as (app, pilot, _engine):
        await pilot.press("p")
        assert not app.paused
        await pilot.press("z")
        assert app.paused and "PAUSED" in screen_text(app)


async def test_a_remapped_key_shows_in_the_footer_and_the_key_it_shared_keeps_its_other_binding() -> None:
    # a is abort on the task views and add_job on the jobs screen: moving abort must not take add_job with it
    async with running(Config(keys={"abort": "b"})) as (app, pilot, _engine):
        footer = screen_text(app).splitlines()[-1]
        assert "b Abort" in footer and "a Abort" not in footer
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddJobForm)


async def test_a_key_moved_onto_another_scopes_key_leaves_that_binding_working() -> None:
    # d is the jobs screen's clean-up; on the task views it now sorts
    async with running(Config(keys={"sort": "d"})) as (app, pilot, _engine):
        view = app.screen.query_one(TaskView)
        await pilot.press("s")
        assert view.sort_mode == "started"
        await pilot.press("d")
        assert view.sort_mode == "elapsed"
        await pilot.press("4")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        assert "d Delete run" in screen_text(app).splitlines()[-1]  # the jobs screen's clean-up keeps its key


async def test_each_screen_key_is_remapped_on_its_own() -> None:
    async with running(Config(keys={"screen_plot": "7", "screen_jobs": "8"})) as (app, pilot, _engine):
        for key in ("3", "4"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
        for key, screen in (("7", PlotScreen), ("2", TasksScreen), ("8", JobsScreen), ("1", MainScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen)


async def test_each_screen_key_has_its_own_row_in_the_help_screen() -> None:
    async with running(Config(keys={"screen_plot": "7"})) as (app, pilot, _engine):
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = screen_text(app).splitlines()
        for key, words, binding_id in (
            ("1", "Screen 1: stats", "screen_main"),
            ("2", "Screen 2: the full task view", "screen_tasks"),
            ("7", "Screen 3: throughput history", "screen_plot"),
            ("4", "Screen 4: supervisor and jobs", "screen_jobs"),
        ):
            (row,) = [line for line in rows if words in line]
            shown = re.search(rf"(\S+) +{re.escape(words)}.* {binding_id}\b", row)  # key · help · id
            assert shown is not None and shown.group(1) == key, row


async def test_each_screen_key_is_its_own_command_in_the_palette() -> None:
    async with running(Config(keys={"screen_plot": "7"})) as (app, pilot, _engine):
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Screen ")
        await pilot.pause(0.3)
        text = screen_text(app)
        for entry in ("Main: Screen 1", "Tasks: Screen 2", "Plot: Screen 3", "Jobs: Screen 4"):
            assert entry in text
        assert "(key 7)" in text
        await pilot.press(*"3: throughput")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlotScreen)


async def _open_detail(app, pilot, state: TaskState = TaskState.RUNNING) -> str:
    root = first_row(app, type="disk_repair", internal=False, state=state)
    app.screen.query_one(TaskView).select(root.id)
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, DetailScreen)
    return root.id


async def test_the_detail_overlays_a_aborts_the_task_it_shows() -> None:
    async with running() as (app, pilot, engine):
        task_id = await _open_detail(app, pilot)
        assert "a aborts · w waits" in screen_text(app)
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog) and task_id in screen_text(app)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.model.rows[task_id].status.state is TaskState.FAILED and engine.tm.tasks[task_id].finished


async def test_the_detail_overlays_w_waits_for_the_task_it_shows() -> None:
    async with running() as (app, pilot, _engine):
        task_id = await _open_detail(app, pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WaitDialog) and app.screen.task_id == task_id
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)


async def test_the_detail_overlays_keys_follow_the_keymap() -> None:
    async with running(Config(keys={"abort": "b"})) as (app, pilot, _engine):
        await _open_detail(app, pilot)
        assert "b aborts · w waits" in screen_text(app)
        await pilot.press("a")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("b")
        assert isinstance(app.screen, ConfirmDialog)


async def test_read_only_the_detail_overlay_neither_offers_nor_aborts() -> None:
    async with running(Config(read_only=True)) as (app, pilot, _engine):
        await _open_detail(app, pilot)
        text = screen_text(app)
        assert "aborts" not in text and "w waits" in text
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
