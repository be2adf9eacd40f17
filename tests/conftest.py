"""Shared set-up for every test: Python's cyclic garbage collector is left as each test found it.

The app pauses the collector during start-up (``app.cli.main``) and moves long-lived objects out of its sight with
``gc.freeze()`` (``app.collector``): in the app's own process that is for its whole life, but in the test process it
would leak into every later test (a frozen heap that is never collected, a collector left disabled).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_the_garbage_collector() -> Iterator[None]:
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    yield
    if gc.get_freeze_count() > frozen:
        gc.unfreeze()  # back into the oldest generation: collectable again
    if gc.isenabled() != enabled:
        (gc.enable if enabled else gc.disable)()
