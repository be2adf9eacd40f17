"""The engine's configuration (:class:`EngineConfig`) and the lines of its event log (:class:`EngineEvent`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .clock import Clock
from .sim.cluster import ClusterShape

NODE_NAME = "127.0.0.1:9800"
DEMO_JOBS = (("inspect-volumes", "volume_inspect", 180), ("checksum-sweep", "check_disk", 900))
MAX_DISKS = 200_000
"""The most disks ``--disks`` generates."""
MAX_WAVE_TASKS = 2_000_000
"""The most tasks ``--tasks`` starts at once."""
DEMO_DISKS = 48
TASKS_PER_DISK = 10
"""``--tasks N`` without ``--disks``: max(the demo's 48, N / 10) disks, which hold ~28 chunks each."""


def wave_disks(tasks: int) -> int:
    """The disks a failure wave of ``tasks`` tasks gets when no cluster size is given."""
    return max(DEMO_DISKS, -(-tasks // TASKS_PER_DISK))


def count_option(text: str, most: int) -> int:
    """The value of ``--disks``/``--tasks``: a whole number 1 … ``most``; ValueError with the message if not
    (argparse puts the flag in front of it)."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise ValueError(f"a whole number is needed, got {text!r}") from None
    if not 1 <= value <= most:
        raise ValueError(f"must be between 1 and {most:_}, got {value:_}".replace("_", " "))
    return value


@dataclass
class EngineConfig:
    db_path: Path | str | None = None
    """None: an in-memory store; a path: a persistent SQLite file (WAL)."""
    seed: int = 1
    speed: float = 1.0
    """Simulated seconds per real second. With a given ``clock`` it does not drive time, but still sets how much
    simulated time one turn of :meth:`Engine.advance` covers (``interval`` × ``speed``), as in production."""
    demo: bool = False
    """Inject faults periodically (and enable every task type) so that there is always something going on."""
    clock: Clock | None = None
    autorun: bool = True
    shape: ClusterShape | None = None
    """Cluster size; None is the small demo cluster (3 IDCs x 4 hosts x 4 disks), unless ``disks`` is set."""
    disks: int | None = None
    """A cluster of this many disks (:meth:`ClusterShape.for_disks`) when ``shape`` is None (None with
    ``wave_tasks``: :func:`wave_disks`); only an empty store generates a cluster (a reopened one keeps its own)."""
    wave_tasks: int = 0
    """A failure wave of this many tasks at start-up (:func:`engine.scenarios.failure_wave`: repairs and drops
    with their chunk children, a balance round, manual migrations) — on an empty store only. More than the
    cluster has chunks for is an :class:`~engine.errors.InvalidArgument`."""
    task_ttl: int | None = None
    """None: 0 as upstream (60 in demo mode, so finished roots stay visible a while). A stored value wins."""
    user_task_ttl: int | None = None
    """None: 3600 as upstream. A stored value wins."""
    failure_rate: float = 0.002
    """Chance per simulated second that a worker step fails (redo); injected faults come on top."""
    tick_seconds: float = 1.0
    """Largest simulated step; a longer turn is cut into steps of at most this."""
    interval: float = 0.5
    """Real seconds between two turns of the background loop (each turn is one store transaction; the demo's
    faults, expiry and the supervisor's tick run once a turn). :meth:`Engine.advance` uses turns of the same
    simulated length, ``interval`` × ``speed`` but at least ``tick_seconds``."""
    leader: bool = True
    workers_per_idc: int = 6
    prepare_per_step: int = 8
    """Migrate tasks each type may prepare (pick a destination for) per step; raise it with many workers."""
    enabled: dict[str, bool] | None = None
    """Initial switches per task type; None: everything on except volume_inspect (everything on in demo)."""
    supervisor: bool = True
    """Embed the supervisor (engine.supervisor): scheduled jobs in the same SQLite file."""
    demo_schedule: bool = False
    """On an empty schedule, add two demo jobs (inspect-volumes, checksum-sweep) so the supervisor has work."""


@dataclass(frozen=True, slots=True)
class EngineEvent:
    """One line of the engine's event log (tasks queued, failing, finishing; demo faults)."""

    at: datetime
    source: str
    text: str

    def __str__(self) -> str:
        return f"{self.at.astimezone(UTC):%H:%M:%S} {self.source:<14} {self.text}"
