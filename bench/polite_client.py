"""The polite client: what a ScyllaDB source sends a node with 1 000 running repair roots, in real time.

A stand-in node (the tests' ``FakeScylla``, over a real loopback socket) holds 1 000 unfinished roots; the source
refreshes once a second for the window. Side by side: the default budget (20 requests a second) and a budget so
large it never holds anything back — what the source sent before it had one (~500 requests a second were measured
against such a node). Figures: requests a second at the node, and the time one full round of tree reads takes at
the rate measured (every tree must be read within 60 s).
"""

from __future__ import annotations

import asyncio
import time

from app.sources.budget import DEFAULT_RATE
from app.sources.http_scylla import ScyllaSource
from tests.fake_upstreams import FakeScylla, ServedApp

from .report import Figure

ROOTS = 1000
UNBOUNDED = 100_000.0


async def _watch(max_rps: float, window: float) -> tuple[float, float]:
    """(requests a second at the node, tree reads a second) over ``window`` seconds of 1 s refreshes."""
    fake = FakeScylla()
    fake.add_running_roots(ROOTS)
    with ServedApp(fake.app()) as served:
        source = ScyllaSource(served.url, max_rps=max_rps)
        await source.open()
        began = time.monotonic()
        opened = len(fake.requests)
        revision = 0
        while time.monotonic() - began < window:
            tick = time.monotonic()
            revision = (await source.snapshot(since=revision)).revision
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
        elapsed = time.monotonic() - began
        await source.close()
    sent = fake.requests[opened:]
    trees = sum(1 for _, path in sent if "task_status_recursive" in path)
    return len(sent) / elapsed, trees / elapsed


def polite_client(quick: bool) -> list[Figure]:
    window = 10.0 if quick else 30.0
    polite_rps, polite_trees = asyncio.run(_watch(DEFAULT_RATE, window))
    eager_rps, _ = asyncio.run(_watch(UNBOUNDED, window))
    rate = Figure(f"ScyllaDB source, {ROOTS:,} running roots: requests/s", polite_rps, "req/s")
    rate.baseline, rate.baseline_name = eager_rps, "no budget"
    rate.target, rate.met = f"≤ {DEFAULT_RATE:g}/s by default", polite_rps <= DEFAULT_RATE * 1.05
    cycle = ROOTS / polite_trees if polite_trees else None
    full = Figure("… every tree read within", cycle, "s", target="≤ 60 s")
    full.met = cycle is not None and cycle <= 60
    full.note = f"{polite_trees:.1f} tree reads/s over a {window:g} s window"
    return [rate, full]
