"""Stats panels, migrations, status bar and formatting, fed with model objects only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult
from textual.widgets import Static

from engine.model import (
    DiskMigration,
    DiskRepairStats,
    ScheduledJob,
    StatsPerMin,
    SupervisorState,
    SupervisorView,
    TasksStat,
    TaskType,
    VolumeInspectStats,
)
from widgets.formatting import bar_text, human_bytes, human_count, human_duration
from widgets.jobs import JobsPanel
from widgets.migrations import MigrationsPanel
from widgets.stats_panel import StatsPanels, TaskTypePanel
from widgets.status_bar import StatusBar, StatusInfo

T0 = datetime(2024, 1, 1, tzinfo=UTC)
GiB = 1024**3


def test_human_units() -> None:
    assert human_bytes(int(3.2 * GiB)) == "3.2 GiB"
    assert human_bytes(512) == "512 B"
    assert human_duration(45) == "45s" and human_duration(723) == "12m03s" and human_duration(3 * 3600 + 420) == "3h07m"
    assert bar_text(0.5, 10).plain == "█████░░░░░" and bar_text(None, 4).plain == "····"


class PanelsApp(App[None]):
    def __init__(self, *widgets: object) -> None:
        super().__init__()
        self.widgets = widgets

    def compose(self) -> ComposeResult:
        yield from self.widgets  # type: ignore[misc]


def rendered(widget: object) -> str:
    return str(widget.render())  # type: ignore[attr-defined]


async def test_a_panel_shows_counts_and_the_last_full_minute_in_human_units() -> None:
    series = [0] * 18 + [int(3.2 * GiB), GiB // 10]
    stats = TasksStat(
        disk_repair=DiskRepairStats(
            preparing_cnt=1, worker_doing_cnt=3, finishing_cnt=0, stats_per_min=StatsPerMin(data_amount_byte=series)
        ),
        volume_inspect=VolumeInspectStats(enable=False),
    )
    panels = StatsPanels()
    async with PanelsApp(panels).run_test(size=(120, 10)) as pilot:
        panels.show(stats)
        await pilot.pause()
        repair = pilot.app.query_one("#panel-disk_repair", TaskTypePanel)
        text = rendered(repair)
        assert "1/3/0" in text and "3.2 GiB/min" in text
        inspect = rendered(pilot.app.query_one("#panel-volume_inspect", TaskTypePanel))
        assert "off" in inspect
        follower = rendered(pilot.app.query_one("#panel-balance", TaskTypePanel))
        assert "not on this node" in follower


REPAIRING = DiskMigration(
    disk_id=7,
    task_type="disk_repair",
    total_tasks_cnt=10,
    migrated_tasks_cnt=4,
    bytes_done=4 * GiB,
    bytes_total=10 * GiB,
    rate_bytes_per_s=GiB / 10,
)
"""Disk 7 repairing: 4 of 10 tasks, 4 of 10 GiB, 100 MiB/s (an ETA of 1m00s)."""


async def test_migrations_update_by_key_and_finished_ones_fade_out() -> None:
    panel = MigrationsPanel(fade_after=60)
    running = REPAIRING
    done = DiskMigration(disk_id=9, task_type="disk_drop", total_tasks_cnt=2, migrated_tasks_cnt=2, finished_at=T0)
    async with PanelsApp(panel).run_test(size=(120, 12)) as pilot:
        panel.show([running, done], now=T0 + timedelta(seconds=30))
        await pilot.pause()
        assert panel.keys == ["disk_repair:7", "disk_drop:9"]
        row = panel.row_text("disk_repair:7")
        assert "40%" in row and "4/10" in row and "1m00s" in row
        panel.show([running.model_copy(update={"migrated_tasks_cnt": 5})], now=T0 + timedelta(seconds=90))
        assert panel.keys == ["disk_repair:7"]
        assert "5/10" in panel.row_text("disk_repair:7")


async def test_a_migration_whose_type_is_suspended_says_so_instead_of_a_rate_and_an_eta() -> None:
    panel = MigrationsPanel()
    repair = REPAIRING
    drop = repair.model_copy(update={"disk_id": 9, "task_type": "disk_drop"})
    async with PanelsApp(panel).run_test(size=(120, 12)) as pilot:
        panel.show([repair, drop], now=T0, suspended={"disk_repair"})
        await pilot.pause()
        suspended, running = panel.row_text("disk_repair:7"), panel.row_text("disk_drop:9")
        assert "suspended" in suspended and "/s" not in suspended and "1m00s" not in suspended
        assert "40%" in suspended and "4/10" in suspended  # progress stays where it stopped
        assert "suspended" not in running and "1m00s" in running and "102.4 MiB/s" in running
        assert panel.border_subtitle == "1 active · 1 suspended"


async def test_status_bar_always_shows_paused_and_a_stale_age_even_when_narrow() -> None:
    bar = StatusBar()
    async with PanelsApp(bar).run_test(size=(60, 3)) as pilot:
        bar.show(
            StatusInfo(
                cluster="c",
                node="n",
                supervisor=SupervisorState.HALTED,
                connection="disconnected",
                data_age=75,
                paused=True,
                clock=T0,
                source="a long description of the source",
            )
        )
        await pilot.pause()
        text = str(bar.render())
        assert "PAUSED" in text and "1m15s" in text and "disconnected" in text and "00:00:00" in text


async def test_status_bar_says_how_far_behind_a_polite_source_is() -> None:
    bar = StatusBar()
    async with PanelsApp(bar).run_test(size=(120, 3)) as pilot:
        bar.show(StatusInfo(cluster="scylla", node="n", connection="connected", data_age=1, clock=T0))
        await pilot.pause()
        assert "behind" not in str(bar.render())
        bar.show(
            StatusInfo(
                cluster="scylla", node="n", connection="connected", data_age=1, clock=T0, behind=1200, behind_oldest=75
            )
        )
        await pilot.pause()
        assert "1,200 behind (oldest 1m15s)" in str(bar.render())


def test_every_task_type_has_a_panel() -> None:
    assert {panel.task_type for panel in StatsPanels().compose()} == set(TaskType)  # type: ignore[attr-defined]


async def test_the_jobs_panel_shows_quarantined_rows_and_how_to_fix_them() -> None:
    fix = "SCHEDULED_JOBS id 2 scheduled_start: '2015-02-30 00:00:00' is not a time; fix the row with UPDATE …"
    view = SupervisorView(
        state=SupervisorState.RUNNING,
        jobs=[ScheduledJob(id=1, name="inspect", task_type="volume_inspect", scheduled_start=T0, interval_seconds=60)],
        last_error="1 row of the schedule cannot be read and is held back",
        quarantined=[fix],
    )
    panel = JobsPanel()
    async with PanelsApp(panel).run_test(size=(160, 30)) as pilot:
        panel.show(view)
        await pilot.pause()
        note = pilot.app.query_one(".jobs--note", Static)
        assert note.display
        text = str(note.render())
        assert "cannot be read" in text and "fix the row with UPDATE" in text


def test_counts_are_exact_with_thousands_separators_until_they_no_longer_fit() -> None:
    assert human_count(950) == "950"
    assert human_count(59_123) == "59,123"
    assert human_count(2_200) == "2,200"
    assert human_count(9_999_999) == "9,999,999"
    assert human_count(12_345_678) == "12.3M"
