"""``python -m engine``: run the embedded engine headless and print a live log of what its tasks do.

``--demo`` injects faults (disks break and get dropped, workers fail, nodes go quiet) so that repairs, drops and
balances start, progress, fail and finish within seconds at the default demo speed of 30.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from .engine import Engine, EngineConfig, EngineEvent
from .errors import EngineError
from .model import format_bytes


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m engine",
        description="Run the embedded scheduler engine headless and print a live log of what its tasks do.",
    )
    parser.add_argument("--demo", action="store_true", help="inject faults periodically so there is always work")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated cluster (default 1)")
    parser.add_argument("--speed", type=float, default=None, help="simulated seconds per second (demo: 30, else 1)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to persist to (default: in memory)")
    parser.add_argument("--duration", type=float, default=None, help="stop after this many real seconds")
    parser.add_argument("--progress-every", type=float, default=1.0, help="real seconds between progress lines")
    return parser.parse_args(argv)


def _print(line: str) -> None:
    try:
        print(line, flush=True)
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        os.kill(os.getpid(), signal.SIGTERM)


def _progress_lines(engine: Engine) -> list[str]:
    snap = engine.snapshot(engine.tm.revision)
    stamp = f"{snap.taken_at:%H:%M:%S}"
    lines = []
    for m in snap.migrations:
        if m.finished_at is not None:
            continue
        eta = m.eta_seconds
        eta_text = "?" if eta is None else f"{eta:.0f}s"
        lines.append(
            f"{stamp} {m.task_type:<14} progress disk {m.disk_id}: {m.migrated_tasks_cnt}/{m.total_tasks_cnt} chunks, "
            f"{format_bytes(m.bytes_done)}/{format_bytes(m.bytes_total)}, "
            f"{format_bytes(int(m.rate_bytes_per_s))}/s, ETA {eta_text}"
        )
    counts = []
    for name in ("disk_repair", "disk_drop", "balance", "manual_migrate"):
        section = getattr(snap.stats, name)
        if section is not None and (section.preparing_cnt or section.worker_doing_cnt or section.finishing_cnt):
            counts.append(f"{name} {section.preparing_cnt}/{section.worker_doing_cnt}/{section.finishing_cnt}")
    running = sum(1 for t in engine.tm.tasks.values() if not t.finished)
    lines.append(
        f"{stamp} {'engine':<14} {running} tasks running; preparing/doing/finishing: {', '.join(counts) or 'idle'}"
    )
    return lines


async def _main(args: argparse.Namespace) -> int:
    speed = args.speed if args.speed is not None else (30.0 if args.demo else 1.0)
    try:
        engine = await Engine.open(
            EngineConfig(db_path=args.db, seed=args.seed, speed=speed, demo=args.demo, demo_schedule=args.demo)
        )
    except EngineError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def on_event(event: EngineEvent) -> None:
        _print(str(event))

    engine.listeners.append(on_event)
    where = args.db or "memory"
    _print(f"schedtop engine: seed {engine.seed}, speed {speed:g}x, store {where}, demo {'on' if args.demo else 'off'}")
    started = loop.time()
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.progress_every)
            for line in _progress_lines(engine):
                _print(line)
            if args.duration is not None and loop.time() - started >= args.duration:
                break
    finally:
        await engine.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_main(_parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
