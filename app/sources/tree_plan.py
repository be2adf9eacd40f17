"""Which task trees a polite source reads on this refresh, and how far behind the view is.

Reading a tree (``task_status_recursive``) costs one request per unfinished root; a node with 1 000 running repairs
cannot be asked for all of them every second. A tree is read again when its root's list entry changed (new state,
end time, sequence number) or, failing that, when it is the oldest read; the planner hands out as many as the
request budget allows now and keeps the rest for later refreshes, so every tree is read within
``roots / allowance-per-second`` seconds. Trees that have waited longer than ``max_age`` make the view *behind*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_MAX_AGE = 60.0
"""Seconds after which an unread tree counts as behind."""


@dataclass
class TreePlan:
    max_age: float = DEFAULT_MAX_AGE
    _read_at: dict[str, float] = field(default_factory=dict)
    _read_as: dict[str, object] = field(default_factory=dict)
    _seen_at: dict[str, float] = field(default_factory=dict)

    def plan(self, roots: Mapping[str, object], now: float, allowance: int) -> list[str]:
        """The roots to read now, at most ``allowance``: changed or never read first, then the longest unread.

        ``roots`` maps each unfinished root's id to its list entry (anything comparable); roots no longer listed
        are forgotten.
        """
        for gone in [root for root in self._seen_at if root not in roots]:
            self._seen_at.pop(gone, None)
            self._read_at.pop(gone, None)
            self._read_as.pop(gone, None)
        for root in roots:
            self._seen_at.setdefault(root, now)
        if allowance <= 0:
            return []
        changed = [root for root, entry in roots.items() if root not in self._read_at or self._read_as[root] != entry]
        changed.sort(key=lambda root: self._seen_at[root])
        if len(changed) >= allowance:
            return changed[:allowance]
        picked = set(changed)
        rest = sorted((root for root in roots if root not in picked), key=lambda root: self._read_at[root])
        return changed + rest[: allowance - len(changed)]

    def read(self, root: str, entry: object, now: float) -> None:
        """Record that ``root``'s tree was read at ``now`` while its list entry was ``entry``."""
        self._read_at[root] = now
        self._read_as[root] = entry
        self._seen_at.setdefault(root, now)

    def age(self, root: str, now: float) -> float:
        """Seconds since the tree was read (or since the root was first listed, if never)."""
        return now - self._read_at.get(root, self._seen_at.get(root, now))

    def behind(self, now: float) -> int:
        """How many listed roots have gone unread for longer than ``max_age``."""
        return sum(1 for root in self._seen_at if self.age(root, now) > self.max_age)

    def oldest(self, now: float) -> float:
        """The age of the longest-unread tree (0 when there are none)."""
        return max((self.age(root, now) for root in self._seen_at), default=0.0)
