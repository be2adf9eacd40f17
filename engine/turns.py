"""Time in the engine: the background loop's turns and :meth:`EngineTurns.advance`, which runs the same turns.

A turn cuts its simulated seconds into steps of at most ``tick_seconds`` for the task types
(:meth:`engine.tasks.registry.TaskTypes.step`); the clock-only work (the demo's faults, expiry, the supervisor's
tick) runs once, in the last step; and the turn's changes, supervisor writes included, go to the store in one
transaction (:meth:`engine.persist.Persistence.turn`).
"""

from __future__ import annotations

import asyncio
from typing import Self

from .clock import ManualClock
from .config import EngineConfig
from .core import EngineCore
from .errors import EngineError, InvalidArgument


class EngineTurns(EngineCore):
    """Opening (and starting the loop), the loop, its turns and :meth:`advance`."""

    @classmethod
    async def open(cls, config: EngineConfig | None = None) -> Self:
        engine = cls(config or EngineConfig())
        await engine._attach_supervisor()
        if engine.config.autorun:
            engine._loop_task = asyncio.get_running_loop().create_task(engine._run(), name="schedtop-engine")
        return engine

    async def _run(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.config.interval)
            now = self.clock.monotonic()
            elapsed, self._last_mono = now - self._last_mono, now
            try:
                self._turn(elapsed)
            except EngineError as error:  # e.g. a store that went read-only: report, keep running in memory
                self._log("engine", f"error: {error.message}")

    def _turn(self, seconds: float) -> None:
        """One turn of the engine, the same for the background loop and :meth:`advance`.

        The clock has already moved by ``seconds``. The turn cuts them into steps of at most ``tick_seconds`` for
        the workers; the clock-only work (the demo's faults, expiry, the supervisor's tick) runs once, in the last
        step; and the turn's changes, supervisor writes included, go to the store in one transaction.
        """
        with self.persistence.turn():
            self._steps(seconds)
            self.flush()

    def _turn_seconds(self) -> float:
        """Simulated seconds one turn of :meth:`advance` covers: what a production turn covers at this config.

        That is ``interval`` real seconds at ``speed`` (a ManualClock has no speed of its own, so the config's is
        used), but at least one whole step: at speed 1 a test turn is one step of ``tick_seconds``, at speed 30
        it is 15 steps with the clock-only work once, as in the demo.
        """
        return max(self.config.tick_seconds, self.config.interval * self.config.speed)

    def _steps(self, elapsed: float) -> None:
        tick = self.config.tick_seconds
        while elapsed > 1e-9:
            dt = min(tick, elapsed)
            elapsed -= dt
            # The clock does not move between the steps of one turn: the demo's faults, expiry and the supervisor,
            # which only look at the clock, run once, in the last step (at ×30, 15 steps a turn, 2 turns a second).
            self._step(dt, settle=elapsed <= 1e-9)

    def _step(self, dt: float, settle: bool = True) -> None:
        if settle and self.demo is not None:
            self.demo.step()
        self.handlers.step(dt)
        if not settle:
            return
        self.tm.expire(self.clock.now().timestamp())
        if self.supervisor is not None:
            self.supervisor.tick(self.clock.now())

    async def advance(self, seconds: float) -> None:
        """Run ``seconds`` of simulated activity (needs a ManualClock) in the background loop's turns.

        Each turn moves the clock by one production turn's worth of simulated time (:meth:`_turn_seconds`; the
        last turn may be shorter) and then runs :meth:`_turn`, exactly as the loop does: its steps, the clock-only
        work once, one store transaction.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise InvalidArgument(f"advance needs a non-negative number of seconds, got {seconds!r}")
        if not isinstance(self.clock, ManualClock):
            raise InvalidArgument("advance needs an engine opened with a ManualClock")
        turn = self._turn_seconds()
        remaining = float(seconds)
        while remaining > 1e-9:
            dt = min(turn, remaining)
            remaining -= dt
            self.clock.advance(dt)
            self._last_mono = self.clock.monotonic()  # a running loop must not step this time again
            self._turn(dt)
            await asyncio.sleep(0)  # let waiters see finished tasks
