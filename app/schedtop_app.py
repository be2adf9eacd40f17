"""The schedtop Textual app: wires one Source to the screens, runs the refresh loop, and carries out the actions.

Data flows one way: a timer asks the refresh loop (:mod:`app.refresh`, no Textual in it) what is due and runs those
fetches as workers, the client model applies each snapshot, and the visible screen's widgets update by key. Key
bindings come from the registry in :mod:`app.bindings`; the actions live by family in :mod:`app.actions`, mixed in
here; every action checks the full client model, not what a filtered view shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from widgets.too_small import TooSmall

from . import bindings
from .actions.forms import FormActions
from .actions.schedule import ScheduleActions
from .actions.supervisor import SupervisorActions
from .actions.tasks import TaskActions
from .actions.view import ViewActions
from .bindings import BindingSpec, active_specs, display_key, keymap, textual_bindings
from .client_model import Changes, ClientModel
from .collector import resume_after_start_up
from .commands import BindingCommands, NodeCommands
from .config import Config
from .dashboard import Dashboard, ShownScreen
from .nodes import Node, default_node_name, describe_error
from .refresh import Clock, RefreshLoop, utcnow
from .screens.base import MIN_HEIGHT, MIN_WIDTH, DataScreen, Follower
from .screens.main import MainScreen
from .screens.nodes import NodesScreen
from .screens.tasks import TasksScreen

if TYPE_CHECKING:
    from engine.alerts.alertmanager import AlertmanagerSender
from .sources.base import Source
from .typeahead import OrderedKeys

ANSI_THEME = "ansi-dark"
GC_PAUSE_LIMIT = 3.0
PREFETCH_LIMIT = 2.0
"""Seconds a remote node's first snapshot may hold back the first frame (it takes ~1–2 s for 100 000 tasks)."""
"""Seconds after mounting by which the start-up's pause of the cyclic collector ends even if no data came."""
Sources = Source | Sequence[tuple[str, Source]]
"""One source, or (name, source) pairs — one node each, the first shown first."""

__all__ = ["SchedtopApp", "describe_error"]


_REGISTRY_CALLS = frozenset(spec.call for spec in bindings.REGISTRY)


def _plot_screen() -> Screen[Any]:
    # Imported when first shown: plotext alone is ~30 ms of the start-up.
    from .screens.plot import PlotScreen

    return PlotScreen()


def _jobs_screen() -> Screen[Any]:
    from .screens.jobs import JobsScreen

    return JobsScreen()


class SchedtopApp(TaskActions, FormActions, SupervisorActions, ScheduleActions, ViewActions, OrderedKeys, App[None]):
    """The dashboard. ``clock`` feeds the header clock and the data's age (tests pass a fixed one)."""

    CSS_PATH = "app.tcss"
    TITLE = "schedtop"
    MODES: ClassVar[dict[str, Any]] = {
        "main": MainScreen,
        "tasks": TasksScreen,
        "plot": _plot_screen,
        "jobs": _jobs_screen,
        "nodes": NodesScreen,
    }
    HORIZONTAL_BREAKPOINTS = [
        (0, "-w-tiny"),
        (MIN_WIDTH, "-w-narrow"),
        (120, "-w-wide"),
        (160, "-w-xwide"),
    ]
    VERTICAL_BREAKPOINTS = [
        (0, "-h-tiny"),
        (MIN_HEIGHT, "-h-short"),
        (30, "-h-tall"),
        (48, "-h-xtall"),
    ]
    COMMANDS = App.COMMANDS | {BindingCommands, NodeCommands}
    BINDINGS: ClassVar[list[BindingType]] = [*textual_bindings(bindings.REGISTRY)]
    """Every registry binding at its default key: ``check_action`` leaves out the ones this run lacks, the config's
    ``[keys]`` moves them through the keymap (both by binding id)."""

    def __init__(
        self,
        source: Sources,
        config: Config | None = None,
        *,
        clock: Clock | None = None,
        auto_refresh: bool = True,
        ansi_color: bool = False,
        alertmanager: str | None = None,
        prefetch_on_load: bool = False,
    ) -> None:
        # Start in the configured screen's mode rather than switching to it once mounted: switch_mode holds every
        # paint back for 50 ms (Textual's delay_update), which dropped the first full frame and left the next
        # paint partial (the header came one layout pass, ~40-100 ms, after the rest).
        self.DEFAULT_MODE = (config or Config()).screen_name  # type: ignore[misc]  # read by App.__init__, per run
        super().__init__(ansi_color=ansi_color)
        if isinstance(source, list | tuple):
            pairs: list[tuple[str, Source]] = list(source)
        else:
            single = cast(Source, source)
            pairs = [(default_node_name(single), single)]
        if not pairs:
            raise ValueError("the dashboard needs at least one source")
        self.config = config or Config()
        self.prefetch_on_load = prefetch_on_load
        """Take the shown node's first snapshot on the app's own loop before the first paint (remote sources: their
        HTTP clients belong to the loop that opens them, so the command line cannot prefetch them beforehand)."""
        self.read_only = self.config.read_only
        self.clock: Clock = clock or utcnow
        # Finished tasks the server forgets (TTL, read-once status) stay listed a while, marked gone, so none vanishes
        # unseen (app.client_model.GONE_KEEP).
        self.refresh_loop = RefreshLoop(
            [Node(name, node_source) for name, node_source in pairs],
            self,
            interval=self.config.refresh,
            live=auto_refresh,
            clock=self.clock,
            log=lambda message: self.log.error(message),
            alert_rules=self.config.alerts,
            alertmanager=self._alertmanager(alertmanager),
        )
        capabilities = frozenset().union(*(node.capabilities for node in self.nodes))
        if len(self.nodes) > 1:
            capabilities |= {bindings.NODES}
        self.specs: list[BindingSpec] = active_specs(capabilities, self.read_only, self.config.keys)
        # Textual's check_action gets (action, arguments), one pair per binding: show_screen('plot') is screen_plot
        self._spec_by_call: dict[tuple[str, tuple[object, ...]], BindingSpec] = {spec.call: spec for spec in self.specs}
        self._spec_by_id = {spec.id: spec for spec in self.specs}
        self.set_keymap(keymap(self.specs))
        self.show_internal = False
        self.command_history: list[str] = []
        self.pending_select: str | None = None
        self._refresh_timer: Timer | None = None
        if self.config.theme and self.config.theme in self.available_themes:
            self.theme = self.config.theme
        elif ansi_color:
            # --ansi: the terminal's own palette, through Textual's ANSI theme (colours are ANSI colour numbers)
            self.theme = ANSI_THEME

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications quote task ids, entities and servers' error messages: plain text unless asked."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    @property
    def notification_messages(self) -> list[str]:
        """The messages of the notifications still on screen, oldest first (Textual keeps no public list)."""
        return [str(notification.message) for notification in self._notifications]

    # -- the nodes and the node shown (kept by the refresh loop) ----------------------------------------------

    @property
    def nodes(self) -> list[Node]:
        return self.refresh_loop.nodes

    @property
    def node_index(self) -> int:
        return self.refresh_loop.index

    @property
    def node(self) -> Node:
        return self.refresh_loop.shown

    @property
    def source(self) -> Source:
        return self.node.source

    @property
    def model(self) -> ClientModel:
        return self.node.model

    @property
    def connection(self) -> str:
        return self.node.connection

    @property
    def last_error(self) -> str:
        return self.node.last_error

    @property
    def last_ok(self) -> datetime | None:
        return self.node.last_ok

    @property
    def paused(self) -> bool:
        return self.refresh_loop.paused

    @property
    def refresh_interval(self) -> float:
        return self.refresh_loop.interval

    # -- start-up and the refresh timer -----------------------------------------------------------------------

    async def on_load(self) -> None:
        """Before the terminal is taken over: the first snapshot, so that the first frame already has the rows.

        A node slower than :data:`PREFETCH_LIMIT` (or down) does not hold the screen back longer: the screen comes
        up, saying what it knows, and the snapshot is shown when it arrives.
        """
        if not self.prefetch_on_load:
            return
        first = asyncio.ensure_future(self.prefetch())
        done, _ = await asyncio.wait([first], timeout=PREFETCH_LIMIT)
        if not done:
            first.add_done_callback(lambda _: self.call_later(self._show_prefetched))

    def _show_prefetched(self) -> None:
        self.push_changes(Changes(full=True))
        self.update_status()
        self.nodes_changed()

    def on_mount(self) -> None:
        self.switch_mode(self.config.screen_name)
        self.set_timer(GC_PAUSE_LIMIT, resume_after_start_up)  # in case no data comes soon
        self.set_interval(0.5, self.tick_status)
        if self.refresh_loop.live:
            self.restart_refresh_timer()
            self.refresh_soon()

    def _alertmanager(self, url: str | None) -> AlertmanagerSender | None:
        if not url:
            return None
        from engine.alerts.alertmanager import AlertmanagerSender  # httpx: only when asked for (start-up time)

        return AlertmanagerSender(url, log=self._alertmanager_trouble)

    def _alertmanager_trouble(self, message: str) -> None:
        """The sender's news (down, failing, back): on screen, as the alerts it is about would have been."""
        self.log.warning(message)
        self.notify(message, title="Alertmanager", severity="warning", timeout=10)

    async def on_unmount(self) -> None:
        if self.refresh_loop.alertmanager is not None:
            await self.refresh_loop.alertmanager.close()
        try:
            await self.source.close()
        except Exception as error:  # closing must not turn quitting into a crash
            self.log.error(f"closing the source failed: {error}")

    def restart_refresh_timer(self) -> None:
        """(Re)start the refresh timer at the loop's interval; only while refreshes run by themselves."""
        if not self.refresh_loop.live:
            return
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
        self._refresh_timer = self.set_interval(self.refresh_loop.interval, self._on_refresh_timer)

    def _on_refresh_timer(self) -> None:
        beat = self.refresh_loop.beat(nodes_screen=self.current_mode == "nodes")
        if beat.shown:
            self.refresh_soon()
        for node in beat.others:
            self._refresh_other(node)

    async def prefetch(self) -> None:
        """Take the shown node's first snapshot before the app runs, so that its first frame already shows data
        (fetched once the screen is up, it came ~150 ms later, behind the screen's own start-up work)."""
        await self.refresh_loop.fetch(self.node)

    @work(group="refresh", exit_on_error=False)
    async def refresh_soon(self) -> None:
        await self.refresh_data()

    @work(exit_on_error=False)
    async def _refresh_other(self, node: Node) -> None:
        await self.refresh_loop.refresh_other(node)

    async def _fetch(self, node: Node) -> Changes | None:
        return await self.refresh_loop.fetch(node)

    async def refresh_node(self, node: Node) -> bool:
        """Fetch one snapshot of ``node``, shown or not; False when that failed (see RefreshLoop.refresh_node)."""
        return await self.refresh_loop.refresh_node(node)

    async def refresh_data(self) -> bool:
        """Fetch and apply one snapshot of the node shown; False (and a disconnected header) when it failed."""
        return await self.refresh_loop.refresh_shown()

    # -- keeping the screens current (the loop's RefreshListener) ---------------------------------------------

    @property
    def followers(self) -> list[Follower]:
        """The screens in the stack that the app keeps current (see :class:`~app.screens.base.Follower`)."""
        return [screen for screen in self.screen_stack if isinstance(screen, Follower)]

    def nodes_changed(self) -> None:
        for screen in self.followers:
            screen.nodes_changed()

    def push_changes(self, changes: Changes) -> None:
        if not gc.isenabled():
            self.call_after_refresh(resume_after_start_up)
        for screen in self.followers:
            screen.data_changed(changes)
        base = self.base_screen
        if isinstance(base, DataScreen) and base.task_view is not None:
            selected = base.task_view.selected_task_id
            if selected and selected in changes.changed:
                self.want_detail(selected)
        if self.pending_select is not None:
            self.select_pending()

    def screen_shown(self, screen: ShownScreen) -> None:
        """A mode's screen came to the front: bring it up to date at once."""
        if screen.synced != self.sync_mark and self.model.latest is not None:
            screen.apply_data(Changes(full=True))
        self.update_status()
        self.refresh_bindings()

    @property
    def sync_mark(self) -> tuple[int, int]:
        """(node, revision) a screen is in sync with."""
        return self.node_index, self.model.revision

    @property
    def base_screen(self) -> Screen[Any]:
        """The current mode's top-level screen (below any dialogs)."""
        return self.screen_stack[0] if self.screen_stack else self.screen

    def has_capability(self, name: str) -> bool:
        return name in self.node.capabilities

    def guard(self, update: Callable[[], object], on_error: Callable[[str], object]) -> None:
        """Run one panel's update; if it fails, the panel shows the error and the rest of the app carries on."""
        try:
            update()
        except Exception as error:
            self.log.error(f"panel update failed: {error!r}")
            with contextlib.suppress(Exception):
                on_error(f"{type(error).__name__}: {error}")

    def on_resize(self) -> None:
        for notice in self.screen.query(TooSmall):
            notice.show_size(self.size.width, self.size.height)

    # -- binding scope ----------------------------------------------------------------------------------------

    def spec_applies(self, spec: BindingSpec) -> bool:
        """The binding works here: its scope is this screen's and the node shown has what it needs."""
        base = self.base_screen
        scopes = base.SCOPES if isinstance(base, DataScreen) else frozenset({bindings.GLOBAL})
        if spec.requires is not None and spec.requires != bindings.NODES and not self.has_capability(spec.requires):
            return False
        return spec.scope in scopes

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        call = (action, tuple(parameters))
        spec = self._spec_by_call.get(call)
        if spec is None:
            # a registry binding missing from this run (read-only, unsupported) does not exist at all: False hides it
            # from the footer and lets its key through, as if it were not bound
            return call not in _REGISTRY_CALLS
        if isinstance(self.screen, ModalScreen) and spec.id != "quit":
            return False
        return self.spec_applies(spec)

    def get_key_display(self, binding: Binding) -> str:
        """A registry binding's key as the help screen shows it (the keymap clears a moved binding's display)."""
        spec = self._spec_by_id.get(binding.id) if binding.id is not None else None
        if spec is not None and binding.key == spec.key:
            return display_key(spec)
        return super().get_key_display(binding)

    async def run_registry_action(self, spec: BindingSpec) -> None:
        await self.run_action(spec.action_string)


if TYPE_CHECKING:
    # The screens and the command providers see the app as a Dashboard (so that they need not import this module):
    # mypy checks here that SchedtopApp is one.
    _AS_DASHBOARD: type[Dashboard] = SchedtopApp
