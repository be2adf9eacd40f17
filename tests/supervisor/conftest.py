"""The supervisor tests' shared set-up: its own in-memory SQLite, a manual clock at the seed's 00:28, job work."""

from __future__ import annotations

import sqlite3

import pytest

from .support import Clock, Work


@pytest.fixture
def conn() -> sqlite3.Connection:
    return sqlite3.connect(":memory:")


@pytest.fixture
def clock() -> Clock:
    return Clock("2015-03-11 00:28:00")


@pytest.fixture
def work() -> Work:
    return Work()
