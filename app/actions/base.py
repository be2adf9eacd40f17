"""What the action mixins (:mod:`app.actions`) use of the app, declared for the type checker, and their shared helper.

At run time :class:`AppHost` is a plain ``object`` base; for mypy it is the Textual ``App`` plus the members of
:class:`~app.schedtop_app.SchedtopApp` and of the other mixins that the mixins call, so each mixin type-checks alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from ..nodes import describe_error

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.worker import Worker

    from ..bindings import BindingSpec
    from ..client_model import ClientModel
    from ..config import Config
    from ..nodes import Node
    from ..refresh import Clock, RefreshLoop
    from ..screens.base import Follower
    from ..sources.base import Source
    from ..typeahead import KeyHold

    _Base = App[None]
else:
    _Base = object


class AppHost(_Base):
    if TYPE_CHECKING:  # SchedtopApp's members, and the other mixins', that the mixins use
        specs: list[BindingSpec]
        config: Config
        read_only: bool
        show_internal: bool
        command_history: list[str]
        pending_select: str | None
        refresh_loop: RefreshLoop
        clock: Clock

        @property
        def node(self) -> Node: ...

        @property
        def nodes(self) -> list[Node]: ...

        @property
        def node_index(self) -> int: ...

        @property
        def source(self) -> Source: ...

        @property
        def model(self) -> ClientModel: ...

        @property
        def base_screen(self) -> Screen[Any]: ...

        @property
        def followers(self) -> list[Follower]: ...

        def has_capability(self, name: str) -> bool: ...

        async def refresh_data(self) -> bool: ...

        def refresh_soon(self) -> Worker[None]: ...

        def restart_refresh_timer(self) -> None: ...

        def nodes_changed(self) -> None: ...

        def update_status(self) -> None: ...

        def hold_keys(self) -> KeyHold: ...

        def key_for(self, binding_id: str) -> str | None: ...

        def explain_supervisor_error(self, error: BaseException) -> str: ...

        def select_task(self, task_id: str) -> None: ...

        def selected_task(self) -> str | None: ...

        def want_detail(self, task_id: str | None) -> None: ...

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
