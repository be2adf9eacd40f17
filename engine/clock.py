"""The engine's notion of time: a real clock scaled by a speed factor, or a manual clock that tests advance.

Everything in the engine (task times, TTLs, per-minute statistics, worker rates) reads this clock, so a demo at
speed 30 lives through half a minute of cluster activity per real second, while speed 1 is the wall clock.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current simulated time, timezone-aware UTC."""

    def monotonic(self) -> float:
        """Simulated seconds since the clock started; never goes backwards."""


class ManualClock:
    """A clock that moves only when told to: deterministic time for tests."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._start = start.astimezone(UTC)
        self._elapsed = 0.0

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._elapsed += seconds


class RealClock:
    """Wall-clock time scaled by ``speed``: simulated seconds per real second.

    ``start`` lets a reopened store continue from the last simulated moment it saw, so that a fast demo's
    clock (which runs ahead of the wall) never jumps back after a restart.
    """

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin = (start or datetime.now(UTC)).astimezone(UTC)
        self._mono0 = time.monotonic()

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        return (time.monotonic() - self._mono0) * self.speed
