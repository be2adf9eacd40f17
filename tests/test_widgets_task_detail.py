"""The detail pane never cuts a value so that it reads as another: words wrap whole, nothing is dropped at the
scrollbar, and numbers are exact (thousands separators, bytes in binary units, never scientific notation)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from textual.app import App, ComposeResult

from engine.model import MigrateTaskDetail, TaskRow, TaskState, TaskStatus
from widgets.task_detail import TaskDetail, fold

FIXTURES = Path(__file__).parent / "fixtures"


class DetailApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TaskDetail(id="detail")


def screen_lines(pane: TaskDetail) -> list[str]:
    """What the terminal shows of the pane, scrolled line by line from the top."""
    lines: list[str] = []
    for top in range(0, max(1, pane.virtual_size.height)):
        pane.scroll_to(y=top, animate=False, immediate=True)
        lines.append(pane.render_line(0).text.rstrip())
    return lines


def detail_row() -> TaskRow:
    status = TaskStatus(
        id="3f2a9c1e-0000-4000-8000-000000000001",
        type="disk_repair",
        state=TaskState.RUNNING,
        entity="volume 1015 chunk 2 epoch 4 on disk 116 at http://10.0.0.4:8889",
        error="worker redo: read from http://10.0.0.4:8889 disk 116 failed (vid 1015, index 2, epoch 4)",
        progress_total=9_347_470_000,
        progress_completed=1_234_567,
        progress_units="bytes",
    )
    return TaskRow(module="disk_repair", status=status)


async def test_wrapped_values_keep_every_word_whole_and_every_character_with_a_scrollbar() -> None:
    row = detail_row()
    detail = MigrateTaskDetail.model_validate(json.loads((FIXTURES / "cubefs_task_detail.json").read_text()))
    async with DetailApp().run_test(size=(60, 12)) as pilot:
        pane = pilot.app.query_one(TaskDetail)
        pane.show(row, detail)
        await pilot.pause()
        assert pane.virtual_size.height > pane.size.height, "the pane scrolls, so a scrollbar is shown"
        shown = " ".join(line.strip() for line in screen_lines(pane))
    squeezed = re.sub(r"\s+", " ", shown)
    assert row.status.error in squeezed
    assert row.status.entity in squeezed
    for source in detail.task.sources:
        assert f"{source.vuid} @ {source.host} disk {source.disk_id}" in squeezed


def test_fold_breaks_at_spaces_and_chops_only_words_longer_than_a_line() -> None:
    lines = fold([("read from disk 116 failed", "")], 12)  # type: ignore[list-item]
    texts = ["".join(text for text, _ in line) for line in lines]
    assert [text.strip() for text in texts] == ["read from", "disk 116", "failed"]
    long = fold([("a" * 30, "")], 12)  # type: ignore[list-item]
    assert "".join("".join(t for t, _ in line) for line in long) == "a" * 30


async def test_progress_numbers_are_exact_with_separators_and_units() -> None:
    async with DetailApp().run_test(size=(100, 40)) as pilot:
        pane = pilot.app.query_one(TaskDetail)
        pane.show(detail_row())
        await pilot.pause()
        text = pane.text
    assert "e+" not in text
    assert "9,347,470,000" in text and "1,234,567" in text
    assert "8.7 GiB" in text  # progress_units bytes: the total in binary units beside the exact count
