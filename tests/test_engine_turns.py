"""Tests step time as production does: ``advance`` and the background loop share one turn (``Engine._turn``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig


def spy_steps(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, bool]]:
    steps: list[tuple[float, bool]] = []
    real = engine._step

    def step(dt: float, settle: bool = True) -> None:
        steps.append((dt, settle))
        real(dt, settle)

    monkeypatch.setattr(engine, "_step", step)
    return steps


def spy_transactions(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    begun: list[int] = []
    real = engine.store.transaction

    @contextlib.contextmanager
    def transaction() -> Iterator[Any]:
        outer = not engine.store.connection.in_transaction
        with real() as conn:
            if outer:
                begun.append(1)
            yield conn

    monkeypatch.setattr(engine.store, "transaction", transaction)
    return begun


async def test_a_fast_engine_advances_in_production_turns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # At ×30 a production turn (0.5 s real) covers 15 s: 15 steps of 1 s, the clock-only work once, one transaction.
    engine = await Engine.open(
        EngineConfig(db_path=tmp_path / "e.db", clock=ManualClock(), autorun=False, speed=30, demo=True)
    )
    try:
        steps = spy_steps(engine, monkeypatch)
        begun = spy_transactions(engine, monkeypatch)
        await engine.advance(40)
        assert len(steps) == 40 and all(dt == 1.0 for dt, _ in steps)
        assert [i + 1 for i, (_, settle) in enumerate(steps) if settle] == [15, 30, 40]
        assert len(begun) == 3
        assert engine.clock.monotonic() == 40
    finally:
        await engine.close()


async def test_at_speed_one_a_turn_is_one_whole_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0.5 s of simulated time per production turn is less than a step: advance keeps whole 1 s steps, each a turn.
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False))
    try:
        steps = spy_steps(engine, monkeypatch)
        await engine.advance(3.5)
        assert steps == [(1.0, True), (1.0, True), (1.0, True), (0.5, True)]
    finally:
        await engine.close()


async def _wait_for_turn(engine: Engine, mono: float) -> None:
    for _ in range(500):
        if engine._last_mono == mono:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"the loop never caught up with {mono}")


async def test_the_background_loop_and_advance_run_the_same_turns() -> None:
    # Without a schedule: a launched job's work starts on the event loop between turns, where the two differ.
    def config(clock: ManualClock, autorun: bool, interval: float) -> EngineConfig:
        return EngineConfig(seed=7, clock=clock, autorun=autorun, speed=30, interval=interval, demo=True)

    driven = await Engine.open(config(ManualClock(), autorun=False, interval=0.5))  # turns of 15 s
    looped_clock = ManualClock()
    looped = await Engine.open(config(looped_clock, autorun=True, interval=0.01))  # the loop polls fast
    try:
        await driven.advance(15 * 20)
        for turn in range(1, 21):
            looped_clock.advance(15)  # what a RealClock at ×30 does in the loop's 0.5 s sleep
            await _wait_for_turn(looped, 15.0 * turn)
        assert [str(e) for e in looped.events] == [str(e) for e in driven.events]
        assert await looped.stats() == await driven.stats()
    finally:
        await looped.close()
        await driven.close()
