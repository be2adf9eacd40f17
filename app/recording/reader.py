"""Reading a recording: its nodes, when each ticked, and any node's state at any tick (keyframe + deltas)."""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.model import Snapshot

from .format import RecordingError, connect_for_reading, decompress, parse
from .state import NodeState


@dataclass(frozen=True)
class RecordedNode:
    node: int
    name: str
    description: str
    capabilities: frozenset[str]


class Recording:
    """An open recording file (read only; opening lets SQLite take in what a killed recorder left in its log)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect_for_reading(path)
        try:
            self.meta: dict[str, str] = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
            self.nodes = [
                RecordedNode(node, name, description, frozenset(json.loads(capabilities)))
                for node, name, description, capabilities in self.db.execute(
                    "SELECT node, name, description, capabilities FROM nodes ORDER BY node"
                )
            ]
            self._times: dict[int, list[float]] = {}
            self._errors: dict[int, dict[int, str]] = {}
            self._good: dict[int, list[int]] = {}
            self._last: dict[int, tuple[int, bytes, Snapshot]] = {}
            """Each node's last snapshot decoded (seq, stored JSON, snapshot): what the next one is stored against."""
            for recorded in self.nodes:
                times: list[float] = []
                errors: dict[int, str] = {}
                good: list[int] = []
                query = "SELECT seq, at, error FROM ticks WHERE node = ? ORDER BY seq"
                for seq, at, error in self.db.execute(query, (recorded.node,)):
                    if seq != len(times):
                        raise RecordingError(f"{path}: node {recorded.name} lacks tick {len(times)}")
                    times.append(at)
                    if error is not None:
                        errors[seq] = error
                    else:
                        good.append(seq)
                self._times[recorded.node], self._errors[recorded.node] = times, errors
                self._good[recorded.node] = good
        except (sqlite3.Error, ValueError, TypeError) as error:
            self.db.close()
            raise RecordingError(f"{path} is not a readable schedtop recording ({error})") from None
        every = [times for times in self._times.values() if times]
        if not every:
            self.db.close()
            raise RecordingError(f"{path} holds no tick yet (the recorder stopped before its first snapshot)")
        self.start = min(times[0] for times in every)
        self.end = max(times[-1] for times in every)

    def close(self) -> None:
        self.db.close()

    @property
    def duration(self) -> float:
        return self.end - self.start

    def ticks(self, node: int) -> int:
        return len(self._times[node])

    def times(self, node: int) -> list[float]:
        """When each of ``node``'s ticks arrived (wall-clock Unix seconds), by seq."""
        return self._times[node]

    def tick_at(self, node: int, at: float) -> int | None:
        """The last tick of ``node`` at or before ``at``; None before its first."""
        index = bisect.bisect_right(self._times[node], at) - 1
        return index if index >= 0 else None

    def error(self, node: int, seq: int) -> str | None:
        """The failure recorded at this tick, None when it brought a snapshot."""
        return self._errors[node].get(seq)

    def last_good(self, node: int, seq: int) -> int | None:
        """The last tick at or before ``seq`` that brought a snapshot."""
        good = self._good[node]
        index = bisect.bisect_right(good, seq) - 1
        return good[index] if index >= 0 else None

    def snapshots(self, node: int, after: int, upto: int) -> Iterator[Snapshot]:
        """The snapshots of ticks ``after`` < seq ≤ ``upto``, in order."""
        for _, snapshot in self._decoded(node, after, upto):
            yield snapshot

    def state_at(self, node: int, seq: int) -> NodeState:
        """``node``'s state after tick ``seq``: the nearest keyframe at or before it, then the deltas since."""
        query = (
            "SELECT seq, full, snapshot, keyframe FROM ticks WHERE node = ? AND seq <= ?"
            " AND (keyframe IS NOT NULL OR full = 1) ORDER BY seq DESC LIMIT 1"
        )
        row = self.db.execute(query, (node, seq)).fetchone()
        if row is None:
            raise RecordingError(f"{self.path}: no keyframe before tick {seq} of node {node}")
        start, full, snapshot, keyframe = row
        state = NodeState()
        state.apply(parse(decompress(snapshot if full else keyframe)))
        for delta in self.snapshots(node, start, seq):
            state.apply(delta)
        return state

    def _decoded(self, node: int, after: int, upto: int) -> Iterator[tuple[int, Snapshot]]:
        """(seq, snapshot) of the snapshot ticks ``after`` < seq ≤ ``upto``.

        Each was stored against the one before (its compression dictionary, the fields it carries over), so decoding
        starts at the last chain start (keyframe or full) unless the previous snapshot is the one remembered from
        the last call (playing forward)."""
        previous: tuple[int, bytes, Snapshot] | None = None
        cached = self._last.get(node)
        good = self.last_good(node, after)
        if cached is not None and good is not None and cached[0] == good:
            previous, begin = cached, after
        else:
            chain = "SELECT MAX(seq) FROM ticks WHERE node = ? AND seq <= ? AND (keyframe IS NOT NULL OR full = 1)"
            (start,) = self.db.execute(chain, (node, after)).fetchone()
            begin = -1 if start is None else start - 1
        query = (
            "SELECT seq, full OR keyframe IS NOT NULL, carried, snapshot FROM ticks"
            " WHERE node = ? AND seq > ? AND seq <= ? AND snapshot IS NOT NULL ORDER BY seq"
        )
        for seq, chain_start, carried, blob in self.db.execute(query, (node, begin, upto)).fetchall():
            raw = decompress(blob, None if chain_start or previous is None else previous[1])
            names = tuple(carried.split()) if carried else ()
            snapshot = parse(raw, names, previous[2] if previous is not None else None)
            previous = (seq, raw, snapshot)
            self._last[node] = previous
            if seq > after:
                yield seq, snapshot
