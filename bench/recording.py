"""Record and replay (issue 14): what recording costs, how big an hour of the demo is, how fast a seek is.

An hour of the demo cluster at the 1 s refresh is simulated tick by tick, not waited for: the demo engine runs on a
manual clock that moves 30 s a tick (the demo's ×30 speed, so one tick is one real second of ``schedtop``), the
embedded source answers its delta since the last revision as it does to the dashboard, and the recording writer
takes each one exactly as ``schedtop record`` hands it over (compression, keyframes, a commit per tick).

- *recording CPU*: the process CPU time (every thread: the writer's own thread does the work) spent from handing a
  snapshot to the writer until it is committed, per tick; at one tick a second that is the share of a core.
- *size per hour*: the file once closed, over 3 600 ticks (``--quick`` records 900 and scales up, and says so).
- *seek*: from a key press's clock move to the client model holding the state there — the replay source's answer
  (the nearest keyframe plus the deltas since, or the deltas merged when ahead) and the model applying it — at
  40 seeded random positions of the hour.

Run alone: ``python -m bench.recording [--quick]``.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from .report import Figure

HOUR = 3600
T0 = 1_800_000_000.0
SEEKS = 40


async def _record(path: Path, ticks: int) -> list[float]:
    from app.recording.writer import RecordingWriter
    from app.sources.embedded import EmbeddedSource
    from engine.clock import ManualClock
    from engine.engine import Engine, EngineConfig
    from engine.errors import EngineError

    engine = await Engine.open(
        EngineConfig(seed=1, demo=True, demo_schedule=True, speed=30.0, clock=ManualClock(), autorun=False)
    )
    source = EmbeddedSource(engine=engine)
    writer = RecordingWriter(path, refresh=1.0)
    node = writer.add_node("embedded", source.describe(), source.capabilities)
    cpu: list[float] = []
    revision = 0
    hiccups = 0
    try:
        for tick in range(ticks):
            snapshot = await source.snapshot(revision)
            revision = snapshot.revision
            began = time.process_time()
            writer.record(node, snapshot, at=T0 + tick)
            writer.flush()
            cpu.append(time.process_time() - began)
            try:
                await engine.advance(30.0)
            except EngineError:  # the demo's own hiccup (a turn fails; the live engine's loop reports it and goes on)
                hiccups += 1
    finally:
        writer.close()
        await engine.close()
    return cpu


async def _seeks(path: Path) -> list[float]:
    from app.client_model import ClientModel
    from app.recording.clock import ReplayClock
    from app.recording.reader import Recording
    from app.recording.replay_source import ReplaySource

    recording = Recording(path)
    clock = ReplayClock(recording.start, recording.end, playing=False)
    source = ReplaySource(recording, recording.nodes[0], clock)
    model = ClientModel(keep_gone=True)
    model.apply(await source.snapshot(0))
    chooser = random.Random(14)
    times: list[float] = []
    try:
        for _ in range(SEEKS):
            began = time.perf_counter()
            clock.seek(chooser.uniform(recording.start, recording.end))
            model.apply(await source.snapshot(model.revision))
            times.append(time.perf_counter() - began)
    finally:
        recording.close()
    return times


def recording_figures(quick: bool) -> list[Figure]:
    ticks = 900 if quick else HOUR
    with tempfile.TemporaryDirectory(prefix="schedtop-bench-") as folder:
        path = Path(folder) / "hour.db"
        cpu = asyncio.run(_record(path, ticks))
        size = os.path.getsize(path)
        seeks = asyncio.run(_seeks(path))
    per_tick = sum(cpu) / len(cpu)
    scaled = "" if ticks == HOUR else f"; {ticks} ticks recorded, scaled to 3 600"
    overhead = Figure(
        "recording CPU at 1 s refresh, demo",
        per_tick * 100,
        "% core",
        target="≤ 1 % core",
        met=per_tick * 100 <= 1.0,
        note=f"{per_tick * 1000:.2f} ms CPU a tick (compress, keyframe every 60 ticks, commit), mean of {ticks}",
    )
    megabytes = size * HOUR / ticks / 1e6
    size_figure = Figure(
        "recording size per hour, demo",
        megabytes,
        "MB",
        target="≤ 10 MB",
        met=megabytes <= 10,
        note=f"the demo at ×30, one tick a second{scaled}",
    )
    worst = max(seeks) * 1000
    seek = Figure(
        "seek anywhere in a one-hour recording",
        worst,
        "ms",
        target="≤ 200 ms",
        met=worst <= 200,
        runs=[s * 1000 for s in seeks],
        note=f"worst of {SEEKS} random seeks (median {sorted(seeks)[len(seeks) // 2] * 1000:.1f} ms), "
        "keyframe + deltas + the client model taking it in"
        + ("" if ticks == HOUR else f", in a {ticks}-tick recording"),
    )
    return [overhead, size_figure, seek]


if __name__ == "__main__":
    for figure in recording_figures("--quick" in sys.argv):
        print(f"{figure.name}: {figure.value:.3g} {figure.unit} ({figure.note})")
