"""Screen 3: throughput history per task type — finished tasks per minute and bytes moved per minute."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Container

from widgets.throughput_plot import ThroughputPlot

from ..client_model import Changes
from .base import DataScreen


class PlotScreen(DataScreen):
    SCREEN_NAME = "plot"

    def compose_body(self) -> ComposeResult:
        with Container(id="plots"):
            yield ThroughputPlot("tasks", id="plot-tasks")
            yield ThroughputPlot("bytes", id="plot-bytes")

    def apply_data(self, changes: Changes) -> None:
        app = self.schedtop
        snapshot = app.model.latest
        if not app.has_capability("stats"):
            for plot in self.query(ThroughputPlot):
                plot.show(None, error="this source reports no per-minute statistics")
            return
        for plot in self.query(ThroughputPlot):
            app.guard(
                lambda plot=plot: plot.show(snapshot.stats if snapshot else None),
                lambda error, plot=plot: plot.show(None, error=error),
            )
