"""A scroll view whose content grows or shrinks by a few lines among thousands keeps its scrollbar as drawn (the
thumb has not moved by an eighth of a cell), yet scrolls to the new end; a change that moves the thumb redraws it."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App, ComposeResult

from engine.model import TaskRow, TaskState, TaskStatus
from widgets.task_view import TaskView

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def rows(count: int) -> dict[str, TaskRow]:
    return {
        f"t{i:05d}": TaskRow(
            module="repair",
            status=TaskStatus(id=f"t{i:05d}", type="repair", state=TaskState.RUNNING, sequence_number=i, start_time=T0),
        )
        for i in range(count)
    }


class ViewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TaskView(id="tasks")


async def test_a_line_more_among_thousands_leaves_the_scrollbar_undrawn_and_scrolls_to_the_new_end() -> None:
    async with ViewApp().run_test(size=(160, 12)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows(3000), None, now=T0)
        await pilot.pause()
        view.update(rows(3000), None, now=T0)  # the width the vertical scrollbar leaves (the first update's is wider)
        await pilot.pause()
        bar = view.vertical_scrollbar
        redrawn: list[object] = []
        original = bar.refresh
        bar.refresh = lambda *args, **kwargs: redrawn.append(args) or original(*args, **kwargs)  # type: ignore[method-assign]
        more = rows(3001)
        view.update(more, ["t03000"], now=T0)
        assert redrawn == []
        assert bar.window_virtual_size == view.virtual_size.height == 3001 + 2  # a module heading and the header
        view.action_jump(-1)
        await pilot.pause()
        assert view.selected_task_id == "t00000"  # newest first: the oldest is last
        assert view.scroll_offset.y == view.max_scroll_y == view.virtual_size.height - view.size.height


async def test_a_change_that_moves_the_thumb_redraws_the_scrollbar() -> None:
    async with ViewApp().run_test(size=(160, 12)) as pilot:
        view = pilot.app.query_one(TaskView)
        view.update(rows(30), None, now=T0)
        await pilot.pause()
        bar = view.vertical_scrollbar
        redrawn: list[object] = []
        original = bar.refresh
        bar.refresh = lambda *args, **kwargs: redrawn.append(args) or original(*args, **kwargs)  # type: ignore[method-assign]
        view.update(rows(60), [f"t{i:05d}" for i in range(30, 60)], now=T0)
        assert redrawn and bar.window_virtual_size == 60 + 2
