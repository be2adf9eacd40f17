"""The plot screen is readable: even, integer or unit-scaled ticks, a log-scale toggle, a choice of task types,
and a legend beside the data, never over it."""

from __future__ import annotations

import itertools

from textual.app import App, ComposeResult

from engine.model import BalanceStats, DiskRepairStats, StatsPerMin, TasksStat
from widgets.throughput_plot import ThroughputChart, nice_ticks

GiB = 1024**3


def busy_stats() -> TasksStat:
    repaired = [0] * 10 + [87_719, 90_000, 120_000, 80_000, 95_000, 99_000, 101_000, 98_000, 97_000, 40_000]
    balanced = [0] * 10 + [3, 4, 2, 5, 1, 0, 2, 3, 4, 1]
    return TasksStat(
        disk_repair=DiskRepairStats(
            stats_per_min=StatsPerMin(finished_cnt=repaired, data_amount_byte=[v * 64 * 1024 for v in repaired])
        ),
        balance=BalanceStats(stats_per_min=StatsPerMin(finished_cnt=balanced, data_amount_byte=[0] * 20)),
    )


class ChartApp(App[None]):
    def __init__(self, chart: ThroughputChart) -> None:
        super().__init__()
        self.chart = chart

    def compose(self) -> ComposeResult:
        yield self.chart


def test_ticks_are_round_numbers_evenly_spaced() -> None:
    ticks = nice_ticks(2527.0)
    assert ticks[0] == 0 and all(float(t).is_integer() for t in ticks)
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and ticks[-1] >= 2527
    assert nice_ticks(0.0) == [0, 1]


async def test_task_counts_are_labelled_as_whole_numbers_with_separators() -> None:
    chart = ThroughputChart("tasks")
    async with ChartApp(chart).run_test(size=(80, 24)) as pilot:
        chart.show(busy_stats())
        await pilot.pause()
        labels = chart.plot.y_labels
    assert labels and all("." not in label for label in labels)
    assert "120,000" in labels or any("," in label for label in labels)


async def test_bytes_are_labelled_in_binary_units_not_raw_mebibytes() -> None:
    chart = ThroughputChart("bytes")
    async with ChartApp(chart).run_test(size=(80, 24)) as pilot:
        chart.show(busy_stats())
        await pilot.pause()
        labels = chart.plot.y_labels
    assert any(label.endswith("GiB") for label in labels)
    assert not any("87719" in label or "e+" in label for label in labels)


async def test_the_log_scale_toggle_labels_decades() -> None:
    chart = ThroughputChart("tasks")
    async with ChartApp(chart).run_test(size=(80, 24)) as pilot:
        chart.show(busy_stats())
        chart.set_log_scale(True)
        await pilot.pause()
        labels = chart.plot.y_labels
        assert {"1", "10", "100", "1,000"} <= set(labels)
        assert "log" in chart.plot.title_text


async def test_only_the_chosen_task_types_are_plotted_and_in_the_legend() -> None:
    chart = ThroughputChart("tasks")
    async with ChartApp(chart).run_test(size=(80, 24)) as pilot:
        chart.show(busy_stats())
        assert set(chart.plot.plotted) == {"disk_repair", "balance"}
        chart.set_types(frozenset({"balance"}))
        await pilot.pause()
        assert chart.plot.plotted == ["balance"]
        assert chart.legend_text.startswith("━ balance")
        assert "hidden: disk_repair" in chart.legend_text  # a type left out says so


async def test_the_legend_sits_below_the_plot_not_over_it() -> None:
    chart = ThroughputChart("tasks")
    async with ChartApp(chart).run_test(size=(80, 24)) as pilot:
        chart.show(busy_stats())
        await pilot.pause()
        assert chart.legend.region.y >= chart.plot.region.bottom
        assert "disk_repair" in chart.legend_text
