"""Recordings made for tests: a deterministic engine's snapshots written tick by tick at chosen times."""

from __future__ import annotations

from pathlib import Path

from app.recording.writer import RecordingWriter
from app.sources.embedded import EmbeddedSource

from .app_support import open_engine

T0 = 1_800_000_000.0
"""The first tick's wall-clock time (Unix seconds)."""


async def record_engine(
    path: Path, ticks: int, *, every: float = 1.0, keyframe_every: int = 5, nodes: int = 1
) -> list[set[str]]:
    """``ticks`` ticks of a demo engine whose clock advances 30 s a tick, ``every`` seconds apart from :data:`T0`;
    the task ids the source knew after each tick. With ``nodes`` > 1 the same snapshots are recorded as that many
    nodes (``embedded``, ``second``, …), each a tenth of a second after the one before."""
    engine = await open_engine(advance=60.0)
    source = EmbeddedSource(engine=engine, label="test engine")
    writer = RecordingWriter(path, refresh=every, keyframe_every=keyframe_every)
    names = ["embedded", "second", "third"][:nodes]
    ids = [writer.add_node(name, f"{source.describe()} as {name}", source.capabilities) for name in names]
    known: set[str] = set()
    states: list[set[str]] = []
    revision = 0
    try:
        for tick in range(ticks):
            snapshot = await source.snapshot(revision)
            revision = snapshot.revision
            ids_now = {row.id for row in snapshot.changed_rows()}
            known = ids_now if snapshot.full else known | ids_now
            known -= set(snapshot.removed)
            states.append(set(known))
            for index, node in enumerate(ids):
                writer.record(node, snapshot, at=T0 + tick * every + index / 10)
            await engine.advance(30.0)
    finally:
        writer.close()
        await engine.close()
    return states
