"""Screen 3: throughput history per task type — finished tasks per minute and bytes moved per minute.

``l`` toggles a log scale (one busy type no longer flattens the others) and ``f`` chooses the task types shown;
both apply to the two plots and last while the app runs.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Container

from widgets.throughput_plot import ThroughputChart
from widgets.type_picker import TypePicker

from ..bindings import GLOBAL, PLOT
from ..client_model import Changes
from .base import DataScreen


class PlotScreen(DataScreen):
    SCREEN_NAME = "plot"
    SCOPES: ClassVar[frozenset[str]] = frozenset({GLOBAL, PLOT})

    def compose_body(self) -> ComposeResult:
        with Container(id="plots"):
            yield ThroughputChart("tasks", id="plot-tasks")
            yield ThroughputChart("bytes", id="plot-bytes")

    @property
    def log_scale(self) -> bool:
        return self.query_one("#plot-tasks", ThroughputChart).plot.log_scale

    def toggle_log_scale(self) -> None:
        on = not self.log_scale
        for chart in self.query(ThroughputChart):
            chart.set_log_scale(on)
        self.notify(f"log scale {'on' if on else 'off'}", timeout=2)

    def choose_types(self) -> None:
        charts = list(self.query(ThroughputChart))
        known = sorted({name for chart in charts for name in chart.plot.series})
        if not known:
            self.notify("no task types reported yet", severity="warning")
            return

        def chosen(types: frozenset[str] | None) -> None:
            if types is not None:
                for chart in charts:
                    chart.set_types(None if types == frozenset(known) else types)

        self.app.push_screen(TypePicker(known, charts[0].plot.types), chosen)

    def apply_data(self, changes: Changes) -> None:
        app = self.schedtop
        snapshot = app.model.latest
        if not app.has_capability("stats"):
            for chart in self.query(ThroughputChart):
                chart.show(None, error="this source reports no per-minute statistics")
            return
        stats = snapshot.stats if snapshot else None
        for chart in self.query(ThroughputChart):
            app.guard(partial(chart.show, stats), partial(chart.show, None))
