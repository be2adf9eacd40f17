"""Throughput history per task type (plotext via textual-plotext): tasks per minute or bytes per minute."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from engine.model import MIGRATE_TYPES, TasksStat, TaskType

from .stats_panel import SERIES, series_values

MINUTES = list(range(-19, 1))
"""The x axis: minutes relative to now; 0 is the current, partial minute."""

MiB = 1024 * 1024


def task_series(stats: TasksStat) -> dict[str, list[float]]:
    """Finished units per minute for every task type the node reports (the first series of each panel)."""
    result: dict[str, list[float]] = {}
    for task_type in TaskType:
        section = getattr(stats, task_type.value)
        if section is not None:
            result[task_type.value] = [float(v) for v in series_values(section, SERIES[task_type][0])]
    return result


def byte_series(stats: TasksStat) -> dict[str, list[float]]:
    """MiB moved per minute by each migrate task type."""
    result: dict[str, list[float]] = {}
    for task_type in MIGRATE_TYPES:
        section = getattr(stats, task_type.value)
        if section is not None:
            result[task_type.value] = [v / MiB for v in section.stats_per_min.data_amount_byte]
    return result


class ThroughputPlot(PlotextPlot):
    """A line plot with axes and a legend; it replots only when its numbers change."""

    DEFAULT_CSS = """
    ThroughputPlot { height: 1fr; min-height: 8; }
    """

    def __init__(self, metric: str = "tasks", *, id: str | None = None) -> None:
        super().__init__(id=id)
        if metric not in ("tasks", "bytes"):
            raise ValueError("metric is 'tasks' or 'bytes'")
        self.metric = metric
        self._series: dict[str, list[float]] | None = None
        self._error = ""
        self._draw({})

    def show(self, stats: TasksStat | None, error: str = "") -> None:
        series = {} if stats is None else (task_series(stats) if self.metric == "tasks" else byte_series(stats))
        if series == self._series and error == self._error:
            return
        self._error = error
        self._draw(series)
        self.refresh()

    @property
    def series(self) -> dict[str, list[float]]:
        return dict(self._series or {})

    def _draw(self, series: dict[str, list[float]]) -> None:
        self._series = series
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        unit = "tasks / min" if self.metric == "tasks" else "MiB / min"
        title = ("finished per minute" if self.metric == "tasks" else "bytes moved per minute") + " by task type"
        if self._error:
            title = f"⚠ {self._error}"
        plt.title(title)
        plt.xlabel("minutes ago (0 = current minute)")
        plt.ylabel(unit)
        plt.xticks([-19, -15, -10, -5, 0])
        plotted = False
        for name, values in series.items():
            if len(values) == len(MINUTES):
                plt.plot(MINUTES, values, label=name, marker="braille")
                plotted = True
        if not plotted:
            plt.plot(MINUTES, [0.0] * len(MINUTES), label="no data", marker="braille")
