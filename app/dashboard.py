"""What the screens and the command palette use of the app, as a Protocol.

The screens and the command providers are imported by :mod:`app.schedtop_app`; typing them against
:class:`~app.schedtop_app.SchedtopApp` itself made each import the other. They depend on :class:`Dashboard` instead,
which SchedtopApp satisfies (mypy checks that where SchedtopApp is defined); :func:`as_dashboard` gives them
``self.app`` typed so. The app's action mixins (:mod:`app.actions`) declare what they use in
:class:`app.actions.base.AppHost` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, cast

from engine.model import MigrateTaskDetail, TaskRow

from .bindings import BindingSpec
from .client_model import Changes, ClientModel
from .nodes import Node
from .refresh import RefreshLoop


class ShownScreen(Protocol):
    """What the app needs of a data screen that came to the front, to bring it up to date."""

    @property
    def synced(self) -> tuple[int, int] | None:
        """(node, revision) the screen last showed; None before its first data."""
        ...

    def apply_data(self, changes: Changes) -> None: ...


class Dashboard(Protocol):
    """The app as the screens (app.screens) and the command providers (app.commands) see it."""

    # -- read by the screens and the providers; read-only here so that a property satisfies them too --------
    @property
    def model(self) -> ClientModel: ...

    @property
    def nodes(self) -> list[Node]: ...

    @property
    def node_index(self) -> int: ...

    @property
    def sync_mark(self) -> tuple[int, int]: ...

    @property
    def specs(self) -> list[BindingSpec]: ...

    @property
    def show_internal(self) -> bool: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    @property
    def refresh_loop(self) -> RefreshLoop: ...

    def update_status(self) -> None: ...

    def has_capability(self, name: str) -> bool: ...

    def key_for(self, binding_id: str) -> str | None: ...

    def guard(self, update: Callable[[], object], on_error: Callable[[str], object]) -> None: ...

    # -- screens ------------------------------------------------------------------------------------------------
    def screen_shown(self, screen: ShownScreen) -> None: ...

    def switch_node(self, index: int) -> None: ...

    def want_detail(self, task_id: str | None) -> None: ...

    def open_detail(self, task_id: str) -> None: ...

    def detail_for(self, row: TaskRow | None) -> tuple[MigrateTaskDetail | None, str]: ...

    def request_abort(self, task_id: str) -> None: ...

    def wait_for(self, task_id: str) -> None: ...

    # -- command palette ----------------------------------------------------------------------------------------
    def spec_applies(self, spec: BindingSpec) -> bool: ...

    async def run_registry_action(self, spec: BindingSpec) -> None: ...


def as_dashboard(app: object) -> Dashboard:
    """``self.app`` of a screen or a command provider, as the Dashboard it is (they run only inside SchedtopApp)."""
    return cast(Dashboard, app)
