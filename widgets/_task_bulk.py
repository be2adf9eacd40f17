"""Bulk work on the task index (indexing every row, laying every block out) with the cyclic collector paused.

Indexing 100 000 rows keeps ~100 000 new containers alive (sort keys, children lists); with the collector on, that
many allocations start dozens of young collections and a full one over every row alive, a third of the time of the
first frame. Nothing built there is cyclic garbage, so the collector waits until the work is done (the app's
start-up pauses it the same way, :mod:`app.collector`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block (unless it is off already), then on again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
