"""What the user sees and how it moves: pause, refresh speed, screens, nodes, the plot's options, help, the header.

The refresh's schedule itself lives in :class:`~app.refresh.RefreshLoop`; these actions change it and redraw the
header (:meth:`ViewActions.update_status`), which every screen's status bar shows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from widgets.status_bar import StatusInfo, is_stale

from ..config import default_path
from .base import AppHost

if TYPE_CHECKING:
    from ..screens.plot import PlotScreen


class ViewActions(AppHost):
    # -- pause and refresh speed ------------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.refresh_loop.paused = not self.refresh_loop.paused
        self.update_status()
        if not self.refresh_loop.paused:
            self.refresh_soon()

    def action_refresh_faster(self) -> None:
        self.refresh_loop.faster()
        self._refresh_changed()

    def action_refresh_slower(self) -> None:
        self.refresh_loop.slower()
        self._refresh_changed()

    def _refresh_changed(self) -> None:
        self.restart_refresh_timer()
        self.update_status()

    # -- screens and nodes ------------------------------------------------------------------------------------

    async def action_show_screen(self, name: str) -> None:
        if name in self.MODES and name != self.current_mode:
            await self.switch_mode(name)

    def action_alerts(self) -> None:
        from ..screens.alerts import AlertsScreen

        if not isinstance(self.screen, AlertsScreen):
            self.push_screen(AlertsScreen())

    def action_acknowledge_alert(self) -> None:
        """The registry's alert_ack, when run from the palette: it acknowledges in the alerts list, if open."""
        from ..screens.alerts import AlertsScreen

        if isinstance(self.screen, AlertsScreen):
            self.screen.action_acknowledge()

    def action_help(self) -> None:
        from ..screens.help import HelpScreen

        self.push_screen(HelpScreen(self.specs, self.read_only, str(self.config.path or default_path())))

    def switch_node(self, index: int) -> None:
        """Show another node: every screen resyncs from that node's own model (kept up to date all along)."""
        if not self.refresh_loop.show(index):
            return
        self.pending_select = None
        for screen in self.followers:
            screen.node_switched()
        self.update_status()
        self.refresh_bindings()
        self.notify(f"node {self.node.name} ({self.node_index + 1}/{len(self.nodes)})", timeout=2)
        if self.refresh_loop.live and not self.refresh_loop.paused:
            self.refresh_soon()

    def action_next_node(self) -> None:
        self.switch_node(self.node_index + 1)

    def action_leader_node(self) -> None:
        leader = self.refresh_loop.leader()
        if leader is None:
            self.notify("no connected node says it is the leader", severity="warning", timeout=4)
            return
        self.switch_node(leader)

    # -- the plot screen --------------------------------------------------------------------------------------

    def _plot(self) -> PlotScreen | None:
        """The plot screen when it is the current one (imported here: it is loaded only once first shown)."""
        from ..screens.plot import PlotScreen

        base = self.base_screen
        return base if isinstance(base, PlotScreen) else None

    def action_plot_log_scale(self) -> None:
        plot = self._plot()
        if plot is not None:
            plot.toggle_log_scale()

    def action_plot_types(self) -> None:
        plot = self._plot()
        if plot is not None:
            plot.choose_types()

    # -- the header -------------------------------------------------------------------------------------------

    def status_info(self) -> StatusInfo:
        node = self.node
        snapshot = node.model.latest
        now = self.clock()
        age = node.age(now)
        speed = snapshot.clock_speed if snapshot is not None else 1.0
        # The data's clock moves on at its own speed since the snapshot was taken; the age stays real time.
        data_now = snapshot.taken_at + timedelta(seconds=(age or 0.0) * speed) if snapshot is not None else now
        supervisor = snapshot.supervisor if snapshot is not None else None
        down = sum(1 for other in self.nodes if other is not node and other.connection == "disconnected")
        # every node's alerts, not only the shown one's: a node down elsewhere is exactly what must not go unseen
        unseen = [alert for _, alert in self.refresh_loop.firing_alerts() if not alert.acknowledged]
        return StatusInfo(
            cluster=snapshot.cluster.name if snapshot else "",
            node=node.name,
            node_position=(self.node_index + 1, len(self.nodes)) if len(self.nodes) > 1 else None,
            nodes_down=down,
            is_leader=snapshot.cluster.is_leader if snapshot else None,
            supervisor=supervisor.state if supervisor is not None and supervisor.configured else None,
            supervisor_configured=supervisor.configured if supervisor is not None else True,
            connection=node.connection,
            error=node.last_error,
            data_age=age,
            refresh=self.refresh_loop.interval,
            paused=self.refresh_loop.paused,
            read_only=self.read_only,
            source=node.source.describe(),
            clock=data_now,
            clock_speed=speed,
            behind=snapshot.lag.behind if snapshot is not None else 0,
            behind_oldest=snapshot.lag.oldest_seconds if snapshot is not None else 0.0,
            alerts=len(unseen),
            alerts_severity=max((alert.severity for alert in unseen), key=lambda s: s.rank, default=None),
        )

    def tick_status(self) -> None:
        """The clock and the data's age move on even when no refresh came (checked twice a second)."""
        if self.refresh_loop.status_due():
            self.update_status()

    def update_status(self) -> None:
        self.refresh_loop.status_drawn()
        info = self.status_info()
        stale = is_stale(info)
        for screen in self.followers:
            screen.status_changed(info, stale)
        if len(self.nodes) > 1:
            self.nodes_changed()
