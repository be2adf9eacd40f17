"""Keys typed ahead land where they were typed: one at a time, each after the one before has had its effect.

Textual hands a key to the widget focused *when the key is read*, and the bindings it triggers run later, once the
key has bubbled back up to the app. Keys that arrive together (a paste, a fast typist, SSH packing several keys into
one read) were therefore all handed to the same widget: after ``/`` the rest went to the task tree and on to the
app's shortcuts (``/a⏎`` aborted a task, ``/zq`` quit) instead of into the filter the ``/`` opened, and keys typed
as a dialog opened went to the screen below it or to the dialog's focused button.

:class:`OrderedKeys` (an :class:`~textual.app.App` mixin) holds each key until the one before has been handled: it
has bubbled up and its bindings ran, the messages that set off have been handled (no widget of a shown screen has any
left), the focus it moved has settled, and the screen it opened is mounted and focused. Keys typed before a dialog
was ready go into its text field; a dialog without one (a confirmation) drops them, since nobody can have meant to
answer a question not yet on screen.
"""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from dataclasses import dataclass, field
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[Any]
else:
    _Base = object

TICK = 1 / 60
"""Seconds between checks for what no message reports (a screen mounted, a handled key's widget removed)."""
TURNS = 100
"""Event-loop turns to watch for the widgets to finish a key's messages before leaving that to the ticker."""
KEY_LIMIT = 2.0
"""Seconds a key may take before the next one goes anyway: input must never stay stuck behind a hung handler."""
HOLD_LIMIT = 5.0
"""Seconds a dialog that is still loading (:meth:`OrderedKeys.hold_keys`) may keep the keys typed for it."""

TypedEvent = events.Key | events.Paste


class KeyHandled(Message):
    """Posted to the widget a key went to, right after it: it reaches the app once the key has bubbled up too."""


@dataclass
class _Typed:
    event: TypedEvent
    screen: Screen[Any]
    """The screen on top when the key arrived."""
    ahead: bool
    """It arrived, or waited, while the screen on top was not mounted yet."""
    in_hold: bool


@dataclass
class _InFlight:
    target: Widget | None
    """Where the key went (None: a priority binding handled it on the spot)."""
    marker: object
    since: float = field(default_factory=monotonic)
    handled: bool = False
    """The key has been through every handler and binding; what is left is the messages that set off."""


class KeyHold:
    """Keys typed while a dialog loads wait for it; if no dialog opens after all, they are dropped."""

    def __init__(self, keys: OrderedKeys) -> None:
        self._keys = keys
        self._screen = keys.screen
        self.since = monotonic()
        self.done = False

    def __enter__(self) -> KeyHold:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()

    def release(self) -> None:
        if not self.done:
            self.done = True
            self._keys._hold_released(self, opened=self._keys.screen is not self._screen)


class OrderedKeys(_Base):
    """Mix into the App class before :class:`~textual.app.App`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typed: deque[_Typed] = deque()
        self._in_flight: _InFlight | None = None
        self._holds: list[KeyHold] = []
        self._ready_screen: Screen[Any] | None = None
        self._readying: Screen[Any] | None = None
        self._key_ticker: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, TypedEvent) and not event.is_forwarded:
            self._screen_ready()
            ahead = not self.screen.is_mounted
            self._typed.append(_Typed(event, self.screen, ahead, in_hold=bool(self._active_holds())))
            await self._deliver()
            return
        await super().on_event(event)

    def hold_keys(self) -> KeyHold:
        """Keep the keys typed from now on for a dialog about to open (release the hold once it is pushed)."""
        hold = KeyHold(self)
        self._holds.append(hold)
        return hold

    def on_key_handled(self, message: KeyHandled) -> None:
        self._key_handled(message)

    # -- internals ----------------------------------------------------------------------------------------------

    def _active_holds(self) -> list[KeyHold]:
        now = monotonic()
        self._holds = [hold for hold in self._holds if not hold.done and now - hold.since < HOLD_LIMIT]
        return self._holds

    def _hold_released(self, hold: KeyHold, opened: bool) -> None:
        if not opened:
            self._typed = deque(typed for typed in self._typed if not typed.in_hold)
        self.call_later(self._deliver)

    def _screen_ready(self) -> bool:
        screen = self.screen
        if screen is self._ready_screen:
            return True
        if screen.is_mounted and self._readying is not screen:
            # its on_mount's focus() calls are queued on the app by now: ready once they have run
            self._readying = screen
            self.call_later(self._mark_ready, screen)
        return False

    async def _mark_ready(self, screen: Screen[Any]) -> None:
        if self._readying is screen:
            self._readying = None
            self._ready_screen = screen
        await self._deliver()

    def _key_handled(self, marker: object) -> None:
        flight = self._in_flight
        if flight is not None and flight.marker is marker and not flight.handled:
            flight.handled = True
            self._watch_quiet(flight, 0)

    def _widgets_quiet(self) -> bool:
        """No widget of a shown screen has a message waiting (a filter's Changed, a form's Submitted …)."""
        return not any(
            node.message_queue_size for screen in self.screen_stack for node in screen.walk_children(with_self=True)
        )

    def _watch_quiet(self, flight: _InFlight, turns: int) -> None:
        if flight is not self._in_flight:
            return
        if self._widgets_quiet():
            # and then whatever they queued on the app (a focus() call, say) runs before the key is done
            self.call_later(self._key_done, flight)
        elif turns < TURNS:
            asyncio.get_running_loop().call_soon(self._watch_quiet, flight, turns + 1)

    async def _key_done(self, flight: _InFlight) -> None:
        if flight is not self._in_flight:
            return
        if not self._widgets_quiet():
            self._watch_quiet(flight, 0)
            return
        self._in_flight = None
        await self._deliver()

    async def _deliver(self) -> None:
        while self._typed and self._in_flight is None and not self._active_holds():
            if not self._screen_ready():
                if not self.screen.is_mounted:
                    for typed in self._typed:
                        typed.ahead = True
                break
            typed = self._typed.popleft()
            screen = self.screen
            if (typed.ahead or typed.screen is not screen) and self._drops_typed_ahead(screen):
                continue
            await self._dispatch(typed.event)
        self._tick_while_waiting()

    def _drops_typed_ahead(self, screen: Screen[Any]) -> bool:
        return isinstance(screen, ModalScreen) and not _takes_text(self.focused)

    async def _dispatch(self, event: TypedEvent) -> None:
        await super().on_event(event)  # priority bindings, else on to the focused widget (or the screen)
        marker: object
        target: Widget | None
        if event.is_forwarded:
            target = self.focused or self.screen
            marker = KeyHandled()
            target.post_message(marker)  # the focused widget, or the screen: never None here
        else:
            target, marker = None, object()
        self._in_flight = _InFlight(target, marker)
        if target is None:
            self._key_handled(marker)

    def _tick_while_waiting(self) -> None:
        waiting = bool(self._typed) or self._in_flight is not None
        if waiting and self._key_ticker is None:
            self._key_ticker = self.set_interval(TICK, self._tick)
        elif not waiting and self._key_ticker is not None:
            self._key_ticker.stop()
            self._key_ticker = None

    async def _tick(self) -> None:
        flight = self._in_flight
        if flight is not None:
            if monotonic() - flight.since > KEY_LIMIT:
                self._in_flight = None
            elif not flight.handled and flight.target is not None and not flight.target.is_attached:
                self._key_handled(flight.marker)  # its marker went down with the widget (a dialog the key closed)
            elif flight.handled:
                self._watch_quiet(flight, TURNS)
        await self._deliver()


def _takes_text(widget: Widget | None) -> bool:
    """An Input or a TextArea. TextArea is not imported for this (~20 ms of the start-up, its themes and document
    model): until some form imported it, no widget can be one."""
    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)
