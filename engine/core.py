"""The engine's core: building (or reloading) its state, its settings, making changes durable, and closing.

:class:`EngineCore` is the base of every family of the API (``engine/facade/``) and of the turns
(:mod:`engine.turns`). A method that changes state is made durable in one way only: decorated with
:func:`durable`, which writes the change to the store (:meth:`EngineCore.flush`) before the method returns.
The task types are built once, in :class:`engine.tasks.registry.TaskTypes` (``engine.handlers``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import random
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from .clock import Clock, RealClock
from .config import DEMO_JOBS, NODE_NAME, EngineConfig, EngineEvent, wave_disks
from .errors import InvalidArgument, StoreError
from .model import DiskStatus
from .model.task_types import SWITCHABLE_TYPES
from .persist import Persistence, load_cluster
from .sim.cluster import Cluster, ClusterShape, Disk
from .sim.demo import DemoFaults
from .sim.faults import Faults
from .stats import StatsBook
from .store import Store
from .supervisor import Supervisor
from .supervisor_engine import attach as attach_supervisor
from .taskmanager import TaskManager
from .tasks.base import Context
from .tasks.migrate import Migrations
from .tasks.registry import TaskTypes

P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound="EngineCore")


def durable(method: Callable[Concatenate[E, P], Awaitable[R]]) -> Callable[Concatenate[E, P], Coroutine[Any, Any, R]]:
    """An API method whose change is in the store when it returns (a method that raises writes nothing)."""

    @functools.wraps(method)
    async def write_through(self: E, *args: P.args, **kwargs: P.kwargs) -> R:
        result = await method(self, *args, **kwargs)
        self.flush()
        return result

    return write_through


class EngineCore:
    """See the module docstring; construct an engine with :meth:`engine.engine.Engine.open`."""

    supervisor: Supervisor | None

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self._loop_task: asyncio.Task[None] | None = None
        self._closed = False
        self.node_name = NODE_NAME
        """How this node is named in the snapshot: ``host:port`` of the server in front of it, once known."""
        self.store = Store.open(config.db_path)
        try:
            self._build()
        except BaseException:
            self.store.close()
            raise
        self._last_mono = self.clock.monotonic()

    # -- construction ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        config = self.config
        meta = self._loading(self.store.load_settings)
        fresh = self.store.is_empty()
        self.generation = 1 if fresh else int(meta.get("generation", 1)) + 1
        self.seed = config.seed if fresh else int(meta.get("seed", config.seed))
        # A reopened store gets a fresh but reproducible random stream, so new ids never repeat old ones.
        self.rng = random.Random(self.seed if fresh else f"{self.seed}:{self.generation}")
        if config.clock is not None:
            self.clock: Clock = config.clock
        else:
            start = datetime.now(UTC)
            stored = meta.get("sim_time")
            if stored is not None:
                start = max(start, datetime.fromtimestamp(float(stored), UTC))
            self.clock = RealClock(config.speed, start=start)
        self.events: deque[EngineEvent] = deque(maxlen=1000)
        self.listeners: list[Callable[[EngineEvent], None]] = []
        self.counters = StatsBook()
        self.faults = Faults(self.rng, config.failure_rate)
        self.tm = TaskManager(self.rng, self.clock.now)
        if fresh:
            self.cluster = Cluster.generate(self.rng, self._shape())
        else:
            self.cluster = self._loading(load_cluster, self.store)
        self.cluster.name = f"sim-{self.seed}"
        self.persistence = Persistence(self.store, self.tm, self.cluster, self.counters)
        default_on = {t: True for t in SWITCHABLE_TYPES}
        default_on["volume_inspect"] = bool(config.demo)
        self.enabled: dict[str, bool] = {**default_on, **(config.enabled or {})}
        self.ctx = Context(
            self.cluster, self.tm, self.counters, self.faults, self.rng, self.clock, self.enabled, self._log
        )
        self.migrations = Migrations(self.ctx, config.workers_per_idc, config.prepare_per_step)
        self.handlers = TaskTypes(self.ctx, self.migrations)
        self.tm.task_ttl = 60 if config.demo else 0
        if config.task_ttl is not None:
            self.tm.task_ttl = config.task_ttl
        if config.user_task_ttl is not None:
            self.tm.user_task_ttl = config.user_task_ttl
        if not fresh:
            self._loading(self._apply_settings, meta)
            self._loading(self.persistence.load, meta, self.handlers)
        self.handlers.consumers.ensure_started()
        for task_type in SWITCHABLE_TYPES:  # suspended tasks follow the switches (the stored ones or the config's)
            self.tm.switch_type(task_type, self.enabled.get(task_type, True))
        self.demo = DemoFaults(self.ctx, self._break, self._drop) if config.demo else None
        if self.demo is not None and "demo" in meta:
            self.demo.load_state(meta["demo"])
        elif "demo" in meta:
            self._end_demo_faults(meta["demo"])
        self.supervisor = None
        if fresh and config.wave_tasks > 0:
            from .scenarios import failure_wave  # imported only when asked for

            with paused_gc():  # a million long-lived objects: each full collection on the way walked them all
                failure_wave(self, config.wave_tasks)
        self.flush()

    def _shape(self) -> ClusterShape:
        config = self.config
        if config.shape is not None:
            return config.shape
        if config.disks is not None:
            return ClusterShape.for_disks(config.disks)
        if config.wave_tasks > 0:
            return ClusterShape.for_disks(wave_disks(config.wave_tasks))
        return ClusterShape()

    def _end_demo_faults(self, demo_state: dict[str, Any]) -> None:
        """Restarted without the demo: its temporary faults end now (only the demo would have ended them)."""
        for host in demo_state.get("silenced", {}):
            if host in self.cluster.hosts and self.cluster.hosts[host].silent:
                self.cluster.hosts[host].silent = False
                self.cluster.hosts_dirty = True
                self._log("cluster", f"demo: node {host} is back (the demo is off)")

    def _loading(self, load: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a loader; rows that do not make sense become a StoreError naming the file, not a traceback."""
        try:
            return load(*args, **kwargs)
        except (ValueError, KeyError, TypeError, AttributeError, sqlite3.Error) as error:
            raise StoreError(
                f"store {self.store.where} holds rows this engine cannot read ({type(error).__name__}: {error})"
            ) from None

    async def _attach_supervisor(self) -> None:
        if not self.config.supervisor:
            return
        self.supervisor = attach_supervisor(self)
        if self.config.demo_schedule and not self.supervisor.configured():
            # A demo with a schedule, so that the supervisor's state, halt and restart have something to show.
            for name, task_type, interval in DEMO_JOBS:
                self.supervisor.add_job(name, task_type, interval)
            self.flush()

    def _log(self, source: str, text: str) -> None:
        event = EngineEvent(self.clock.now(), source, text)
        self.events.append(event)
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # a faulty listener must never break a tick half-way
                self.listeners.remove(listener)

    # -- settings and durability ----------------------------------------------------------------------------
    def _settings(self, unix: float) -> dict[str, object]:
        """The engine's settings as the store keeps them (JSON values), written with every flush."""
        tm = self.tm
        settings: dict[str, object] = {
            "seed": self.seed,
            "generation": self.generation,
            "sim_time": unix,
            "task_ttl": tm.task_ttl,
            "user_task_ttl": tm.user_task_ttl,
            "sequence": tm.sequence,
            "revision": tm.revision,
            "enabled": self.enabled,
            "fail_next": self.faults.fail_next,
            **self.handlers.state(),
        }
        if self.demo is not None:
            settings["demo"] = self.demo.state()
        return settings

    def _apply_settings(self, meta: dict[str, Any]) -> None:
        """The stored settings of a reopened store (what :meth:`_settings` wrote), before its tasks load."""
        tm = self.tm
        if "task_ttl" in meta:
            tm.task_ttl = int(meta["task_ttl"])
        if "user_task_ttl" in meta:
            tm.user_task_ttl = int(meta["user_task_ttl"])
        tm.sequence = {k: int(v) for k, v in meta.get("sequence", {}).items()}
        tm.revision = int(meta.get("revision", 0))  # revisions keep growing across restarts
        self.enabled.update({k: bool(v) for k, v in meta.get("enabled", {}).items()})
        self.faults.fail_next = {k: int(v) for k, v in meta.get("fail_next", {}).items()}
        self.handlers.load_state(meta)

    def flush(self) -> None:
        """Write everything that changed since the last flush (inside a turn: with the turn's transaction)."""
        unix = self.clock.now().timestamp()
        self.persistence.flush(self._settings(unix), unix)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        if self.supervisor is not None:
            await self.supervisor.close()
        try:
            self.flush()
        finally:
            self.store.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- cluster faults (the API's and the demo's) ----------------------------------------------------------
    def _disk(self, disk_id: object) -> Disk:
        number = whole(disk_id, "disk_id")
        disk = self.cluster.disks.get(number)
        if disk is None:
            raise InvalidArgument(f"disk {number} does not exist")
        return disk

    def _break(self, disk_id: int) -> None:
        disk = self._disk(disk_id)
        if disk.status not in (DiskStatus.NORMAL, DiskStatus.BROKEN) or (
            disk.status is DiskStatus.BROKEN and not disk.held
        ):
            raise InvalidArgument(f"disk {disk.disk_id} is {disk.status.value}; only a normal disk can break")
        self.cluster.set_status(disk, DiskStatus.BROKEN, held=False)
        self.handlers.repair.request(disk.disk_id)
        self._log("cluster", f"disk {disk.disk_id} on {disk.host} broke ({len(disk.chunks)} chunks)")

    def _drop(self, disk_id: int) -> None:
        disk = self._disk(disk_id)
        if disk.status is not DiskStatus.NORMAL:
            raise InvalidArgument(f"disk {disk.disk_id} is {disk.status.value}; only a normal disk can be dropped")
        self.cluster.set_status(disk, DiskStatus.DROPPING, held=False)
        self.handlers.drop.request(disk.disk_id)
        self._log("cluster", f"disk {disk.disk_id} on {disk.host} set to drop ({len(disk.chunks)} chunks)")


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name} must be a whole number, got {value!r}")
    return value
