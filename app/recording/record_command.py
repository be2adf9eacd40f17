"""``schedtop record --out FILE``: record a cluster headless, from the embedded demo engine or any ``--connect``.

Every ``--refresh`` seconds each node is asked for its delta since the revision it last answered, exactly as the
dashboard asks, and the answer goes to the recording (see :mod:`app.recording.format`). It runs until
``--duration`` seconds have passed, or until Ctrl-C / SIGTERM; a SIGKILL loses at most the tick being written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..cli import _embedded_source, _max_rps, _refresh, _remote_sources, _speed  # the dashboard's own options
from ..config import ConfigError, load_config
from ..sources.base import Source
from ..sources.remote import BACKENDS, DEFAULT_BACKEND
from .format import RecordingError
from .writer import recorded


def _duration(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("--duration must be above 0 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schedtop record",
        description="Record a cluster's snapshots to a file, without a screen; `schedtop --replay FILE` plays it.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="the new recording file")
    parser.add_argument(
        "--duration", type=_duration, metavar="S", help="stop after S seconds (default: until Ctrl-C or SIGTERM)"
    )
    parser.add_argument("--refresh", type=_refresh, default=1.0, metavar="S", help="seconds between ticks (default: 1)")
    remote = parser.add_argument_group("remote scheduler (as for the dashboard)")
    remote.add_argument("--connect", metavar="URL", action="append", help="a server to record; repeatable")
    remote.add_argument("--token", help="bearer token (or $SCHEDTOP_TOKEN); recording never changes anything")
    remote.add_argument("--backend", choices=tuple(BACKENDS), default=DEFAULT_BACKEND, help="what --connect talks to")
    remote.add_argument("--max-rps", type=_max_rps, metavar="N", help="requests a second schedtop may send a server")
    remote.add_argument("--config", type=Path, metavar="PATH", help="settings file, for its [clusters]")
    engine = parser.add_argument_group("embedded engine (without --connect)")
    engine.add_argument("--db", type=Path, metavar="PATH", help="persistent SQLite store for the embedded engine")
    engine.add_argument("--seed", type=int, default=1, help="seed of the simulated cluster (default: 1)")
    engine.add_argument("--speed", type=_speed, default=None, help="simulated seconds per real second")
    engine.add_argument("--no-faults", action="store_true", help="no demo faults: the cluster stays quiet")
    parser.set_defaults(disks=None, tasks=None)
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"schedtop record: {error}", file=sys.stderr)
        return 2
    sources: list[tuple[str, Source]]
    if args.connect or config.clusters:
        sources = _remote_sources(args, config.clusters)
    else:
        sources = [("embedded", _embedded_source(args))]
    try:
        wrapped, writer = recorded(args.out, sources, refresh=args.refresh)
    except RecordingError as error:
        print(f"schedtop record: {error}", file=sys.stderr)
        return 2
    print(
        f"recording {len(wrapped)} node(s) to {args.out} every {args.refresh:g} s"
        + (f" for {args.duration:g} s" if args.duration else "; Ctrl-C stops"),
        file=sys.stderr,
        flush=True,
    )
    try:
        asyncio.run(record(wrapped, refresh=args.refresh, duration=args.duration))
    finally:
        writer.close()
    size = os.path.getsize(args.out)
    print(f"recorded {writer.ticks} ticks ({size / 1e6:.2f} MB) to {args.out}", file=sys.stderr)
    if writer.failure is not None:
        print(f"schedtop record: writing stopped early: {writer.failure}", file=sys.stderr)
        return 1
    return 0


async def record(sources: Sequence[tuple[str, Source]], *, refresh: float, duration: float | None) -> None:
    """Tick every node every ``refresh`` seconds until ``duration`` is up or a signal stops it."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    taps = [_Tap(source, refresh) for _, source in sources]
    began = time.monotonic()
    try:
        while not stop.is_set():
            started = time.monotonic()
            await asyncio.gather(*(tap.tick() for tap in taps))
            if duration is not None and time.monotonic() - began >= duration:
                break
            pause = refresh - (time.monotonic() - started)
            if duration is not None:
                pause = min(pause, duration - (time.monotonic() - began))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, pause))
    finally:
        for tap in taps:
            with contextlib.suppress(Exception):
                await tap.source.close()


class _Tap:
    """One node: opened when it first answers, asked for its delta since the revision it answered last."""

    def __init__(self, source: Source, refresh: float) -> None:
        self.source = source
        self.timeout = max(5.0, 3 * refresh)
        self.opened = False
        self.revision = 0

    async def tick(self) -> None:
        # a failure is recorded by the recording source; the next tick tries again, as the dashboard does
        with contextlib.suppress(Exception):
            if not self.opened:
                await asyncio.wait_for(self.source.open(), timeout=max(self.timeout, 30.0))
                self.opened = True
            snapshot = await asyncio.wait_for(self.source.snapshot(self.revision), timeout=self.timeout)
            self.revision = snapshot.revision
