"""Test helpers for the supervisor: a manual clock, controllable job work, and a supervisor on its own SQLite."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

from engine.supervisor import JobLaunch, Supervisor


def at(text: str) -> datetime:
    """A UTC instant from the seed's 'YYYY-MM-DD HH:MM:SS' text."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


class Clock:
    """A manual clock: time moves only when a test says so."""

    def __init__(self, start: str = "2015-03-11 00:28:00") -> None:
        self.moment = at(start)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    def set(self, text: str) -> None:
        self.moment = at(text)


class Work:
    """The ``launch`` callback: each partial's work runs until the test finishes it (or fails it)."""

    def __init__(self) -> None:
        self.launched: list[JobLaunch] = []
        self._gates: dict[int, asyncio.Future[str | None]] = {}

    async def __call__(self, launch: JobLaunch) -> str | None:
        self.launched.append(launch)
        gate = asyncio.get_running_loop().create_future()
        self._gates[launch.partial_id] = gate
        return await gate

    async def finish(self, result: str | None = None, cluster: str | None = None) -> None:
        await settle()
        for launch in self.launched:
            gate = self._gates[launch.partial_id]
            if not gate.done() and (cluster is None or launch.cluster == cluster):
                gate.set_result(result)
        await settle()

    async def fail(self, message: str) -> None:
        await settle()
        for gate in self._gates.values():
            if not gate.done():
                gate.set_exception(RuntimeError(message))
        await settle()


async def settle() -> None:
    """Let launched work run up to its next wait."""
    for _ in range(5):
        await asyncio.sleep(0)


def rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    return [tuple(row) for row in conn.execute(sql, params).fetchall()]


def make(conn: sqlite3.Connection, clock: Clock, work: Work | None, **options: object) -> Supervisor:
    return Supervisor(conn, clock, work, **options)
