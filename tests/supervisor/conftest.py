"""The supervisor tests' shared set-up: its own in-memory SQLite, a manual clock at the seed's 00:28, job work, and
a supervisor over them (test_schedule.py overrides it with two clusters)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import pytest

from engine.supervisor import Supervisor

from .support import Clock, Work, make


@pytest.fixture
def conn() -> sqlite3.Connection:
    return sqlite3.connect(":memory:")


@pytest.fixture
def clock() -> Clock:
    return Clock("2015-03-11 00:28:00")


@pytest.fixture
def work() -> Work:
    return Work()


@pytest.fixture
async def sup(conn: sqlite3.Connection, clock: Clock, work: Work) -> AsyncIterator[Supervisor]:
    supervisor = make(conn, clock, work)
    yield supervisor
    await supervisor.close()
