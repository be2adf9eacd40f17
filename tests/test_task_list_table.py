"""The task list works like k9s: a table with headers, truthful sorts both ways, quick views, search-next and copy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult

from app.client_model import GONE_KEEP, ClientModel
from app.config import Config
from app.schedtop_app import SchedtopApp
from app.sources.http_schedtop import SchedtopHttpSource
from engine.model import ChildRef, ClusterSummary, Snapshot, TaskRow, TasksStat, TaskState, TaskStatus
from tests.app_support import first_row, fixed_clock, running, screen_text
from widgets.task_detail import TaskDetail
from widgets.task_view import TaskView, module_key

from .http_support import ServedEngine

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def task(
    task_id: str,
    *,
    started: float = 0.0,
    ended: float | None = None,
    state: TaskState = TaskState.RUNNING,
    parent: str = "none",
    module: str = "balance",
    entity: str = "",
    error: str = "",
    children: tuple[tuple[str, str], ...] = (),
    seq: int = 1,
) -> TaskRow:
    return TaskRow(
        module=module,
        status=TaskStatus(
            id=task_id,
            type=module,
            state=state,
            parent_id=parent,
            sequence_number=seq,
            start_time=T0 + timedelta(seconds=started),
            end_time=None if ended is None else T0 + timedelta(seconds=ended),
            entity=entity or f"entity of {task_id}",
            error=error,
            progress_total=10,
            progress_completed=5,
            children_ids=[ChildRef(task_id=child, node=node) for child, node in children],
        ),
    )


def rows_of(*items: TaskRow) -> dict[str, TaskRow]:
    return {item.id: item for item in items}


class ViewApp(App[None]):
    def __init__(self, show_ids: bool = False) -> None:
        super().__init__()
        self.show_ids = show_ids

    def compose(self) -> ComposeResult:
        yield TaskView(show_ids=self.show_ids)


def line_text(view: TaskView, y: int) -> str:
    return "".join(segment.text for segment in view.render_line(y))


def view_text(view: TaskView) -> str:
    """What the task list shows (not the detail pane beside it)."""
    return "\n".join(line_text(view, y) for y in range(view.size.height))


def tasks_shown(view: TaskView) -> list[str]:
    return [key for key in view.line_keys() if key in view.task_tree.rows]


# -- the table ---------------------------------------------------------------------------------------------


async def test_the_list_has_column_headers_with_the_sort_column_marked() -> None:
    async with ViewApp().run_test(size=(100, 8)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows_of(task("a")), None, now=T0)
        await pilot.pause()
        header = line_text(view, 0)
        for label in ("TYPE", "ENTITY", "PROGRESS", "ELAPSED"):
            assert label in header
        assert "STARTED▼" in header  # newest first


async def test_the_newest_task_comes_first_by_default() -> None:
    rows = rows_of(task("old", started=0), task("middle", started=10), task("new", started=20))
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0 + timedelta(seconds=30))
        assert tasks_shown(view) == ["new", "middle", "old"]


async def test_reversing_the_sort_turns_the_list_around_and_the_arrow_with_it() -> None:
    rows = rows_of(task("old", started=0), task("new", started=20))
    async with ViewApp().run_test(size=(100, 8)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0 + timedelta(seconds=30))
        view.reverse_sort()
        await pilot.pause()
        assert tasks_shown(view) == ["old", "new"]
        assert "STARTED▲" in line_text(view, 0)


async def test_clicking_a_column_header_sorts_by_it_and_clicking_again_reverses() -> None:
    rows = rows_of(task("a"), task("b", started=1))
    async with ViewApp().run_test(size=(100, 8)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        await pilot.pause()
        progress = next(column for column in view.columns if column.name == "progress")
        await pilot.click(TaskView, offset=(progress.x + 1, 0))
        assert (view.sort_mode, view.sort_descending) == ("progress", True)
        await pilot.click(TaskView, offset=(progress.x + 1, 0))
        assert (view.sort_mode, view.sort_descending) == ("progress", False)
        assert "PROGRESS▲" in line_text(view, 0)


async def test_the_header_stays_on_top_and_never_hides_the_cursor() -> None:
    rows = rows_of(*(task(f"t{n:03d}", started=n) for n in range(200)))
    async with ViewApp().run_test(size=(100, 10)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        await pilot.pause()
        for keys in (["pagedown"] * 4, ["down"] * 7, ["up"] * 40, ["end"], ["up"] * 12, ["home"], ["down"] * 12):
            await pilot.press(*keys)
            assert "STARTED▼" in line_text(view, 0)
            shown = [line_text(view, y) for y in range(1, view.size.height)]
            selected = view.task_tree.rows.get(view.selected_key or "")
            assert selected is None or any(f"{selected.status.entity} " in line for line in shown), keys


async def test_sort_by_type_compares_numbers_as_numbers() -> None:
    rows = rows_of(*(task(f"r{n}", entity=f"round {n}", started=-n) for n in (10, 2, 1, 11)))
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        view.set_sort("type")
        assert tasks_shown(view) == ["r1", "r2", "r10", "r11"]


async def test_elapsed_sorts_by_how_long_a_task_ran_not_when_it_started() -> None:
    now = T0 + timedelta(seconds=100)
    rows = rows_of(
        task("early_short", started=0, ended=5, state=TaskState.DONE),
        task("late_long", started=40, ended=90, state=TaskState.DONE),
        task("running_30s", started=70),
    )
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=now)
        view.set_sort("elapsed")
        assert view.sort_descending  # the longest first
        assert tasks_shown(view) == ["late_long", "running_30s", "early_short"]


async def test_a_running_task_moves_up_the_elapsed_sort_as_its_clock_runs() -> None:
    rows = rows_of(task("done_50s", started=0, ended=50, state=TaskState.DONE), task("running", started=60))
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0 + timedelta(seconds=70))
        view.set_sort("elapsed")
        assert tasks_shown(view) == ["done_50s", "running"]
        view.update(rows, [], now=T0 + timedelta(seconds=120))
        assert tasks_shown(view) == ["running", "done_50s"]


async def test_filtered_rows_keep_their_columns_aligned() -> None:
    rows = rows_of(
        task("root", started=0, entity="root entity", children=(("kid", "10.0.0.7"),)),
        task("kid", started=1, parent="root", entity="needle"),
    )
    async with ViewApp(show_ids=True).run_test(size=(80, 8)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0 + timedelta(seconds=5))
        await pilot.pause()
        header = line_text(view, 0)
        column = header.index("ENTITY")
        before = {key: line_text(view, 1 + view.line_keys().index(key)) for key in ("root", "kid")}
        view.set_filter("needle")
        await pilot.pause()
        after = line_text(view, 1 + view.line_keys().index("kid"))
        # a root and its child (one level deeper) start their entity and end their progress in the same cells
        assert before["root"][column:].startswith("root entity")
        assert before["kid"][column:].startswith("10.0.0.7 needle")
        assert before["root"].index("%") == before["kid"].index("%")
        # and filtering moves nothing
        assert after == before["kid"]
        assert line_text(view, 0) == header


async def test_a_task_without_progress_keeps_the_columns_after_its_bar_in_place() -> None:
    known = task("known", started=1)
    unknown = task("unknown", started=2)
    unknown = unknown.model_copy(update={"status": unknown.status.model_copy(update={"progress_total": 0})})
    async with ViewApp().run_test(size=(100, 8)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows_of(known, unknown), None, now=T0 + timedelta(seconds=5))
        await pilot.pause()
        lines = {key: line_text(view, 1 + view.line_keys().index(key)) for key in ("known", "unknown")}
        assert lines["known"].index("00:00:01") == lines["unknown"].index("00:00:02")


# -- what a row says -----------------------------------------------------------------------------------------


async def test_a_child_row_names_the_node_it_runs_on() -> None:
    rows = rows_of(
        task("root", module="distributed", children=(("c1", "10.0.2.1"), ("c2", "10.0.2.2"))),
        task("c1", module="distributed", parent="root", entity="z2"),
        task("c2", module="distributed", parent="root", entity="z2"),
    )
    async with ViewApp().run_test(size=(100, 8)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        await pilot.pause()
        lines = [line_text(view, 1 + view.line_keys().index(key)) for key in ("c1", "c2")]
        assert "10.0.2.1" in lines[0] and "10.0.2.2" in lines[1]


@pytest.mark.parametrize(
    ("needle", "expected"),
    [("aborted", {"stopped"}), ("disk is broken", {"broken"}), ("gone", {"forgotten"}), ("done", {"forgotten"})],
)
async def test_the_filter_matches_states_and_error_text(needle: str, expected: set[str]) -> None:
    rows = rows_of(
        task("stopped", state=TaskState.FAILED, error="aborted", entity="x"),
        task("broken", state=TaskState.FAILED, error="put shard failed: disk is broken", entity="y"),
        task("forgotten", state=TaskState.DONE, entity="z").model_copy(update={"gone": True}),
        task("busy", entity="w"),
    )
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        view.set_filter(needle)
        assert set(tasks_shown(view)) == expected


async def test_the_filter_finds_a_child_by_its_node() -> None:
    rows = rows_of(
        task("root", children=(("c1", "10.0.2.1"), ("c2", "10.0.2.2"))),
        task("c1", parent="root"),
        task("c2", parent="root"),
    )
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        view.set_filter("10.0.2.2")
        assert view.line_keys() == [module_key("balance"), "root", "c2"] and view.task_tree.is_context("root")


def snapshot(revision: int, at: float, rows: list[TaskRow], removed: list[str] | None = None) -> Snapshot:
    return Snapshot(
        revision=revision,
        full=revision == 1,
        taken_at=T0 + timedelta(seconds=at),
        cluster=ClusterSummary(name="c", node="n"),
        stats=TasksStat(),
        modules=["balance"],
        tasks=rows,
        removed=removed or [],
    )


def test_a_finished_task_the_server_forgot_is_kept_for_a_while_not_for_ever() -> None:
    model = ClientModel()
    model.apply(snapshot(1, 0, [task("done", state=TaskState.DONE, ended=0), task("busy")]))
    model.apply(snapshot(2, 10, [], removed=["done"]))
    assert model.rows["done"].gone
    keep = GONE_KEEP.total_seconds()
    changes = model.apply(snapshot(3, 10 + keep - 1, []))
    assert "done" in model.rows and not changes.removed
    changes = model.apply(snapshot(4, 10 + keep, []))
    assert "done" not in model.rows and changes.removed == {"done"} and "busy" in model.rows


def test_a_task_the_source_marks_gone_is_dropped_after_the_same_while() -> None:
    model = ClientModel()
    done = task("done", state=TaskState.DONE, ended=0)
    model.apply(snapshot(1, 0, [done, task("busy")]))
    model.apply(snapshot(2, 10, [done.model_copy(update={"gone": True})]))  # as the ScyllaDB source does
    changes = model.apply(snapshot(3, 10 + GONE_KEEP.total_seconds(), []))
    assert "done" not in model.rows and changes.removed == {"done"}


# -- quick views and search-next (widget) ---------------------------------------------------------------------


async def test_quick_views_show_running_failed_or_unfinished_tasks() -> None:
    rows = rows_of(
        task("run", started=3),
        task("fail", started=2, state=TaskState.FAILED, ended=4),
        task("done", started=1, state=TaskState.DONE, ended=4),
        task("new", started=4, state=TaskState.CREATED),
    )
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0 + timedelta(seconds=5))
        shown = {}
        for name in ("running", "failed", "unfinished", "all"):
            view.set_quick_view(name)
            shown[name] = set(tasks_shown(view))
        assert shown == {
            "running": {"run"},
            "failed": {"fail"},
            "unfinished": {"run", "new"},
            "all": {"run", "fail", "done", "new"},
        }


async def test_search_next_and_previous_skip_context_rows_and_wrap() -> None:
    parents = [task(f"p{n}", started=-n, entity="parent") for n in range(3)]
    children = [task(f"c{n}", started=-n, parent=f"p{n}", entity="hit") for n in range(3)]
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows_of(*parents, *children), None, now=T0)
        view.set_filter("hit")
        assert view.select("c0")
        assert view.search(1) and view.selected_task_id == "c1"  # not its parent p1, shown for context
        assert view.search(1) and view.selected_task_id == "c2"
        assert view.search(1) and view.selected_task_id == "c0"  # wrapped
        assert view.search(-1) and view.selected_task_id == "c2"


async def test_search_without_filter_text_moves_nothing() -> None:
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows_of(task("a"), task("b", started=1)), None, now=T0)
        selected = view.selected_task_id
        assert not view.search(1) and view.selected_task_id == selected


# -- the detail pane -----------------------------------------------------------------------------------------


class DetailApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TaskDetail()


CHILD_IDS = ("b9d2b4bb-17ad-4ade-aa66-9d514677f778", "6b09b499-f78a-4147-8c1c-1a318d59b952")
ROOT_ID = "91f99a3e-3964-4eb8-a69a-10d9cc63b1a9"


async def test_the_detail_lists_each_child_on_its_own_line_with_its_node() -> None:
    root = task(ROOT_ID, children=((CHILD_IDS[0], "10.0.1.1"), (CHILD_IDS[1], "10.0.1.2")))
    async with DetailApp().run_test(size=(56, 40)) as pilot:
        detail = pilot.app.query_one(TaskDetail)
        detail.show(root, now=T0)
        await pilot.pause()
        lines = detail.text.splitlines()
        for child, node in zip(CHILD_IDS, ("10.0.1.1", "10.0.1.2"), strict=True):
            assert any(child in line and node in line for line in lines), detail.text


async def test_task_ids_are_never_broken_across_lines_in_a_narrow_detail_pane() -> None:
    root = task(ROOT_ID, children=((CHILD_IDS[0], "10.0.1.1"),))
    async with DetailApp().run_test(size=(50, 40)) as pilot:
        detail = pilot.app.query_one(TaskDetail)
        detail.show(root, now=T0)
        await pilot.pause()
        assert ROOT_ID in detail.text and CHILD_IDS[0] in detail.text


# -- through the app: keys, status line, copy ------------------------------------------------------------------


async def test_the_task_screen_shows_headers_and_the_sort_in_its_status_line() -> None:
    async with running(size=(120, 30)) as (app, pilot, _engine):
        await pilot.press("2")
        await pilot.pause()
        text = screen_text(app)
        assert "STARTED▼" in text and "sort: started ▼" in text


async def test_shift_s_reverses_the_sort_and_s_moves_to_the_next_column() -> None:
    async with running() as (app, pilot, _engine):
        view = app.screen.query_one(TaskView)
        assert (view.sort_mode, view.sort_descending) == ("started", True)
        await pilot.press("S")
        assert (view.sort_mode, view.sort_descending) == ("started", False)
        await pilot.press("s")
        assert (view.sort_mode, view.sort_descending) == ("elapsed", True)


async def test_v_cycles_the_quick_views_and_the_status_line_says_which() -> None:
    async with running() as (app, pilot, _engine):
        view = app.screen.query_one(TaskView)
        await pilot.press("v")
        await pilot.pause()
        assert view.quick_view == "running" and "view: running" in screen_text(app)
        shown = [app.model.rows[key] for key in view.line_keys() if view.task_tree.is_match(key)]
        assert shown and all(row.status.state is TaskState.RUNNING for row in shown)
        for expected in ("failed", "unfinished", "all"):
            await pilot.press("v")
            assert view.quick_view == expected
        await pilot.pause()
        assert "view: " not in screen_text(app)


async def test_slash_aborted_finds_the_aborted_task() -> None:
    async with running() as (app, pilot, _engine):
        root = first_row(app, type="disk_repair", internal=False, state=TaskState.RUNNING)
        view = app.screen.query_one(TaskView)
        view.select(root.id)
        await pilot.press("a", "y")
        await app.workers.wait_for_complete()
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"aborted", "enter")
        await pilot.pause()
        assert view.filter_text == "aborted"
        assert root.id in tasks_shown(view) and not view.task_tree.is_context(root.id)
        assert [app.model.rows[key].status.error for key in view.task_tree.matches] == ["aborted"]


async def test_ctrl_n_and_ctrl_r_move_the_selection_between_filter_matches() -> None:
    async with running() as (app, pilot, _engine):
        view = app.screen.query_one(TaskView)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"running", "enter")
        await pilot.pause()
        matches = [key for key in view.line_keys() if key in app.model.rows and not view.task_tree.is_context(key)]
        assert len(matches) >= 3
        view.select(matches[0])
        await pilot.press("ctrl+n")
        assert view.selected_task_id == matches[1]
        await pilot.press("ctrl+r", "ctrl+r")
        assert view.selected_task_id == matches[-1]


async def test_y_copies_the_selected_task_id_and_says_so() -> None:
    async with running() as (app, pilot, _engine):
        view = app.screen.query_one(TaskView)
        selected = view.selected_task_id
        assert selected is not None
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == selected
        assert any(selected in str(notification.message) for notification in app._notifications)


async def test_distributed_children_show_their_node_on_screen() -> None:
    async with running(size=(160, 50)) as (app, pilot, engine):
        await engine.execute("CREATE TASK ux_rebuild TYPE rebuild LOCATION CLUSTER z1;")
        await engine.advance(1)
        await app.refresh_data()
        await pilot.pause()
        nodes = {host.ip for host in engine.cluster.hosts.values() if host.idc == "z1"}
        view = app.screen.query_one(TaskView)
        view.set_filter("ux_rebuild")
        await pilot.pause()
        text = view_text(view)
        assert nodes and all(node in text for node in nodes)


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


async def test_distributed_children_show_their_node_against_a_served_engine(served: ServedEngine) -> None:
    served.call(served.engine.execute("CREATE TASK remote_check TYPE check_disk LOCATION CLUSTER z2;"))
    served.advance(1)
    nodes = {host.ip for host in served.engine.cluster.hosts.values() if host.idc == "z2"}
    source = SchedtopHttpSource(served.url)
    await source.open()
    app = SchedtopApp(source, Config(), clock=fixed_clock, auto_refresh=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await app.refresh_data()
        view = app.screen.query_one(TaskView)
        view.set_filter("remote_check")
        await pilot.pause()
        text = view_text(view)
        assert nodes and all(node in text for node in nodes)
