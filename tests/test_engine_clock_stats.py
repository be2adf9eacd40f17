"""The engine clock and CubeFS's per-minute rings and error breakdown."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from engine.clock import ManualClock, RealClock
from engine.stats import ErrorBook, MinuteCounter, error_kind

START = datetime(2024, 1, 1, tzinfo=UTC)


def test_manual_clock_moves_only_when_advanced() -> None:
    clock = ManualClock(START)
    assert clock.now() == START
    clock.advance(90)
    assert clock.now() == START + timedelta(seconds=90)
    assert clock.monotonic() == 90


def test_manual_clock_refuses_to_go_back() -> None:
    with pytest.raises(ValueError):
        ManualClock(START).advance(-1)


def test_real_clock_runs_speed_times_faster_than_the_wall() -> None:
    clock = RealClock(speed=1000, start=START)
    time.sleep(0.02)
    assert clock.monotonic() >= 15
    assert clock.now() >= START + timedelta(seconds=15)


def test_minute_ring_shows_twenty_values_oldest_first_with_the_current_minute_last() -> None:
    ring = MinuteCounter()
    now = START.timestamp()
    ring.add(now - 60, 5)
    ring.add(now, 2)
    ring.add(now + 10, 1)
    shown = ring.show(now + 20)
    assert len(shown) == 20
    assert shown[-1] == 3 and shown[-2] == 5 and sum(shown[:-2]) == 0


def test_minute_ring_rolls_and_forgets_minutes_older_than_twenty() -> None:
    ring = MinuteCounter()
    now = START.timestamp()
    ring.add(now, 7)
    assert ring.show(now + 19 * 60)[0] == 7
    assert ring.show(now + 20 * 60) == [0] * 20
    ring.add(now + 20 * 60, 1)  # same slot, stale minute: reset, not added to
    assert ring.show(now + 20 * 60)[-1] == 1


def test_error_kind_is_the_text_after_the_last_colon() -> None:
    assert error_kind("blobnode: get shard failed: read shard timeout") == "read shard timeout"


def test_err_stats_are_sorted_by_share_and_formatted_like_cubefs() -> None:
    book = ErrorBook()
    assert book.formatted() is None
    for _ in range(3):
        book.add("x: timeout")
    book.add("y: shard not exist")
    assert book.formatted() == ["timeout: 75.00%[3]", "shard not exist: 25.00%[1]"]
    assert book.total == 4
