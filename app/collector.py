"""The app and Python's cyclic garbage collector: paused for start-up, and kept away from long-lived task rows.

Rows hold no reference cycles and go by reference counting, but every full cyclic collection still walks each of
them: with hundreds of thousands of rows, a stall of ~100 ms every few dozen refreshes. Once enough rows arrived
they are moved out of the collector's sight with ``gc.freeze()``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

FREEZE_FROM = 20_000
"""Rows (in the model, and new since the last freeze) from which the objects alive are frozen."""


def resume_after_start_up() -> None:
    """End the start-up's pause of the collector (``app.cli.main`` pauses it): what start-up built lives as long
    as the app, so it is frozen first."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    """The collector off while a full snapshot's 100 000 rows are taken in (nothing built there is cyclic
    garbage; the collections it would start walk every row alive), then on again if it was on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class RowFreezer:
    """Freezes the objects alive once ``FREEZE_FROM`` rows arrived since the last time (after a collection of
    what is new since then, so no cyclic garbage is frozen with them; the very first time there is no such pass,
    it would delay the first frame)."""

    def __init__(self, threshold: int = FREEZE_FROM) -> None:
        self.threshold = threshold
        self._fresh = 0
        self._frozen = False

    def rows_arrived(self, total: int, arrived: int) -> None:
        """``total`` rows in the model, ``arrived`` of them new or changed in the snapshot just applied."""
        if total < self.threshold:
            return
        self._fresh += arrived
        if self._fresh >= self.threshold:
            self._fresh = 0
            if self._frozen:
                gc.collect()
            gc.freeze()
            self._frozen = True
