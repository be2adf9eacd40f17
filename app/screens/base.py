"""What every data screen shares: the status bar, the too-small notice, the footer, and the refresh hook.

:class:`Follower` is how the app keeps the screens current: after a refresh, a node switch, a header tick or a fetched
migrate detail it tells every follower in the screen stack, synchronously (a test or a selection made right after a
refresh sees the screens updated), and each screen does what that means for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import events, on
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
        self._resumed = False
        self._painted = False
        """Whether a frame of this screen was drawn outside a batch yet (see :meth:`_compositor_refresh`)."""
        self._take_size_classes()

    def _take_size_classes(self) -> None:
        """Start with the breakpoint classes (``-w-xwide``, ``-h-tall``…) Textual would give at the first resize:
        given only then, after the first layout, they restyled every widget and laid the screen out again before the
        first frame (~50 ms of the start-up)."""
        try:
            app = self.app
        except RuntimeError:  # built outside a running app (Textual's NoActiveAppError): the first resize gives them
            return
        width, height = app.size
        for dimension, own, shared in (
            (width, self.HORIZONTAL_BREAKPOINTS, app.HORIZONTAL_BREAKPOINTS),
            (height, self.VERTICAL_BREAKPOINTS, app.VERTICAL_BREAKPOINTS),
        ):
            reached = [(at, name) for at, name in (shared if own is None else own) or [] if dimension >= at]
            if reached:
                self.add_class(max(reached)[1], update=False)

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

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed:
            # Runs before Screen's own handler: the styles were applied when the widgets were mounted a moment ago,
            # so restyling every widget again for the first resume only delayed the first frame (~15-25 ms).
            self._resumed = True
            event.refresh_styles = False
        self.schedtop.screen_shown(self)

    def _compositor_refresh(self) -> None:
        app = self.app
        if app._batch_count and not self._painted and self is app.screen and not app.is_inline:
            # Textual drops every frame drawn inside a batch, and the whole start-up is one: rendering the screen
            # there cost ~30 ms before the first frame for nothing. Repaint it whole at the first idle after it.
            self._repaint_required = True
            return
        self._painted = True
        super()._compositor_refresh()

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
