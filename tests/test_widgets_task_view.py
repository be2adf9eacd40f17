"""The line-API task tree: structure, deltas, filter, sort and selection, on hand-made rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from engine.model import TaskRow, TaskState, TaskStatus
from widgets.task_view import TaskView, module_key

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def row(
    task_id: str,
    parent: str = "none",
    module: str = "repair",
    state: TaskState = TaskState.RUNNING,
    internal: bool = False,
    seq: int = 1,
    entity: str = "",
) -> TaskRow:
    return TaskRow(
        module=module,
        internal=internal,
        status=TaskStatus(
            id=task_id,
            type=module,
            state=state,
            parent_id=parent,
            sequence_number=seq,
            start_time=T0,
            entity=entity or f"entity of {task_id}",
            progress_total=10,
            progress_completed=5,
        ),
    )


class ViewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TaskView()


def rows_of(*items: TaskRow) -> dict[str, TaskRow]:
    return {item.id: item for item in items}


async def test_modules_roots_and_children_form_the_tree() -> None:
    rows = rows_of(row("r1", seq=1), row("c1", "r1", internal=True), row("r2", module="compaction"))
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        assert view.line_keys() == [module_key("compaction"), "r2", module_key("repair"), "r1"]
        view.set_show_internal(True)
        assert view.line_keys()[-1] == "c1"


async def test_a_child_that_arrives_before_its_parent_moves_under_it() -> None:
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.set_show_internal(True)
        rows = rows_of(row("c1", "r1"))
        view.update(rows, ["c1"], now=T0)
        assert view.line_keys() == [module_key("repair"), "c1"]
        rows["r1"] = row("r1")
        view.update(rows, ["r1"], now=T0)
        assert view.line_keys() == [module_key("repair"), "r1", "c1"]


async def test_a_progress_change_repaints_only_its_line_and_keeps_the_cursor() -> None:
    rows = rows_of(*(row(f"r{i}", seq=i) for i in range(50)))
    async with ViewApp().run_test(size=(80, 10)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        view.select("r30")
        await pilot.pause()
        layout = view.task_tree._offsets
        offset = view.scroll_offset.y
        rows["r30"] = rows["r30"].model_copy(
            update={"status": rows["r30"].status.model_copy(update={"progress_completed": 9})}
        )
        view.update(rows, ["r30"], now=T0 + timedelta(seconds=1))
        assert view.task_tree._offsets is layout  # no line moved: nothing was laid out again
        assert view.selected_task_id == "r30" and view.scroll_offset.y == offset


async def test_removed_tasks_disappear_and_the_cursor_stays_in_place() -> None:
    rows = rows_of(row("a", seq=1), row("b", seq=2), row("c", seq=3))
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        view.select("b")
        below = view.line_keys()[view.line_keys().index("b") + 1]
        del rows["b"]
        view.update(rows, [], removed=["b"], now=T0)
        assert "b" not in view.line_keys()
        assert view.selected_task_id == below


async def test_filter_keeps_matches_and_their_ancestors() -> None:
    rows = rows_of(row("r1"), row("c1", "r1", entity="disk 42"), row("c2", "r1", entity="disk 7"), row("r2"))
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        view.set_filter("disk 42")
        assert view.line_keys() == [module_key("repair"), "r1", "c1"]
        assert view.hidden_reason("r2") == "it does not match the filter 'disk 42'"


async def test_sort_by_state_puts_running_before_done() -> None:
    rows = rows_of(row("a", state=TaskState.DONE, seq=1), row("b", state=TaskState.RUNNING, seq=2))
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        view.set_sort("started", descending=False)
        assert view.line_keys()[1:] == ["a", "b"]
        view.set_sort("state")
        assert view.line_keys()[1:] == ["b", "a"]


async def test_a_hidden_internal_task_says_why_it_cannot_be_selected() -> None:
    rows = rows_of(row("r1"), row("c1", "r1", internal=True))
    async with ViewApp().run_test() as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        assert not view.select("c1")
        assert "internal" in (view.hidden_reason("c1") or "")


async def test_rows_render_state_icon_progress_and_elapsed_time() -> None:
    rows = rows_of(row("r1", state=TaskState.FAILED))
    async with ViewApp().run_test(size=(100, 5)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0 + timedelta(seconds=75))
        await pilot.pause()
        y = 1 + view.line_keys().index("r1")  # under the header
        line = "".join(segment.text for segment in view.render_line(y))
        assert "✖" in line and "50%" in line and "1m15s" in line


async def test_ten_thousand_tasks_render_only_the_visible_window() -> None:
    rows = rows_of(*(row(f"t{i:05d}", seq=i) for i in range(10_000)))
    async with ViewApp().run_test(size=(100, 20)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows, None, now=T0)
        await pilot.pause()
        assert view.line_count == 10_001
        assert len(view._cache) <= 40  # only lines that were drawn are cached
