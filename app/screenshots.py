"""``python -m app.screenshots DIR``: SVG captures of every screen from the real app on a deterministic engine.

The engine runs with a fixed seed on a manual clock, advanced a fixed amount, and the app's own clock is fixed, so
the same code always draws the same pictures (``make screenshots``; the README shows them).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig

from .config import Config
from .schedtop_app import SchedtopApp
from .sources.embedded import EmbeddedSource

SIZES = {"": (160, 48), "-80x24": (80, 24)}
"""File-name suffix → terminal size: the two sizes people use (a full screen, and the classic 80×24)."""
SIZE = SIZES[""]
FIXED_NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
SHOTS = (
    ("1-main", "main", ()),
    ("2-tasks", "tasks", ("i",)),
    ("3-plot", "plot", ()),
    ("4-jobs", "jobs", ()),
    ("5-help", "main", ("question_mark",)),
)


async def demo_engine(seed: int = 1, minutes: float = 6.0) -> Engine:
    """The demo cluster after a few simulated minutes, with a schedule so the jobs screen has something."""
    engine = await Engine.open(EngineConfig(seed=seed, demo=True, clock=ManualClock(), autorun=False))
    if engine.supervisor is not None and not (await engine.supervisor_view()).jobs:
        await engine.add_job("nightly inspect", "volume_inspect", 120)
        await engine.add_job("balance round", "balance", 300)
    await engine.advance(minutes * 60)
    return engine


async def capture_nodes(size: tuple[int, int] = SIZE) -> str:
    """Screen 5 with two nodes (two demo clusters), as several ``--connect`` URLs would show them."""
    engines = [await demo_engine(seed=1), await demo_engine(seed=4, minutes=4.0)]
    try:
        sources = [
            ("scheduler-a", EmbeddedSource(engine=engines[0], label="http://10.0.0.1:9800")),
            ("scheduler-b", EmbeddedSource(engine=engines[1], label="http://10.0.0.2:9800")),
        ]
        app = SchedtopApp(
            sources, Config(screen=Config.screen_number("nodes")), clock=lambda: FIXED_NOW, auto_refresh=False
        )
        async with app.run_test(size=size) as pilot:
            for node in app.nodes:
                await app._fetch(node)
            await app.refresh_data()
            await pilot.pause(0.2)
            return app.export_screenshot(title="schedtop — nodes")
    finally:
        for engine in engines:
            await engine.close()


async def capture(size: tuple[int, int] = SIZE) -> dict[str, str]:
    """Screen name → SVG text."""
    shots: dict[str, str] = {}
    for name, screen, keys in SHOTS:
        engine = await demo_engine()
        try:
            source = EmbeddedSource(engine=engine, label="embedded demo (seed 1)")
            app = SchedtopApp(
                source, Config(screen=Config.screen_number(screen)), clock=lambda: FIXED_NOW, auto_refresh=False
            )
            async with app.run_test(size=size) as pilot:
                await app.refresh_data()
                await pilot.pause()
                for key in keys:
                    await pilot.press(key)
                    await pilot.pause()
                await pilot.pause(0.2)
                shots[name] = app.export_screenshot(title=f"schedtop — {name[2:]}")
        finally:
            await engine.close()
    shots["6-nodes"] = await capture_nodes(size)
    return shots


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0] if args else "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    for suffix, size in SIZES.items():
        for name, svg in asyncio.run(capture(size)).items():
            path = directory / f"{name}{suffix}.svg"
            path.write_text(svg, encoding="utf-8")
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
