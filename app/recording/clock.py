"""The replay's clock: a position in the recording's time that plays at a speed, pauses, steps and seeks.

It stands in for the wall clock of the refresh loop (:class:`app.refresh.RefreshLoop`): the loop stamps each
snapshot with it, and the replay sources answer with the recording's state at its position.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0)


class ReplayClock:
    def __init__(
        self, start: float, end: float, *, playing: bool = True, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.start = start
        self.end = end
        self.speed = 1.0
        self._monotonic = monotonic
        self._position = start
        self._anchor = monotonic()
        self._playing = playing

    @property
    def playing(self) -> bool:
        self.position()  # reaching the end stops the play
        return self._playing

    def position(self) -> float:
        """The recording's time now (Unix seconds), never past its end."""
        if self._playing:
            now = self._monotonic()
            self._position = min(self.end, self._position + (now - self._anchor) * self.speed)
            self._anchor = now
            if self._position >= self.end:
                self._playing = False
        return self._position

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.position(), UTC)

    def seek(self, at: float) -> float:
        self.position()
        self._position = max(self.start, min(self.end, at))
        self._anchor = self._monotonic()
        return self._position

    def skip(self, seconds: float) -> float:
        return self.seek(self.position() + seconds)

    def toggle(self) -> bool:
        """Play or pause; playing from the end starts again from the beginning."""
        position = self.position()
        if not self._playing and position >= self.end:
            self.seek(self.start)
        self._playing = not self._playing
        self._anchor = self._monotonic()
        return self._playing

    def pause(self) -> None:
        self.position()
        self._playing = False

    def faster(self) -> float:
        steps = [speed for speed in SPEEDS if speed > self.speed]
        return self._set_speed(steps[0] if steps else SPEEDS[-1])

    def slower(self) -> float:
        steps = [speed for speed in SPEEDS if speed < self.speed]
        return self._set_speed(steps[-1] if steps else SPEEDS[0])

    def _set_speed(self, speed: float) -> float:
        self.position()
        self.speed = speed
        return speed
