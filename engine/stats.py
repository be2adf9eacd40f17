"""Per-minute statistics as CubeFS keeps them: 20-slot rings of 60-second buckets, and error breakdowns.

A slot is indexed by ``(unix_seconds // 60) % 20`` and reset when its stored minute is stale; ``show`` lists the
20 values oldest first, the last being the current, partial minute. Time comes from the engine clock.
"""

from __future__ import annotations

from collections import Counter

SLOTS = 20


class MinuteCounter:
    """One ring of per-minute counts."""

    __slots__ = ("minutes", "values")

    def __init__(self) -> None:
        self.minutes = [-1] * SLOTS
        self.values = [0] * SLOTS

    def add(self, unix_seconds: float, amount: int = 1) -> int:
        """Count ``amount`` in the minute of ``unix_seconds``; returns that minute (for persistence)."""
        minute = int(unix_seconds) // 60
        slot = minute % SLOTS
        if self.minutes[slot] != minute:
            self.minutes[slot] = minute
            self.values[slot] = 0
        self.values[slot] += amount
        return minute

    def set(self, minute: int, value: int) -> None:
        """Restore one minute's value (loading history from the store)."""
        slot = minute % SLOTS
        if self.minutes[slot] <= minute:
            self.minutes[slot] = minute
            self.values[slot] = value

    def value(self, minute: int) -> int:
        slot = minute % SLOTS
        return self.values[slot] if self.minutes[slot] == minute else 0

    def show(self, unix_seconds: float) -> list[int]:
        current = int(unix_seconds) // 60
        return [self.value(minute) for minute in range(current - SLOTS + 1, current + 1)]


def error_kind(message: str) -> str:
    """CubeFS groups errors by the text after the last ``:`` of the message, trimmed."""
    return message.rsplit(":", 1)[-1].strip() or message.strip()


class ErrorBook:
    """Counts of errors by kind, formatted like CubeFS's ``err_stats``."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, message: str, amount: int = 1) -> str:
        kind = error_kind(message)
        self.counts[kind] += amount
        return kind

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def formatted(self) -> list[str] | None:
        """``"<err>: <pct>%[<count>]"`` sorted by share, largest first; None when there are no errors."""
        total = self.total
        if total == 0:
            return None
        ordered = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        return [f"{kind}: {count * 100.0 / total:0.2f}%[{count}]" for kind, count in ordered]


class StatsBook:
    """All per-minute rings of the engine, keyed by (task type, counter name), with dirty tracking."""

    def __init__(self) -> None:
        self.rings: dict[tuple[str, str], MinuteCounter] = {}
        self.errors: dict[str, ErrorBook] = {}
        self.dirty: set[tuple[str, str, int]] = set()
        self.dirty_errors: set[tuple[str, str]] = set()

    def ring(self, task_type: str, name: str) -> MinuteCounter:
        key = (task_type, name)
        ring = self.rings.get(key)
        if ring is None:
            ring = self.rings[key] = MinuteCounter()
        return ring

    def add(self, task_type: str, name: str, unix_seconds: float, amount: int = 1) -> None:
        if amount == 0:
            return
        minute = self.ring(task_type, name).add(unix_seconds, amount)
        self.dirty.add((task_type, name, minute))

    def show(self, task_type: str, name: str, unix_seconds: float) -> list[int]:
        ring = self.rings.get((task_type, name))
        return ring.show(unix_seconds) if ring else [0] * SLOTS

    def error_book(self, task_type: str) -> ErrorBook:
        book = self.errors.get(task_type)
        if book is None:
            book = self.errors[task_type] = ErrorBook()
        return book

    def add_error(self, task_type: str, message: str) -> None:
        kind = self.error_book(task_type).add(message)
        self.dirty_errors.add((task_type, kind))

    def take_dirty(self) -> tuple[list[tuple[str, str, int, int]], list[tuple[str, str, int]]]:
        """The changed minute values and error counts since the last call, as rows for the store."""
        rows = [(t, n, m, self.rings[(t, n)].value(m)) for t, n, m in self.dirty]
        errors = [(t, kind, self.errors[t].counts[kind]) for t, kind in self.dirty_errors]
        self.dirty.clear()
        self.dirty_errors.clear()
        return rows, errors
