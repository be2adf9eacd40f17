"""The schedtop Textual app: wires one Source to the screens, runs the refresh loop, and carries out the actions.

Data flows one way: a timer asks the source for a snapshot (in a worker, never blocking the UI), the client model
applies it, and the visible screen's widgets update by key. Key bindings come from the registry in
:mod:`app.bindings`; every action checks the full client model, not what a filtered view shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from engine.model import MIGRATE_TYPES, MigrateTaskDetail, TaskRow
from engine.statements import StatementError, parse_create_task, parse_statement
from widgets.command_line import CommandLine
from widgets.confirm import ConfirmDialog
from widgets.create_task_form import CreateTaskForm
from widgets.migrate_form import MigrateForm
from widgets.status_bar import StatusInfo, is_stale
from widgets.task_view import TaskView
from widgets.too_small import TooSmall
from widgets.ttl_form import TtlForm
from widgets.wait_dialog import WaitDialog

from . import bindings
from .bindings import BindingSpec, active_specs, display_key, keymap, textual_bindings
from .client_model import Changes, ClientModel
from .collector import RowFreezer, resume_after_start_up
from .commands import BindingCommands, NodeCommands
from .config import MAX_REFRESH, MIN_REFRESH, Config, default_path
from .dashboard import Dashboard, ShownScreen
from .nodes import Node, default_node_name, describe_error
from .schedule_actions import ScheduleActions
from .screens.base import MIN_HEIGHT, MIN_WIDTH, DataScreen, Follower
from .screens.detail import DetailScreen
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .screens.nodes import NodesScreen
from .screens.tasks import TasksScreen
from .screens.wait import WaitScreen
from .sources import base as caps
from .sources.base import Source
from .typeahead import KeyHold, OrderedKeys

if TYPE_CHECKING:
    from .screens.plot import PlotScreen

REFRESH_STEPS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
MIGRATE_TYPE_NAMES = frozenset(t.value for t in MIGRATE_TYPES)
ANSI_THEME = "ansi-dark"
GC_PAUSE_LIMIT = 3.0
"""Seconds after mounting by which the start-up's pause of the cyclic collector ends even if no data came."""
OTHER_NODES_EVERY = 2.0
"""Seconds between refreshes of the nodes not shown (at most the refresh rate; every refresh on the nodes screen)."""
Clock = Callable[[], datetime]
Sources = Source | Sequence[tuple[str, Source]]
"""One source, or (name, source) pairs — one node each, the first shown first."""

__all__ = ["SchedtopApp", "describe_error"]


_REGISTRY_CALLS = frozenset(spec.call for spec in bindings.REGISTRY)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _plot_screen() -> Screen[Any]:
    # Imported when first shown: plotext alone is ~30 ms of the start-up.
    from .screens.plot import PlotScreen

    return PlotScreen()


def _jobs_screen() -> Screen[Any]:
    from .screens.jobs import JobsScreen

    return JobsScreen()


class SchedtopApp(ScheduleActions, OrderedKeys, App[None]):
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
    ) -> None:
        super().__init__(ansi_color=ansi_color)
        if isinstance(source, list | tuple):
            pairs: list[tuple[str, Source]] = list(source)
        else:
            single = cast(Source, source)
            pairs = [(default_node_name(single), single)]
        if not pairs:
            raise ValueError("the dashboard needs at least one source")
        # Finished tasks the server forgets (TTL, read-once status) stay listed a while, marked gone, so none vanishes
        # unseen (app.client_model.GONE_KEEP).
        self.nodes: list[Node] = [Node(name, node_source) for name, node_source in pairs]
        self.node_index = 0
        self.config = config or Config()
        self.read_only = self.config.read_only
        capabilities = frozenset().union(*(node.capabilities for node in self.nodes))
        if len(self.nodes) > 1:
            capabilities |= {bindings.NODES}
        self.specs: list[BindingSpec] = active_specs(capabilities, self.read_only, self.config.keys)
        # Textual's check_action gets (action, arguments), one pair per binding: show_screen('plot') is screen_plot
        self._spec_by_call: dict[tuple[str, tuple[object, ...]], BindingSpec] = {spec.call: spec for spec in self.specs}
        self._spec_by_id = {spec.id: spec for spec in self.specs}
        self.set_keymap(keymap(self.specs))
        self.clock: Clock = clock or _utcnow
        self.live_refresh = auto_refresh
        self.refresh_interval = self.config.refresh
        self.paused = False
        self.show_internal = False
        self.command_history: list[str] = []
        self.pending_select: str | None = None
        self._refresh_timer: Timer | None = None
        self._others_polled = 0.0
        self._status_drawn = 0.0
        self._freezer = RowFreezer()
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

    # -- the node shown -------------------------------------------------------------------------------------

    @property
    def node(self) -> Node:
        return self.nodes[self.node_index]

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
    def _details(self) -> dict[str, MigrateTaskDetail | str]:
        return self.node.details

    def switch_node(self, index: int) -> None:
        """Show another node: every screen resyncs from that node's own model (kept up to date all along)."""
        index %= len(self.nodes)
        if index == self.node_index:
            return
        self.node_index = index
        self.pending_select = None
        for screen in self.followers:
            screen.node_switched()
        self.update_status()
        self.refresh_bindings()
        self.notify(f"node {self.node.name} ({index + 1}/{len(self.nodes)})", timeout=2)
        if self.live_refresh and not self.paused:
            self.refresh_soon()

    def action_next_node(self) -> None:
        self.switch_node(self.node_index + 1)

    def action_leader_node(self) -> None:
        leaders = [
            i
            for i, node in enumerate(self.nodes)
            if node.model.latest is not None and node.model.latest.cluster.is_leader and node.connection == "connected"
        ]
        if not leaders:
            self.notify("no connected node says it is the leader", severity="warning", timeout=4)
            return
        self.switch_node(leaders[0] if self.node_index not in leaders else self.node_index)

    # -- start-up and the refresh loop ----------------------------------------------------------------------

    def on_mount(self) -> None:
        self.switch_mode(self.config.screen_name)
        self.set_timer(GC_PAUSE_LIMIT, resume_after_start_up)  # in case no data comes soon
        self.set_interval(0.5, self._tick_status)
        if self.live_refresh:
            self._refresh_timer = self.set_interval(self.refresh_interval, self._on_refresh_timer)
            self.refresh_soon()

    async def on_unmount(self) -> None:
        try:
            await self.source.close()
        except Exception as error:  # closing must not turn quitting into a crash
            self.log.error(f"closing the source failed: {error}")

    def _on_refresh_timer(self) -> None:
        if self.paused:
            return
        self.refresh_soon()
        if len(self.nodes) > 1:
            now = asyncio.get_running_loop().time()
            every = (
                self.refresh_interval if self.current_mode == "nodes" else max(OTHER_NODES_EVERY, self.refresh_interval)
            )
            if now - self._others_polled >= every * 0.95:
                self._others_polled = now
                for node in self.nodes:
                    if node is not self.node and not node.fetching:
                        self._refresh_other(node)

    async def prefetch(self) -> None:
        """Take the shown node's first snapshot before the app runs, so that its first frame already shows data
        (fetched once the screen is up, it came ~150 ms later, behind the screen's own start-up work)."""
        await self._fetch(self.node)

    @work(group="refresh", exit_on_error=False)
    async def refresh_soon(self) -> None:
        await self.refresh_data()

    @work(exit_on_error=False)
    async def _refresh_other(self, node: Node) -> None:
        """A node that is not shown: keep its model (and the nodes screen) current; its failures stay its own."""
        await self._fetch(node)
        if node is self.node:  # the user switched to it meanwhile
            self.push_changes(Changes(full=True))
        self._nodes_changed()

    async def _fetch(self, node: Node) -> Changes | None:
        timeout = max(5.0, 3 * self.refresh_interval)
        changes = await node.fetch(timeout, self.clock, self.log.error)
        if changes is not None:
            self._keep_rows_out_of_gc(node, changes)
        return changes

    def _keep_rows_out_of_gc(self, node: Node, changes: Changes) -> None:
        rows = len(node.model.rows)
        self._freezer.rows_arrived(rows, rows if changes.full else len(changes.changed))

    async def refresh_node(self, node: Node) -> bool:
        """Fetch one snapshot of ``node``, shown or not; False when that failed. The node shown is applied like
        :meth:`refresh_data`; another one keeps its own model (and the nodes screen) current, its failures its own."""
        if node is self.node:
            return await self.refresh_data()
        changes = await self._fetch(node)
        self._nodes_changed()
        return changes is not None

    async def refresh_data(self) -> bool:
        """Fetch and apply one snapshot of the node shown; False (and a disconnected header) when it failed."""
        node = self.node
        if node.fetching:
            return False
        changes = await self._fetch(node)
        if changes is not None and node is self.node:
            self.push_changes(changes)
        self.update_status()
        self._nodes_changed()
        return changes is not None

    @property
    def followers(self) -> list[Follower]:
        """The screens in the stack that the app keeps current (see :class:`~app.screens.base.Follower`)."""
        return [screen for screen in self.screen_stack if isinstance(screen, Follower)]

    def _nodes_changed(self) -> None:
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
            self._select_pending()

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

    # -- the header -----------------------------------------------------------------------------------------

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
        return StatusInfo(
            cluster=snapshot.cluster.name if snapshot else "",
            node=node.name,
            node_position=(self.node_index + 1, len(self.nodes)) if len(self.nodes) > 1 else None,
            nodes_down=down,
            is_leader=snapshot.cluster.is_leader if snapshot else None,
            supervisor=supervisor.state if supervisor is not None and supervisor.configured else None,
            supervisor_configured=supervisor.configured if supervisor is not None else True,
            connection=self.connection,
            error=self.last_error,
            data_age=age,
            refresh=self.refresh_interval,
            paused=self.paused,
            read_only=self.read_only,
            source=self.source.describe(),
            clock=data_now,
            clock_speed=speed,
        )

    def _tick_status(self) -> None:
        """The clock and the data's age move on even when no refresh came (paused, slow, down): the header is
        redrawn once a second, by the refresh when there is one, else by this timer (checking twice a second)."""
        refreshing = self.live_refresh and not self.paused and self.refresh_interval <= 1.0
        # while refreshes come every second they draw it; a late one (slow or down source) lets this one take over
        if time.monotonic() - self._status_drawn >= (1.5 if refreshing else 0.98):
            self.update_status()

    def update_status(self) -> None:
        self._status_drawn = time.monotonic()
        info = self.status_info()
        stale = is_stale(info)
        for screen in self.followers:
            screen.status_changed(info, stale)
        if len(self.nodes) > 1:
            self._nodes_changed()

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

    # -- simple actions ---------------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.specs, self.read_only, str(self.config.path or default_path())))

    def _plot(self) -> PlotScreen | None:
        """The plot screen when it is the current one (imported here: it is loaded only once first shown)."""
        from .screens.plot import PlotScreen

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

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        self.update_status()
        if not self.paused:
            self.refresh_soon()

    def _set_refresh(self, seconds: float) -> None:
        self.refresh_interval = max(MIN_REFRESH, min(MAX_REFRESH, seconds))
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = self.set_interval(self.refresh_interval, self._on_refresh_timer)
        self.update_status()

    def action_refresh_faster(self) -> None:
        faster = [step for step in REFRESH_STEPS if step < self.refresh_interval]
        self._set_refresh(faster[-1] if faster else REFRESH_STEPS[0])

    def action_refresh_slower(self) -> None:
        slower = [step for step in REFRESH_STEPS if step > self.refresh_interval]
        self._set_refresh(slower[0] if slower else REFRESH_STEPS[-1])

    async def action_show_screen(self, name: str) -> None:
        if name in self.MODES and name != self.current_mode:
            await self.switch_mode(name)

    def action_toggle_internal(self) -> None:
        self.show_internal = not self.show_internal
        for screen in self.followers:
            screen.internal_toggled(self.show_internal)
        self.notify("internal tasks shown" if self.show_internal else "internal tasks hidden", timeout=2)

    def action_filter(self) -> None:
        base = self.base_screen
        if isinstance(base, DataScreen):
            base.open_filter()

    def _task_list(self) -> tuple[DataScreen, TaskView] | None:
        """The current screen and its task list, when it has one."""
        base = self.base_screen
        if isinstance(base, DataScreen) and base.task_view is not None:
            return base, base.task_view
        return None

    def action_cycle_sort(self) -> None:
        found = self._task_list()
        if found is not None:
            screen, view = found
            view.cycle_sort()
            screen.filter_changed()
            self.notify(f"sorted by {view.sort_label}", timeout=2)

    def action_reverse_sort(self) -> None:
        found = self._task_list()
        if found is not None:
            screen, view = found
            view.reverse_sort()
            screen.filter_changed()
            self.notify(f"sorted by {view.sort_label}", timeout=2)

    def action_cycle_view(self) -> None:
        found = self._task_list()
        if found is not None:
            screen, view = found
            name = view.cycle_quick_view()
            screen.filter_changed()
            self.notify("all tasks" if name == "all" else f"view: {name} tasks", timeout=2)

    def action_search_next(self) -> None:
        self._search(1)

    def action_search_previous(self) -> None:
        self._search(-1)

    def _search(self, direction: int) -> None:
        found = self._task_list()
        if found is None:
            return
        view = found[1]
        if not view.filter_text:
            self.notify("nothing to search for: type a filter with /", severity="warning", timeout=3)
        elif not view.search(direction):
            self.notify(f"no task matches {view.filter_text!r}", severity="warning", timeout=3)

    def action_copy_id(self) -> None:
        task_id = self.selected_task()
        if task_id is None:
            self.notify("select a task to copy its id", severity="warning", timeout=3)
            return
        # OSC 52: the terminal puts it on the clipboard, also over SSH (not every terminal allows it)
        self.copy_to_clipboard(task_id)
        self.notify(f"copied {task_id}", timeout=3)

    def selected_task(self) -> str | None:
        base = self.base_screen
        if isinstance(base, DataScreen) and base.task_view is not None:
            return base.task_view.selected_task_id
        return None

    def action_detail(self) -> None:
        task_id = self.selected_task()
        if task_id is None:
            self.notify("select a task first", severity="warning", timeout=3)
            return
        self.open_detail(task_id)

    def open_detail(self, task_id: str) -> None:
        if isinstance(self.screen, DetailScreen):
            return
        self.want_detail(task_id)
        self.push_screen(DetailScreen(task_id))

    # -- task detail (CubeFS migrate tasks) ------------------------------------------------------------------

    @staticmethod
    def detail_key(row: TaskRow) -> tuple[str, str] | None:
        """(task type, CubeFS task id) when the row is a migrate task whose detail the source can give."""
        for cubefs_id in (row.status.entity, row.status.id):
            task_type = cubefs_id.split("-", 1)[0]
            if task_type in MIGRATE_TYPE_NAMES and cubefs_id != task_type:
                return task_type, cubefs_id
        return None

    def detail_for(self, row: TaskRow | None) -> tuple[MigrateTaskDetail | None, str]:
        if row is None or not self.has_capability(caps.TASK_DETAIL) or self.detail_key(row) is None:
            return None, ""
        cached = self._details.get(row.id)
        if isinstance(cached, str):
            return None, cached
        return cached, ("" if cached is not None else "loading migrate detail …")

    def want_detail(self, task_id: str | None) -> None:
        if task_id is None or not self.has_capability(caps.TASK_DETAIL):
            return
        row = self.model.get(task_id)
        if row is None or self.detail_key(row) is None:
            return
        self._fetch_detail(task_id)

    @work(group="detail", exclusive=True, exit_on_error=False)
    async def _fetch_detail(self, task_id: str) -> None:
        node = self.node
        row = node.model.get(task_id)
        key = self.detail_key(row) if row is not None else None
        if key is None:
            return
        try:
            detail: MigrateTaskDetail | str = await asyncio.wait_for(node.source.task_detail(*key), timeout=10)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            detail = f"migrate detail unavailable: {describe_error(error)}"
        if len(node.details) > 500:
            node.details.clear()
        node.details[task_id] = detail
        if node is not self.node:
            return
        for screen in self.followers:
            screen.detail_arrived()

    # -- running commands against the source ------------------------------------------------------------------

    async def _attempt(self, call: Awaitable[Any], failure: str) -> tuple[bool, Any]:
        """Await a source call; on failure notify ``failure: message`` and return (False, message)."""
        try:
            return True, await call
        except asyncio.CancelledError:
            raise
        except Exception as error:
            message = describe_error(error)
            self.notify(f"{failure}: {message}", severity="error", timeout=8)
            return False, message

    def select_task(self, task_id: str) -> None:
        """Select a task in the current task view once it is in the model (it may arrive with the next refresh)."""
        self.pending_select = task_id
        self._select_pending()

    def _select_pending(self) -> None:
        task_id = self.pending_select
        base = self.base_screen
        if task_id is None or not isinstance(base, DataScreen) or base.task_view is None:
            return
        view = base.task_view
        row = self.model.get(task_id) or self.model.find_by_entity(task_id)
        if row is None:
            return
        self.pending_select = None
        task_id = row.id
        if not view.select(task_id):
            reason = view.hidden_reason(task_id) or "it is not shown"
            self.notify(f"task {task_id} is not in the view: {reason}", timeout=6)

    # abort ---------------------------------------------------------------------------------------------------

    def action_abort(self) -> None:
        task_id = self.selected_task()
        if task_id is None:
            self.notify("select a task to abort first", severity="warning", timeout=3)
            return
        self.request_abort(task_id)

    def request_abort(self, task_id: str) -> None:
        row = self.model.get(task_id)
        if row is None:
            self.notify(f"task {task_id} is no longer known", severity="warning")
            return
        status = row.status
        reason = ""
        if status.state.is_final:
            reason = f"it has already finished ({status.state.value})."
        elif row.gone:
            reason = "the server no longer knows it."
        elif not status.is_abortable:
            reason = (
                f"the task manager marks this {status.type} task as not abortable (is_abortable = false); "
                "abort its parent or cancel the operation instead."
            )
        if reason:
            self.push_screen(
                ConfirmDialog(f"Cannot abort {status.id}", f"It cannot be aborted: {reason}", can_confirm=False)
            )
            return
        children = len(status.children_ids)
        also = f" and its {children} child task{'s' if children > 1 else ''}" if children else ""
        body = f"Abort {status.type} task {status.id} ({status.entity or status.scope}){also}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._abort(task_id)

        self.push_screen(ConfirmDialog("Abort task", body, "Abort"), answered)

    @work(group="abort", exit_on_error=False)
    async def _abort(self, task_id: str) -> None:
        ok, _ = await self._attempt(self.source.abort(task_id), f"abort {task_id} failed")
        if ok:
            self.notify(f"aborted {task_id}", timeout=4)
            await self.refresh_data()

    # wait ----------------------------------------------------------------------------------------------------

    def action_wait(self) -> None:
        task_id = self.selected_task()
        if task_id is None:
            self.notify("select a task to wait for first", severity="warning", timeout=3)
            return
        self.wait_for(task_id)

    def wait_for(self, task_id: str) -> None:
        """Show the task's progress until it finishes (the dialog closes early and stops waiting)."""
        dialog = WaitScreen(task_id, self.clock())
        worker = self._wait(dialog, task_id)

        def closed(_: None) -> None:
            worker.cancel()

        self.push_screen(dialog, closed)
        dialog.show_current()

    @work(group="wait", exit_on_error=False)
    async def _wait(self, dialog: WaitDialog, task_id: str) -> None:
        try:
            status = await self.source.wait(task_id, None)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if dialog.is_attached:
                dialog.show_error(describe_error(error))
            return
        if dialog.is_attached:
            dialog.show_final(status)

    # manual migration ----------------------------------------------------------------------------------------

    def action_manual_migrate(self) -> None:
        def done(task_id: str | None) -> None:
            if task_id:
                self.notify(f"manual migration queued: {task_id}", timeout=6)
                self.select_task(task_id)
                self.refresh_soon()

        self.push_screen(MigrateForm(), done)

    @on(MigrateForm.Submitted)
    def _migrate_submitted(self, event: MigrateForm.Submitted) -> None:
        self._add_migration(event.form, event.request.vuid, event.request.direct_download)

    @work(group="migrate", exit_on_error=False)
    async def _add_migration(self, form: MigrateForm, vuid: int, direct: bool) -> None:
        try:
            task_id = await self.source.add_manual_migrate(vuid, direct)
        except Exception as error:
            form.show_error(describe_error(error))
            return
        form.dismiss(task_id)

    # supervisor ----------------------------------------------------------------------------------------------

    def action_halt(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._supervisor("halt")

        body = "Halt the supervisor? No new job runs start; a running job blocks until restart."
        self.push_screen(ConfirmDialog("Halt supervisor", body, "Halt"), answered)

    def action_restart(self) -> None:
        self._supervisor("restart")

    @work(group="supervisor", exit_on_error=False)
    async def _supervisor(self, verb: str) -> None:
        call = self.source.halt() if verb == "halt" else self.source.restart()
        try:
            state = await call
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # Without a schedule this says which key adds a job (`schedtop serve` without --demo has none).
            self.notify(f"{verb} failed: {self.explain_supervisor_error(error)}", severity="error", timeout=8)
            return
        self.notify(f"supervisor {getattr(state, 'value', state)}", timeout=4)
        await self.refresh_data()

    # create / cancel tasks -----------------------------------------------------------------------------------

    def action_create_task(self) -> None:
        def done(task_id: str | None) -> None:
            if task_id:
                self.notify(f"created task {task_id}", timeout=6)
                self.select_task(task_id)
                self.refresh_soon()

        self.push_screen(CreateTaskForm(), done)

    @on(CreateTaskForm.Submitted)
    def _create_submitted(self, event: CreateTaskForm.Submitted) -> None:
        try:
            request = parse_create_task(event.statement)
        except StatementError as error:
            event.form.show_error(str(error))
            return
        self._create(event.form, request)

    @work(group="create", exit_on_error=False)
    async def _create(self, form: CreateTaskForm, request: Any) -> None:
        try:
            task_id = await self.source.create_task(request)
        except Exception as error:
            form.show_error(describe_error(error))
            return
        form.dismiss(task_id)

    def action_command_line(self) -> None:
        def done(task_id: str | None) -> None:
            if task_id:
                self.select_task(task_id)
                self.refresh_soon()

        self.push_screen(CommandLine(self.command_history), done)

    @on(CommandLine.Submitted)
    def _command_submitted(self, event: CommandLine.Submitted) -> None:
        try:
            parse_statement(event.text)
        except StatementError as error:
            event.line.show_error(str(error))
            return
        self._execute(event.line, event.text)

    @work(group="command", exit_on_error=False)
    async def _execute(self, line: CommandLine, text: str) -> None:
        try:
            result = await self.source.execute(text)
        except Exception as error:
            line.show_error(describe_error(error))
            return
        verb = {"create": "created", "cancel": "cancelled"}.get(result.action, result.action)
        self.notify(result.message or f"{verb} task {result.name or result.task_id}", timeout=6)
        line.dismiss(result.task_id if result.action == "create" else None)

    # TTL -----------------------------------------------------------------------------------------------------

    def action_ttl(self) -> None:
        # the form opens once both TTLs are read: what is typed meanwhile is meant for it
        self._open_ttl(self.hold_keys())

    @work(group="ttl", exit_on_error=False)
    async def _open_ttl(self, hold: KeyHold) -> None:
        with hold:
            ok, ttl = await self._attempt(self.source.get_ttl(), "cannot read task_ttl")
            if not ok:
                return
            user_ttl = None
            if self.has_capability(caps.USER_TTL):
                ok, user_ttl = await self._attempt(self.source.get_user_ttl(), "cannot read user_task_ttl")
                if not ok:
                    return
            self.push_screen(TtlForm(ttl, user_ttl))

    @on(TtlForm.Submitted)
    def _ttl_submitted(self, event: TtlForm.Submitted) -> None:
        self._set_ttl(event.form, event.ttl, event.user_ttl)

    @work(group="ttl", exit_on_error=False)
    async def _set_ttl(self, form: TtlForm, ttl: int, user_ttl: int | None) -> None:
        try:
            changes = []
            if ttl != form.ttl:
                previous = await self.source.set_ttl(ttl)
                changes.append(f"task_ttl {previous} → {ttl}")
            if user_ttl is not None and user_ttl != form.user_ttl:
                previous = await self.source.set_user_ttl(user_ttl)
                changes.append(f"user_task_ttl {previous} → {user_ttl}")
        except Exception as error:
            form.show_error(describe_error(error))
            return
        self.notify(", ".join(changes) or "TTLs unchanged", timeout=5)
        form.dismiss((ttl, user_ttl))

    # supervisor clean-ups ----------------------------------------------------------------------------------------

    def _selected_result(self):
        from .screens.jobs import JobsScreen

        base = self.base_screen
        return base.selected_result if isinstance(base, JobsScreen) else None

    def action_cleanup_delete(self) -> None:
        self._cleanup("delete")

    def action_cleanup_reschedule(self) -> None:
        self._cleanup("reschedule")

    def _cleanup(self, kind: str) -> None:
        result = self._selected_result()
        if result is None:
            self.notify("select a job result on the jobs screen first", severity="warning", timeout=4)
            return
        start = result.scheduled_start.strftime("%Y-%m-%d %H:%M:%S")
        if kind == "delete":
            title = "Clean-up (a): delete the run"
            body = (
                f"Delete JOB_RESULTS row {result.id} (job {result.job_id}, scheduled_start {start}) and its "
                f"{len(result.partials)} PARTIAL_JOB_RESULTS rows, so the job runs again with the same "
                "scheduled_start? The supervisor must be halted first."
            )
        else:
            title = "Clean-up (b): mark completed and reschedule"
            body = (
                f"Mark the running partial results of job {result.job_id} (run {start}) completed, with result "
                "code 'cleaned up', and move the job's scheduled_start on by its interval? The supervisor must be "
                "halted first."
            )
        if result is not None and not result.hanging:
            body += "\n\nNote: this run is not flagged as hanging."

        def answered(yes: bool | None) -> None:
            if yes:
                self._run_cleanup(kind, result.job_id, result.scheduled_start)

        self.push_screen(ConfirmDialog(title, body, "Clean up"), answered)

    @work(group="cleanup", exit_on_error=False)
    async def _run_cleanup(self, kind: str, job_id: int, scheduled_start: datetime) -> None:
        call: Coroutine[Any, Any, object]
        if kind == "delete":
            call = self.source.cleanup_delete_run(job_id, scheduled_start)
        else:
            call = self.source.cleanup_reschedule(job_id, None)
        ok, _ = await self._attempt(call, "clean-up failed")
        if ok:
            self.notify("clean-up done; restart the supervisor with r", timeout=6)
            await self.refresh_data()


if TYPE_CHECKING:
    # The screens and the command providers see the app as a Dashboard (so that they need not import this module):
    # mypy checks here that SchedtopApp is one.
    _AS_DASHBOARD: type[Dashboard] = SchedtopApp
