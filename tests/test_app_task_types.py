"""Pilot tests: turning background task types on and off from the main screen (1), with a confirmation."""

from __future__ import annotations

from textual.pilot import Pilot

from app.config import Config
from app.schedtop_app import SchedtopApp
from app.screens.main import MainScreen
from engine.model.task_types import SWITCHABLE_TYPES
from tests.app_support import running, screen_text
from widgets.confirm import ConfirmDialog
from widgets.task_types_dialog import TaskTypesDialog


async def open_dialog(app: SchedtopApp, pilot: Pilot[None]) -> TaskTypesDialog:
    await pilot.press("o")
    await pilot.pause()
    assert isinstance(app.screen, TaskTypesDialog)
    return app.screen


async def test_o_lists_every_switchable_type_with_its_state() -> None:
    async with running() as (app, pilot, engine):
        await engine.set_enabled("balance", False)
        await engine.set_enabled("rebuild", False)
        await app.refresh_data()
        dialog = await open_dialog(app, pilot)
        text = screen_text(app)
        assert dialog.table.row_keys == list(SWITCHABLE_TYPES)  # manual_migrate has no switch
        for task_type in SWITCHABLE_TYPES:
            assert task_type in text
        assert dialog.states["balance"] is False and dialog.states["rebuild"] is False
        assert dialog.states["disk_repair"] is True and dialog.states["check_disk"] is True
        assert "○ off" in text and "● on" in text


async def test_enter_on_a_type_asks_then_switches_it_off_and_the_list_shows_it() -> None:
    async with running() as (app, pilot, engine):
        dialog = await open_dialog(app, pilot)
        dialog.table.select_key("balance")
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmDialog) and "Switch balance off?" in screen_text(app)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert engine.enabled["balance"] is False
        assert app.screen is dialog and dialog.states["balance"] is False
        assert app.model.latest is not None and app.model.latest.stats.balance.enable is False


async def test_space_switches_a_type_back_on_after_asking() -> None:
    async with running() as (app, pilot, engine):
        await engine.set_enabled("volume_inspect", False)
        await app.refresh_data()
        dialog = await open_dialog(app, pilot)
        dialog.table.select_key("volume_inspect")
        await pilot.press("space")
        assert isinstance(app.screen, ConfirmDialog) and "Switch volume_inspect on?" in screen_text(app)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        assert engine.enabled["volume_inspect"] is True


async def test_a_switch_cancelled_at_the_confirmation_changes_nothing() -> None:
    async with running() as (app, pilot, engine):
        dialog = await open_dialog(app, pilot)
        dialog.table.select_key("disk_repair")
        await pilot.press("enter", "n")
        await app.workers.wait_for_complete()
        assert engine.enabled["disk_repair"] is True
        assert app.screen is dialog
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_read_only_mode_has_no_task_type_switch() -> None:
    async with running(Config(read_only=True)) as (app, pilot, engine):
        before = dict(engine.enabled)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert engine.enabled == before
        assert "task_types" not in {active.binding.id for active in app.screen.active_bindings.values()}
        assert "read-only" in screen_text(app)
