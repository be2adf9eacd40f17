"""``schedtop --replay FILE``: the same dashboard on a recording, its refresh loop driven by a replay clock.

Each recorded node becomes a :class:`~app.recording.replay_source.ReplaySource` answering with the recording's state
at the clock's position, which the app's clock (the header's, the data's age) follows too. The header carries a
REPLAY badge, a timeline sits under it, and the replay's keys move the clock: play/pause, step one tick, seek by
10 s or a minute, to the start or the end, and change the speed. It is read-only: the mutating bindings are absent,
and pressing one says so instead of doing nothing silently.
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from widgets.replay_bar import ReplayBar, ReplayPosition
from widgets.status_bar import StatusBar, StatusInfo

from ..bindings import GLOBAL, REPLAY, BindingSpec, KeymapError, active_specs
from ..config import Config, default_path
from ..dashboard import ShownScreen
from ..schedtop_app import SchedtopApp
from ..screens.base import DataScreen
from ..screens.help import HelpScreen
from ..sources.base import Source
from .clock import ReplayClock
from .format import RecordingError
from .reader import Recording
from .replay_source import ReplaySource

SEEK_SHORT = 10.0
SEEK_LONG = 60.0
REPLACED = frozenset({"pause", "faster", "slower"})
"""Live bindings whose keys the replay takes over (p, +, -): pausing and speed are the replay clock's."""

REPLAY_SPECS: tuple[BindingSpec, ...] = (
    BindingSpec("replay_play", "space,p", "replay_toggle", "Play/pause", "Play or pause the recording.",
                scope=REPLAY, key_display="space p"),
    BindingSpec("replay_step", "full_stop", "replay_step", "Step", "Step to the next recorded tick (pauses).",
                scope=REPLAY, key_display=".", args=("1",)),
    BindingSpec("replay_back", "comma", "replay_step", "Step back", "Step to the previous recorded tick (pauses).",
                scope=REPLAY, key_display=",", args=("-1",)),
    BindingSpec("replay_forward", "right_square_bracket", "replay_seek", "+10 s", "Seek 10 s forward.",
                scope=REPLAY, key_display="]", args=(f"{SEEK_SHORT:g}",)),
    BindingSpec("replay_rewind", "left_square_bracket", "replay_seek", "-10 s", "Seek 10 s back.",
                scope=REPLAY, key_display="[", args=(f"{-SEEK_SHORT:g}",)),
    BindingSpec("replay_forward_long", "right_curly_bracket", "replay_seek", "+1 min", "Seek a minute forward.",
                scope=REPLAY, key_display="}", args=(f"{SEEK_LONG:g}",)),
    BindingSpec("replay_rewind_long", "left_curly_bracket", "replay_seek", "-1 min", "Seek a minute back.",
                scope=REPLAY, key_display="{", args=(f"{-SEEK_LONG:g}",)),
    BindingSpec("replay_start", "home", "replay_start", "Start", "Go to the start of the recording.",
                scope=REPLAY, key_display="Home"),
    BindingSpec("replay_end", "end", "replay_end", "End", "Go to the end of the recording.",
                scope=REPLAY, key_display="End"),
    BindingSpec("replay_faster", "plus", "replay_speed", "Faster", "Play faster (×0.25 … ×512).",
                scope=REPLAY, key_display="+", args=("1",)),
    BindingSpec("replay_slower", "minus", "replay_speed", "Slower", "Play slower.",
                scope=REPLAY, key_display="-", args=("-1",)),
)  # fmt: skip


def _replay_binding(spec: BindingSpec) -> Binding:
    # priority: the task view's own space, Home and End would take them first
    return Binding(spec.key, spec.action_string, spec.description, show=False, priority=True, id=spec.id)


class ReplayApp(SchedtopApp):
    """The dashboard on a :class:`~app.recording.reader.Recording`."""

    CSS_PATH = str(Path(__file__).parent.parent / "app.tcss")  # relative paths are the subclass's module's
    BINDINGS: ClassVar[list[BindingType]] = [_replay_binding(spec) for spec in REPLAY_SPECS]

    def __init__(
        self,
        recording: Recording,
        config: Config | None = None,
        *,
        playing: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        auto_refresh: bool = True,
        ansi_color: bool = False,
    ) -> None:
        self.recording = recording
        self.replay_clock = ReplayClock(recording.start, recording.end, playing=playing, monotonic=monotonic)
        sources: list[tuple[str, Source]] = [
            (node.name, ReplaySource(recording, node, self.replay_clock)) for node in recording.nodes
        ]
        config = (config or Config()).with_overrides(read_only=True)
        super().__init__(sources, config, clock=self.replay_clock.now, auto_refresh=auto_refresh, ansi_color=ansi_color)
        self.specs = [spec for spec in self.specs if spec.id not in REPLACED]
        self._spec_by_call = {spec.call: spec for spec in self.specs}
        self._spec_by_id = {spec.id: spec for spec in self.specs}
        recorded = frozenset().union(*(node.capabilities for node in recording.nodes))
        self._absent: dict[str, list[BindingSpec]] = {}
        """The mutating bindings the recorded nodes had, by key: pressing one explains why nothing happens."""
        for spec in active_specs(recorded, False, config.keys):
            if spec.mutating:
                self._absent.setdefault(spec.key, []).append(spec)

    # -- the header and the timeline ----------------------------------------------------------------------------

    def status_info(self) -> StatusInfo:
        return dataclasses.replace(super().status_info(), replay=True)

    def replay_position(self) -> ReplayPosition:
        clock = self.replay_clock
        return ReplayPosition(
            at=clock.now(),
            start=datetime.fromtimestamp(clock.start, UTC),
            end=datetime.fromtimestamp(clock.end, UTC),
            playing=clock.playing,
            speed=clock.speed,
        )

    def update_status(self) -> None:
        super().update_status()
        position = self.replay_position()
        for screen in self.screen_stack:
            for bar in screen.query(ReplayBar):
                bar.show(position)

    def screen_shown(self, screen: ShownScreen) -> None:
        if isinstance(screen, Screen) and not screen.query(ReplayBar):
            status = screen.query(StatusBar)
            screen.mount(ReplayBar(), after=status.first() if status else None)
        super().screen_shown(screen)

    def action_help(self) -> None:
        specs = [*self.specs, *REPLAY_SPECS]
        self.push_screen(HelpScreen(specs, self.read_only, str(self.config.path or default_path())))

    # -- the replay's keys --------------------------------------------------------------------------------------

    def action_replay_toggle(self) -> None:
        self.replay_clock.toggle()
        self._moved()

    def action_replay_step(self, direction: str) -> None:
        clock = self.replay_clock
        clock.pause()
        source = self.source
        times = self.recording.times(source.recorded.node) if isinstance(source, ReplaySource) else []
        position = clock.position()
        if int(direction) > 0:
            index = bisect.bisect_right(times, position)
            if index < len(times):
                clock.seek(times[index])
        else:
            index = bisect.bisect_left(times, position) - 1
            if index >= 0:
                clock.seek(times[index])
        self._moved()

    def action_replay_seek(self, seconds: str) -> None:
        self.replay_clock.skip(float(seconds))
        self._moved()

    def action_replay_start(self) -> None:
        self.replay_clock.seek(self.replay_clock.start)
        self._moved()

    def action_replay_end(self) -> None:
        self.replay_clock.seek(self.replay_clock.end)
        self._moved()

    def action_replay_speed(self, direction: str) -> None:
        speed = self.replay_clock.faster() if int(direction) > 0 else self.replay_clock.slower()
        self.notify(f"replay ×{speed:g}", timeout=2)
        self._moved()

    def _moved(self) -> None:
        """The clock moved: the header and timeline now, the data as soon as the node shown answers."""
        self.update_status()
        self.refresh_soon()

    def on_key(self, event: events.Key) -> None:
        """A key that would change the cluster live does nothing in a replay: say so."""
        specs = self._absent.get(event.key)
        if not specs or isinstance(self.screen, ModalScreen):
            return
        base = self.base_screen
        scopes = base.SCOPES if isinstance(base, DataScreen) else frozenset({GLOBAL})
        for spec in specs:
            if spec.scope in scopes:
                self.notify(
                    f"{spec.description}: not in a replay (a recording cannot change the cluster)",
                    severity="warning",
                    timeout=3,
                )
                return


def run_replay(path: Path, config: Config, *, ansi: bool = False) -> int:
    """``schedtop --replay FILE``: an exit status (2 with a plain message when the file is no recording)."""
    try:
        recording = Recording(path)
    except RecordingError as error:
        print(f"schedtop: {error}", file=sys.stderr)
        return 2
    try:
        app = ReplayApp(recording, config, ansi_color=ansi)
    except KeymapError as error:
        print(f"schedtop: {error}", file=sys.stderr)
        recording.close()
        return 2
    asyncio.run(app.prefetch())
    try:
        app.run()
    finally:
        recording.close()
    return app.return_code or 0


__all__ = ["ReplayApp", "run_replay"]
