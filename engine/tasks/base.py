"""What every task type sees of the engine: the cluster, the task manager, statistics, faults, time and log.

The protocol a task type implements, and the one table of them, are in :mod:`engine.tasks.registry`.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..clock import Clock
from ..sim.cluster import Cluster
from ..sim.faults import Faults
from ..stats import StatsBook
from ..taskmanager import TaskManager

XID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
"""xid's alphabet: base32hex, lower case."""
_XID_PAIRS = [a + b for a in XID_ALPHABET for b in XID_ALPHABET]
"""Every two-character string of the alphabet, indexed by the 10 bits it encodes."""
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def shallow_fields(obj: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, sharing (not copying) its lists and dicts: the JSON payload of a work object.

    ``dataclasses.asdict`` deep-copies every value; for a payload that is serialised at once that copy was ~80 %
    of the store flush (every migrate task is re-serialised on each change).
    """
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return {name: getattr(obj, name) for name in names}


@dataclass(slots=True)
class Context:
    cluster: Cluster
    tm: TaskManager
    stats: StatsBook
    faults: Faults
    rng: random.Random
    clock: Clock
    enabled: dict[str, bool]
    log: Callable[[str, str], None] = field(default=lambda kind, text: None)
    """``log(task_type, text)``: one line of the engine's event log."""

    def now(self) -> datetime:
        return self.clock.now()

    def unix(self) -> float:
        return self.clock.now().timestamp()

    def xid(self) -> str:
        """A 20-character id in xid's alphabet, as CubeFS task ids end with: 100 seeded bits, 5 to a character.

        One draw from the generator, not one per character (that was a fifth of building a big failure wave).
        """
        bits, pairs = self.rng.getrandbits(100), _XID_PAIRS
        return (
            f"{pairs[bits >> 90]}{pairs[bits >> 80 & 1023]}{pairs[bits >> 70 & 1023]}{pairs[bits >> 60 & 1023]}"
            f"{pairs[bits >> 50 & 1023]}{pairs[bits >> 40 & 1023]}{pairs[bits >> 30 & 1023]}"
            f"{pairs[bits >> 20 & 1023]}{pairs[bits >> 10 & 1023]}{pairs[bits & 1023]}"
        )

    def is_enabled(self, task_type: str) -> bool:
        return self.enabled.get(task_type, True)
