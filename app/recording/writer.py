"""Writing a recording: every snapshot a source delivers goes to the file, with a keyframe now and then.

:class:`RecordingSource` wraps any source and hands each snapshot (or failure) to the :class:`RecordingWriter`,
whose one thread compresses and commits it, so neither the dashboard's event loop nor the headless recorder waits on
the disk. The writer keeps each node's task table (:class:`~app.recording.state.NodeState`) to write a keyframe,
a full snapshot, every ``keyframe_every`` ticks, or sooner when the deltas since the last one outweigh it: a seek
then replays at most that many deltas.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from engine.model import Snapshot

from ..nodes import default_node_name, describe_error
from ..sources.base import Source
from .format import ENCODING, FORMAT, VERSION, RecordingError, carried_fields, compress, connect_for_writing, dump
from .state import NodeState

KEYFRAME_EVERY = 60
"""Ticks between keyframes (a minute at the default 1 s refresh)."""
KEYFRAME_CPU = 0.01
"""The share of a core keyframes may take at most (their spacing grows with what one costs to write)."""
MIN_KEYFRAME_BYTES = 64 * 1024
"""Deltas since the last keyframe may add up to this much before their size alone asks for a new keyframe."""

log = logging.getLogger(__name__)


@dataclass
class _Track:
    node: int
    seq: int = 0
    state: NodeState = field(default_factory=NodeState)
    ticks_since_keyframe: int = 0
    bytes_since_keyframe: int = 0
    keyframe_bytes: int = 0
    keyframe_gap: int = 0
    """Ticks the next keyframe waits at least: ``keyframe_every``, or more when a keyframe is costly to write."""
    previous: bytes | None = None
    """The JSON stored for the node's last snapshot: the next one's compression dictionary."""


class RecordingWriter:
    """A new recording file; :meth:`record` and :meth:`record_error` queue a tick, :meth:`close` waits for them."""

    def __init__(self, path: Path, *, refresh: float, keyframe_every: int = KEYFRAME_EVERY) -> None:
        self.path = path
        self.keyframe_every = keyframe_every
        self.refresh = refresh
        self.db = connect_for_writing(path)
        meta = {
            "format": FORMAT,
            "version": str(VERSION),
            "created_at": datetime.now(UTC).isoformat(),
            "refresh": f"{refresh:g}",
            "keyframe_every": str(keyframe_every),
            "encoding": ENCODING,
        }
        self.db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        self._tracks: list[_Track] = []
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="schedtop-recorder")
        self._pending: list[Future[None]] = []
        self.ticks = 0
        self.failure: str | None = None
        """Why writing stopped (disk full, …); the recording keeps every tick committed before."""

    def add_node(self, name: str, description: str, capabilities: frozenset[str]) -> int:
        node = len(self._tracks)
        self.db.execute(
            "INSERT INTO nodes (node, name, description, capabilities) VALUES (?, ?, ?, ?)",
            (node, name, description, json.dumps(sorted(capabilities))),
        )
        self._tracks.append(_Track(node))
        return node

    def record(self, node: int, snapshot: Snapshot, at: float | None = None) -> None:
        self._submit(self._write, self._tracks[node], snapshot, time.time() if at is None else at)

    def record_error(self, node: int, message: str, at: float | None = None) -> None:
        self._submit(self._write_error, self._tracks[node], message, time.time() if at is None else at)

    def flush(self) -> None:
        """Wait until every tick queued so far is committed."""
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        if self.db is None:
            return
        self.flush()
        self._executor.shutdown(wait=True)
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:  # a checkpoint is tidiness only: the WAL is read back as well
            log.exception("checkpointing the recording failed")
        self.db.close()
        self.db = None  # type: ignore[assignment]

    # -- the writer's thread ----------------------------------------------------------------------------------

    def _submit(self, write: Any, *args: object) -> None:
        if self.failure is not None or self.db is None:
            return
        self._pending = [future for future in self._pending if not future.done()]
        self._pending.append(self._executor.submit(self._guarded, write, *args))

    def _guarded(self, write: Any, *args: object) -> None:
        if self.failure is not None:
            return
        try:
            write(*args)
            self.ticks += 1
        except Exception as error:  # the recording stops; the dashboard (or the headless run) goes on
            self.failure = f"{type(error).__name__}: {error}"
            log.error("recording to %s stopped: %s", self.path, self.failure)

    def _write(self, track: _Track, snapshot: Snapshot, at: float) -> None:
        previous = track.state.latest
        track.state.apply(snapshot)
        keyframe: bytes | None = None
        carried: tuple[str, ...] = ()
        if snapshot.full:  # a chain start: carries nothing, compressed on its own
            raw = dump(snapshot)
            blob = compress(raw)
            track.ticks_since_keyframe, track.bytes_since_keyframe, track.keyframe_bytes = 0, 0, len(blob)
        else:
            carried = carried_fields(snapshot, previous)
            raw = dump(snapshot, carried)
            blob = compress(raw, track.previous)
            track.ticks_since_keyframe += 1
            track.bytes_since_keyframe += len(blob)
            heavy = track.bytes_since_keyframe > max(track.keyframe_bytes, MIN_KEYFRAME_BYTES)
            # a node's first snapshot may be a "delta" from nothing (the ScyllaDB source's): a keyframe too
            due = track.ticks_since_keyframe >= max(self.keyframe_every, track.keyframe_gap)
            if due or (heavy and track.ticks_since_keyframe >= track.keyframe_gap) or not track.keyframe_bytes:
                began = time.thread_time()
                keyframe = compress(dump(track.state.full()))
                # a big cluster's keyframe takes seconds (100 000 tasks: ~1.5 s): space them so that they stay
                # within KEYFRAME_CPU of a core, at the price of longer seeks in such recordings
                track.keyframe_gap = math.ceil((time.thread_time() - began) / KEYFRAME_CPU / self.refresh)
                carried, raw = (), dump(snapshot)
                blob = compress(raw)  # a chain start too
                track.ticks_since_keyframe, track.bytes_since_keyframe, track.keyframe_bytes = 0, 0, len(keyframe)
        track.previous = raw
        self.db.execute(
            "INSERT INTO ticks (node, seq, at, revision, full, snapshot, keyframe, carried)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                track.node,
                track.seq,
                at,
                snapshot.revision,
                int(snapshot.full),
                blob,
                keyframe,
                " ".join(carried) or None,
            ),
        )
        track.seq += 1

    def _write_error(self, track: _Track, message: str, at: float) -> None:
        self.db.execute(
            "INSERT INTO ticks (node, seq, at, error) VALUES (?, ?, ?, ?)", (track.node, track.seq, at, message)
        )
        track.seq += 1


class RecordingSource:
    """Any source, with every snapshot it answers (and every failure) written to a recording.

    Everything but :meth:`snapshot` is the wrapped source's own (commands included: recording watches, it does not
    change what the dashboard may do).
    """

    def __init__(self, inner: Source, writer: RecordingWriter, name: str) -> None:
        self._inner = inner
        self._writer = writer
        self._node = writer.add_node(name, inner.describe(), frozenset(inner.capabilities))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def describe(self) -> str:
        """The source's label, and that it is being recorded (the header shows it)."""
        return f"{self._inner.describe()} · recording to {self._writer.path.name}"

    async def open(self) -> None:
        try:
            await self._inner.open()
        except Exception as error:
            self._writer.record_error(self._node, describe_error(error))
            raise

    async def snapshot(self, since: int = 0) -> Snapshot:
        try:
            snapshot = await self._inner.snapshot(since)
        except Exception as error:
            self._writer.record_error(self._node, describe_error(error))
            raise
        self._writer.record(self._node, snapshot)
        return snapshot


def recorded(
    path: Path, sources: Source | Sequence[tuple[str, Source]], *, refresh: float
) -> tuple[list[tuple[str, Source]], RecordingWriter]:
    """The sources (one, or named pairs), each wrapped to record into a new file at ``path``, and its writer."""
    if isinstance(sources, list | tuple):
        pairs: list[tuple[str, Source]] = list(sources)
    else:
        single = cast(Source, sources)
        pairs = [(default_node_name(single), single)]
    writer = RecordingWriter(path, refresh=refresh)
    try:
        wrapped = [(name, cast(Source, RecordingSource(source, writer, name))) for name, source in pairs]
    except Exception as error:
        writer.close()
        raise RecordingError(f"cannot record to {path}: {error}") from error
    return wrapped, writer
