"""The dashboard's drain key (asks first, absent read-only) and how suspended tasks look: tree, detail, stats panel."""

from __future__ import annotations

import re

from app.config import Config
from app.screens.help import HelpScreen
from app.screens.main import MainScreen
from engine.model import CreateTaskRequest, DistributedType, TaskState
from tests.app_support import first_row, running, screen_text
from widgets.confirm import ConfirmDialog
from widgets.task_view import TaskView


async def test_d_drains_the_selected_tasks_module_after_asking() -> None:
    async with running() as (app, pilot, engine):
        finished = await engine.create_task(CreateTaskRequest(type=DistributedType.REBALANCE))
        await engine.abort_task(finished)
        running_id = await engine.create_task(CreateTaskRequest(type=DistributedType.CHECK_DISK))
        await app.refresh_data()
        await pilot.pause()
        assert app.screen.query_one(TaskView).select(running_id)
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Drain distributed" in screen_text(app)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert finished not in engine.tm.tasks and running_id in engine.tm.tasks
        assert "drained the finished tasks of distributed" in " ".join(app.notification_messages)


async def test_saying_no_drains_nothing() -> None:
    async with running() as (app, pilot, engine):
        finished = await engine.create_task(CreateTaskRequest(type=DistributedType.REBALANCE))
        await engine.abort_task(finished)
        await app.refresh_data()
        await pilot.pause()
        assert app.screen.query_one(TaskView).select(finished)
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("n")
        await app.workers.wait_for_complete()
        assert finished in engine.tm.tasks


async def test_read_only_has_no_drain_and_the_help_screen_lists_it_otherwise() -> None:
    async with running(Config(read_only=True)) as (app, pilot, _engine):
        await pilot.press("D")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Drain the selected" not in screen_text(app)
    async with running(size=(160, 60)) as (app, pilot, _engine):
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = re.search(r"(\S+) +Drain the selected task's module.* drain\b", screen_text(app))
        assert shown is not None and shown.group(1) == "D"


async def test_suspended_tasks_show_in_the_tree_the_detail_and_the_stats_panel() -> None:
    async with running(size=(160, 50)) as (app, pilot, engine):
        root = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        await engine.set_enabled("disk_repair", False)
        await app.refresh_data()
        await pilot.pause()
        assert app.screen.query_one(TaskView).select(root.id)
        await pilot.pause()
        text = screen_text(app)
        suspended = engine.snapshot().suspended["disk_repair"]
        assert f"⏸ {suspended} suspended" in text
        assert any("⏸" in line and "disk_repair" in line for line in text.splitlines())
        assert re.search(r"▏ state +suspended", text)  # the detail pane
        assert "suspended: task type disk_repair" in text
