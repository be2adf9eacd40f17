"""Throughput history per task type (plotext via textual-plotext): tasks per minute or bytes per minute.

Readable at 80×24: the y ticks are round numbers chosen here (whole counts with thousands separators, bytes in
binary units), the x ticks evenly spaced, a log scale for when one busy type flattens the others, a choice of
which types to plot, and a legend of our own below the plot (plotext draws its legend over the data).
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from engine.model import MIGRATE_TYPES, TasksStat, TaskType

from .formatting import exact_number, human_bytes
from .stats_panel import SERIES, series_values

MINUTES = list(range(-19, 1))
"""The x axis: minutes relative to now; 0 is the current, partial minute."""
X_TICKS = [-15, -10, -5, 0]
COLOURS: dict[str, tuple[str, str]] = {
    # task type: (plotext colour, Rich colour of the same hue, for the legend)
    "disk_repair": ("red", "red"),
    "disk_drop": ("magenta", "magenta"),
    "balance": ("cyan", "cyan"),
    "manual_migrate": ("yellow", "yellow"),
    "volume_inspect": ("blue", "blue"),
    "shard_repair": ("green", "green"),
    "blob_delete": ("orange", "dark_orange"),
}
LOG_BASE = {"tasks": 10, "bytes": 1024}


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Evenly spaced round ticks from 0 covering ``top``: steps of 1, 2 or 5 × 10ⁿ, never below 1."""
    if top <= 0:
        return [0, 1]
    raw = top / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, step)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return [int(t) if float(t).is_integer() else t for t in ticks]


def _unit_of(top: float) -> tuple[int, str]:
    """The binary unit bytes up to ``top`` are best labelled in: (bytes per unit, name)."""
    scale, name = 1, "B"
    for candidate in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        if top < scale * 1024:
            break
        scale, name = scale * 1024, candidate
    return scale, name


def task_series(stats: TasksStat) -> dict[str, list[float]]:
    """Finished units per minute for every task type the node reports (the first series of each panel)."""
    result: dict[str, list[float]] = {}
    for task_type in TaskType:
        section = getattr(stats, task_type.value)
        if section is not None:
            result[task_type.value] = [float(v) for v in series_values(section, SERIES[task_type][0])]
    return result


def byte_series(stats: TasksStat) -> dict[str, list[float]]:
    """Bytes moved per minute by each migrate task type."""
    result: dict[str, list[float]] = {}
    for task_type in MIGRATE_TYPES:
        section = getattr(stats, task_type.value)
        if section is not None:
            result[task_type.value] = [float(v) for v in section.stats_per_min.data_amount_byte]
    return result


class ThroughputPlot(PlotextPlot):
    """A line plot with axes; it replots only when its numbers or its settings change."""

    DEFAULT_CSS = """
    ThroughputPlot { height: 1fr; min-height: 6; }
    """

    def __init__(self, metric: str = "tasks", *, id: str | None = None) -> None:
        super().__init__(id=id)
        if metric not in ("tasks", "bytes"):
            raise ValueError("metric is 'tasks' or 'bytes'")
        self.metric = metric
        self.log_scale = False
        self.types: frozenset[str] | None = None
        """The task types to plot; None plots every type the node reports."""
        self._series: dict[str, list[float]] | None = None
        self._error = ""
        self.y_labels: list[str] = []
        self.title_text = ""
        self.plotted: list[str] = []
        self._draw({})

    def show(self, stats: TasksStat | None, error: str = "") -> None:
        series = {} if stats is None else (task_series(stats) if self.metric == "tasks" else byte_series(stats))
        if series == self._series and error == self._error:
            return
        self._error = error
        self._draw(series)
        self.refresh()

    def redraw(self) -> None:
        self._draw(self._series or {})
        self.refresh()

    @property
    def series(self) -> dict[str, list[float]]:
        return dict(self._series or {})

    def _label(self, value: float, unit: tuple[int, str] | None) -> str:
        if unit is None or value == 0:
            return exact_number(round(value))
        scale, name = unit
        amount = value / scale
        return f"{exact_number(round(amount, 1))} {name}"

    def _draw(self, series: dict[str, list[float]]) -> None:
        self._series = series
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        shown = {name: values for name, values in series.items() if self.types is None or name in self.types}
        shown = {name: values for name, values in shown.items() if len(values) == len(MINUTES)}
        what = "finished per minute" if self.metric == "tasks" else "bytes moved per minute"
        title = f"{what}{' (log scale)' if self.log_scale else ''}"
        if self._error:
            title = f"⚠ {self._error}"
        self.title_text = title
        plt.title(title)
        plt.xlabel("minutes ago (0 = current minute)")
        plt.xticks([float(t) for t in X_TICKS], [str(t) for t in X_TICKS])
        top = max((max(values) for values in shown.values()), default=0.0)
        unit = _unit_of(top) if self.metric == "bytes" else None
        if self.log_scale:
            base = LOG_BASE[self.metric]

            def transform(value: float) -> float:
                return math.log(1 + value, base)

            decades = list(range(0, max(1, math.ceil(transform(top))) + 1))
            ticks = [float(d) for d in decades]
            labels = [
                exact_number(base**d) if self.metric == "tasks" else human_bytes(base**d).replace(".0 ", " ")
                for d in decades
            ]
        else:

            def transform(value: float) -> float:
                return value

            scale = unit[0] if unit is not None else 1
            ticks = [t * scale for t in nice_ticks(top / scale)]
            labels = [self._label(t, unit) for t in ticks]
        for name, values in shown.items():
            plt.plot(MINUTES, [transform(v) for v in values], marker="braille", color=COLOURS.get(name, ("white",))[0])
        if not shown:
            plt.plot(MINUTES, [0.0] * len(MINUTES), marker="braille")
        plt.yticks(ticks, labels)
        plt.ylim(ticks[0], ticks[-1])
        self.y_labels = labels
        self.plotted = list(shown)


class ThroughputChart(Vertical):
    """A :class:`ThroughputPlot` with its legend on its own line below it, so the legend never hides data."""

    DEFAULT_CSS = """
    ThroughputChart { height: 1fr; min-height: 8; }
    ThroughputChart > .throughput-legend { height: auto; max-height: 2; padding: 0 1; }
    """

    def __init__(self, metric: str = "tasks", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plot = ThroughputPlot(metric)
        self.legend = Static("", classes="throughput-legend")

    def compose(self) -> ComposeResult:
        yield self.plot
        yield self.legend

    @property
    def legend_text(self) -> str:
        return self._legend().plain

    def show(self, stats: TasksStat | None, error: str = "") -> None:
        self.plot.show(stats, error)
        self._update_legend()

    def set_log_scale(self, on: bool) -> None:
        self.plot.log_scale = on
        self.plot.redraw()

    def set_types(self, types: frozenset[str] | None) -> None:
        self.plot.types = types
        self.plot.redraw()
        self._update_legend()

    def _legend(self) -> Text:
        text = Text()
        for name in self.plot.plotted:
            if text:
                text.append("  ")
            text.append("━ ", style=COLOURS.get(name, ("white", "white"))[1])
            text.append(name)
        hidden = sorted(set(self.plot.series) - set(self.plot.plotted))
        if hidden:
            text.append(f"   (hidden: {', '.join(hidden)})", style="dim")
        return text

    def _update_legend(self) -> None:
        self.legend.update(self._legend())
