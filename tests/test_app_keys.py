"""Pilot tests: every key binding of the dashboard, on a deterministic embedded engine."""

from __future__ import annotations

import re

from app.bindings import REGISTRY
from app.config import Config
from app.screens.detail import DetailScreen
from app.screens.help import HelpScreen
from app.screens.jobs import JobsScreen
from app.screens.main import MainScreen
from app.screens.plot import PlotScreen
from app.screens.tasks import TasksScreen
from engine.model import TaskState
from tests.app_support import add_schedule, first_row, running, screen_text
from widgets.confirm import ConfirmDialog
from widgets.task_view import TaskView

KNOWN_BINDINGS = (
    ("quit", "q"),
    ("help", "?"),
    ("pause", "p"),
    ("screen_tasks", "2"),
    ("filter", "/"),
    ("abort", "a"),
    ("migrate", "m"),
    ("halt", "h"),
    ("restart", "r"),
    ("command", ":"),
)
"""A few bindings the help must list, with the key it shows for each (the help is generated from the registry)."""
NODE_ONLY = {"screen_nodes", "next_node", "leader_node"}


async def test_main_screen_shows_header_panels_tree_and_migrations() -> None:
    async with running() as (app, _pilot, engine):
        text = screen_text(app)
        assert "sim-1 · embedded" in text and "connected" in text and "age 0s" in text
        for task_type in ("disk_repair", "disk_drop", "balance", "manual_migrate", "volume_inspect", "shard_repair"):
            assert task_type in text
        assert "GiB/min" in text
        assert "disk migrations" in text
        assert engine.clock.now().strftime("%H:%M:%S") in text  # the engine's clock, which every time shown uses


async def test_p_pauses_with_a_visible_badge_and_resumes() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("p")
        assert app.paused and "PAUSED" in screen_text(app)
        await pilot.press("p")
        await pilot.pause()
        assert not app.paused and "PAUSED" not in screen_text(app)


async def test_plus_and_minus_change_the_refresh_rate() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("plus")
        assert app.refresh_interval == 0.5
        await pilot.press("minus", "minus")
        assert app.refresh_interval == 2.0
        assert "every 2s" in screen_text(app)


async def test_number_keys_switch_between_the_four_screens() -> None:
    async with running() as (app, pilot, _engine):
        for key, screen in (("2", TasksScreen), ("3", PlotScreen), ("4", JobsScreen), ("1", MainScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen)
        await pilot.press("2")
        await pilot.pause()
        assert "tasks" in screen_text(app) and "sort: started ▼" in screen_text(app)


async def test_i_shows_and_hides_internal_tasks() -> None:
    async with running() as (app, pilot, _engine):
        view = app.screen.query_one(TaskView)
        child = first_row(app, internal=True)
        assert child.id not in view.line_keys()
        await pilot.press("i")
        assert child.id in view.line_keys()
        await pilot.press("i")
        assert child.id not in view.line_keys()


async def test_slash_filters_the_tree_and_escape_clears_it() -> None:
    async with running() as (app, pilot, _engine):
        view = app.screen.query_one(TaskView)
        everything = view.visible_task_count
        await pilot.press("slash", *"balance")
        await pilot.pause()
        shown = [app.model.rows[k] for k in view.line_keys() if k in app.model.rows]
        assert shown and all(row.status.type == "balance" for row in shown)
        assert view.visible_task_count < everything
        await pilot.press("escape")
        assert view.visible_task_count == everything and view.has_focus


async def test_s_cycles_the_sort_column_to_the_right_and_wraps() -> None:
    async with running() as (app, pilot, _engine):
        view = app.screen.query_one(TaskView)
        assert view.sort_mode == "started"
        await pilot.press("s")
        assert view.sort_mode == "elapsed"
        await pilot.press("s")
        assert view.sort_mode == "state"


async def test_enter_opens_the_full_status_and_the_migrate_detail() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("i")
        child = first_row(app, internal=True, type="disk_repair")
        view = app.screen.query_one(TaskView)
        assert view.select(child.id)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        text = screen_text(app)
        for field in ("is_abortable", "progress_completed", "parent_id", "code_mode", "destination", "stat.progress"):
            assert field in text
        assert child.status.entity[:20] in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_a_asks_before_aborting_and_the_task_really_stops() -> None:
    async with running() as (app, pilot, engine):
        root = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        app.screen.query_one(TaskView).select(root.id)
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.model.rows[root.id].status.state is TaskState.FAILED
        assert engine.tm.tasks[root.id].finished


async def test_a_on_a_non_abortable_task_explains_why_and_offers_no_abort() -> None:
    async with running() as (app, pilot, engine):
        consumer = first_row(app, type="shard_repair")
        app.screen.query_one(TaskView).select(consumer.id)
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog)
        text = screen_text(app)
        assert "not abortable" in text and "Abort" not in app.screen.query_one("#dialog").query("Button").first().label
        await pilot.press("escape")
        assert consumer.id in engine.tm.tasks and not engine.tm.tasks[consumer.id].finished


async def test_abort_checks_the_full_model_not_the_filtered_view() -> None:
    async with running() as (app, pilot, _engine):
        hidden = first_row(app, internal=True, state=TaskState.RUNNING)
        assert hidden.id not in app.screen.query_one(TaskView).line_keys()
        app.request_abort(hidden.id)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and hidden.id in screen_text(app)


async def test_h_halts_after_confirmation_and_r_restarts() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        await app.refresh_data()
        await pilot.press("h")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (await engine.supervisor_state()).value == "HALTED"
        assert "HALTED" in screen_text(app)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (await engine.supervisor_state()).value == "RUNNING"
        assert "RUNNING" in screen_text(app)


async def test_h_cancelled_leaves_the_supervisor_running() -> None:
    async with running() as (app, pilot, engine):
        await add_schedule(engine)
        await app.refresh_data()
        await pilot.press("h")
        assert isinstance(app.screen, ConfirmDialog), "h asks before halting"
        assert "Halt the supervisor?" in screen_text(app)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, MainScreen), "n closes the dialog"
        assert (await engine.supervisor_state()).value == "RUNNING"
        assert "HALTED" not in screen_text(app)


async def test_question_mark_lists_every_binding_of_the_registry() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_table = app.screen.query_one("#help-table")
        rows = [strip.text.rstrip() for strip in help_table.render_lines(help_table.region.reset_offset)]
        # A binding's row ends with its id (key · help · id): what the help shows, written out independently of the
        # registry it is generated from, for this source (embedded: no nodes) and a writable config.
        shown = {row.split()[-1] for row in rows if re.search(r"\s[a-z]+(_[a-z]+)*$", row) and "  " in row.strip()}
        expected = {binding_id for binding_id, _key in KNOWN_BINDINGS}
        assert expected <= shown, sorted(expected - shown)
        assert len(shown & {spec.id for spec in REGISTRY}) == len(REGISTRY) - len(NODE_ONLY)
        assert not shown & NODE_ONLY, "the embedded source has no nodes: their keys are not offered"
        for binding_id, key in KNOWN_BINDINGS:
            (row,) = [row for row in rows if row.endswith(f" {binding_id}")]
            assert row.split()[0] == key, row
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_read_only_mode_has_no_mutating_keys_at_all() -> None:
    async with running(Config(read_only=True)) as (app, pilot, _engine):
        bound = {active.binding.id for active in app.screen.active_bindings.values()}
        assert {"abort", "migrate", "halt", "restart", "create", "command", "ttl"}.isdisjoint(bound)
        assert {"quit", "help", "pause", "filter"} <= bound
        for key in ("a", "m", "h", "c", "colon", "t"):
            await pilot.press(key)
            assert isinstance(app.screen, MainScreen)
        footer = screen_text(app).splitlines()[-1]
        assert "Abort" not in footer and "Halt" not in footer and "read-only" in screen_text(app)


async def test_config_file_keys_remap_a_binding_by_id() -> None:
    async with running(Config(keys={"abort": "x"})) as (app, pilot, _engine):
        root = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        app.screen.query_one(TaskView).select(root.id)
        await pilot.press("a")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)


async def test_command_palette_runs_registry_actions() -> None:
    async with running() as (app, pilot, _engine):
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Pause or resume")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.paused


async def test_selection_and_scroll_survive_refreshes() -> None:
    async with running(size=(100, 24)) as (app, pilot, engine):
        await pilot.press("i")
        view = app.screen.query_one(TaskView)
        await pilot.press("pagedown", "pagedown")
        selected, offset = view.selected_key, view.scroll_offset.y
        assert selected is not None and offset > 0
        for _ in range(3):
            await engine.advance(1)
            await app.refresh_data()
            await pilot.pause()
            assert view.selected_key == selected
            assert view.scroll_offset.y > 0  # never reset to the top
            cursor = view.line_keys().index(selected)
            assert view.scroll_offset.y <= cursor < view.scroll_offset.y + view.size.height


async def test_too_small_terminal_says_what_size_it_needs() -> None:
    async with running(size=(50, 14)) as (app, pilot, _engine):
        assert "terminal too small: need 60×18, have 50×14" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "terminal too small" not in screen_text(app) and "disk_repair" in screen_text(app)
