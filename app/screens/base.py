"""What every data screen shares: the status bar, the too-small notice, the footer, and the refresh hook.

:class:`Follower` is how the app keeps the screens current: after a refresh, a node switch, a header tick or a fetched
migrate detail it tells every follower in the screen stack, synchronously (a test or a selection made right after a
refresh sees the screens updated), and each screen does what that means for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from widgets.filter_bar import FilterBar
from widgets.footer import KeyFooter
from widgets.status_bar import StatusBar, StatusInfo
from widgets.task_view import TaskView
from widgets.too_small import TooSmall

from ..bindings import GLOBAL
from ..client_model import Changes
from ..dashboard import as_dashboard

if TYPE_CHECKING:
    from ..dashboard import Dashboard

W = TypeVar("W", bound=Widget)

MIN_WIDTH = 60
MIN_HEIGHT = 18


class Follower:
    """A screen the app keeps current; every hook does nothing unless the screen needs it."""

    def data_changed(self, changes: Changes) -> None:
        """A snapshot of the node shown was applied to the model."""

    def node_switched(self) -> None:
        """Another node is shown: resync from its model."""

    def detail_arrived(self) -> None:
        """A migrate detail of the node shown was fetched."""

    def nodes_changed(self) -> None:
        """Some node's state (connection, snapshot) changed."""

    def status_changed(self, info: StatusInfo, stale: bool) -> None:
        """The header's information, redrawn (``stale``: the data is old)."""

    def internal_toggled(self, show: bool) -> None:
        """Internal tasks are now shown or hidden."""


class DataScreen(Follower, Screen[None]):
    """A top-level screen that renders the client model; the app calls :meth:`apply_data` after each refresh."""

    SCOPES: ClassVar[frozenset[str]] = frozenset({GLOBAL})
    SCREEN_NAME: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__(id=f"screen-{self.SCREEN_NAME}")
        self.synced: tuple[int, int] | None = None
        """(node, revision) this screen last showed; None before its first data."""
        self._widgets: dict[type, Widget] = {}
        """The widgets :meth:`one` has looked up, by type."""

    @property
    def schedtop(self) -> Dashboard:
        """The app, typed by what the screens use of it (a screen runs only inside :class:`SchedtopApp`)."""
        return as_dashboard(self.app)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield TooSmall(MIN_WIDTH, MIN_HEIGHT)
        with Container(id="body"):
            yield from self.compose_body()
        yield KeyFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        self.schedtop.screen_shown(self)

    def apply_data(self, changes: Changes) -> None:
        """Update the widgets from ``self.schedtop.model``; ``changes.full`` asks for a complete resync."""

    def data_changed(self, changes: Changes) -> None:
        if self.is_mounted:
            self.apply_data(changes)

    def node_switched(self) -> None:
        self.data_changed(Changes(full=True))

    def status_changed(self, info: StatusInfo, stale: bool) -> None:
        bar = self.one(StatusBar)
        if bar is not None:
            bar.show(info)
            self.set_class(stale, "-stale")

    def internal_toggled(self, show: bool) -> None:
        view = self.task_view
        if view is not None:
            view.set_show_internal(show)
            self.filter_changed()

    def one(self, kind: type[W]) -> W | None:
        """The screen's widget of this type (looked up once: a refresh every second must not walk the DOM)."""
        found = self._widgets.get(kind)
        if found is None or not found.is_attached:
            matches = self.query(kind)
            found = matches.first() if matches else None
            if found is not None:
                self._widgets[kind] = found
        return found  # type: ignore[return-value]

    @property
    def task_view(self) -> TaskView | None:
        return self.one(TaskView)

    def open_filter(self) -> None:
        bars = self.query(FilterBar)
        if bars:
            bars.first().open()

    @on(Input.Changed, "FilterBar")
    def filter_typed(self, event: Input.Changed) -> None:
        view = self.task_view
        if view is not None:
            view.set_filter(event.value)
            self.filter_changed()

    def on_filter_bar_closed(self, event: FilterBar.Closed) -> None:
        view = self.task_view
        if view is not None:
            if event.cleared:
                view.set_filter("")
                self.filter_changed()
            view.focus()

    def filter_changed(self) -> None:
        """Hook for screens that show a summary of the view."""
