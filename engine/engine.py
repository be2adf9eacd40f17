"""The embedded scheduler engine: a simulated cluster, its background tasks, the task manager and the store.

``Engine.open(EngineConfig(...))`` builds (or reloads from SQLite) everything; with ``autorun`` a background
asyncio loop advances the simulation in turns and writes each turn's changes in one transaction. Tests pass a
:class:`~engine.clock.ManualClock` with ``autorun=False`` and drive time with ``await engine.advance(seconds)``,
which runs the very same turns (``Engine._turn``), each covering what a production turn covers.
The engine implements :class:`engine.api.EngineAPI`; bad input raises an :class:`engine.errors.EngineError`.

Task-manager mapping to the storage world: ``keyspace`` is the IDC of the disk a task works on (or the Ocient
cluster = IDC), ``table`` is that disk's id as a string; tasks that span the cluster leave both empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import persist
from .clock import Clock, ManualClock, RealClock
from .errors import EngineError, IllegalTaskType, InvalidArgument, NotFound, StoreError, Unavailable
from .model import (
    MIGRATE_TYPES,
    CreateTaskRequest,
    DiskInfo,
    DiskMigratingStats,
    DiskStatus,
    DistributedType,
    MigrateTaskDetail,
    ScheduledJob,
    Snapshot,
    StatementResult,
    SupervisorState,
    SupervisorView,
    TasksStat,
    TaskStats,
    TaskStatus,
    UpdateJobRequest,
)
from .model.task_types import FAULT_TYPES, SWITCHABLE_TYPES
from .sim.cluster import Cluster, ClusterShape
from .sim.demo import DemoFaults
from .sim.faults import Faults
from .statements import StatementError, parse_statement
from .stats import StatsBook
from .store import Store
from .supervisor import Supervisor
from .supervisor_engine import attach as attach_supervisor
from .taskmanager import TaskManager
from .tasks.balance import Balance
from .tasks.base import Context
from .tasks.consumers import Consumers
from .tasks.disk_drop import disk_drop
from .tasks.disk_migration import DiskMigrationType
from .tasks.disk_repair import disk_repair
from .tasks.distributed import Distributed
from .tasks.manual_migrate import ManualMigrate
from .tasks.migrate import Migrations
from .tasks.volume_inspect import VolumeInspect
from .views import cluster_summary, tasks_stat

NODE_NAME = "127.0.0.1:9800"
DEMO_JOBS = (("inspect-volumes", "volume_inspect", 180), ("checksum-sweep", "check_disk", 900))


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
    """Cluster size; None is the small demo cluster (3 IDCs x 4 hosts x 4 disks)."""
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


@dataclass
class _Handlers:
    repair: DiskMigrationType
    drop: DiskMigrationType
    balance: Balance
    manual: ManualMigrate
    inspect: VolumeInspect
    consumers: Consumers
    distributed: Distributed
    by_module: dict[str, Any] = field(default_factory=dict)


class Engine:
    """See the module docstring; construct with :meth:`open`."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self._loop_task: asyncio.Task[None] | None = None
        self._closed = False
        self._last_prune_minute = 0
        self.node_name = NODE_NAME
        """How this node is named in the snapshot: ``host:port`` of the server in front of it, once known."""
        self.store = Store.open(config.db_path)
        try:
            self._build()
        except BaseException:
            self.store.close()
            raise
        self._last_mono = self.clock.monotonic()

    @classmethod
    async def open(cls, config: EngineConfig | None = None) -> Engine:
        engine = cls(config or EngineConfig())
        await engine._attach_supervisor()
        if engine.config.autorun:
            engine._loop_task = asyncio.get_running_loop().create_task(engine._run(), name="schedtop-engine")
        return engine

    # -- construction ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        config = self.config
        meta = self._loading(self.store.meta)
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
        self.json_heads = persist.HeadCache()
        self.uncommitted_removed: list[str] = []
        """Ids deleted by a flush inside a tick's transaction that has not committed yet."""
        if fresh:
            self.cluster = Cluster.generate(self.rng, config.shape or ClusterShape())
        else:
            self.cluster = self._loading(persist.load_cluster, self.store)
        self.cluster.name = f"sim-{self.seed}"
        default_on = {t: True for t in SWITCHABLE_TYPES}
        default_on["volume_inspect"] = bool(config.demo)
        self.enabled: dict[str, bool] = {**default_on, **(config.enabled or {})}
        self.ctx = Context(
            self.cluster, self.tm, self.counters, self.faults, self.rng, self.clock, self.enabled, self._log
        )
        self.migrations = Migrations(self.ctx, config.workers_per_idc, config.prepare_per_step)
        handlers = _Handlers(
            repair=disk_repair(self.ctx, self.migrations),
            drop=disk_drop(self.ctx, self.migrations),
            balance=Balance(self.ctx, self.migrations),
            manual=ManualMigrate(self.ctx, self.migrations),
            inspect=VolumeInspect(self.ctx),
            consumers=Consumers(self.ctx),
            distributed=Distributed(self.ctx),
        )
        for handler in (
            handlers.repair,
            handlers.drop,
            handlers.balance,
            handlers.manual,
            handlers.inspect,
            handlers.consumers,
            handlers.distributed,
        ):
            for module in handler.modules:
                handlers.by_module[module] = handler
        self.handlers = handlers
        self.tm.task_ttl = 60 if config.demo else 0
        if config.task_ttl is not None:
            self.tm.task_ttl = config.task_ttl
        if config.user_task_ttl is not None:
            self.tm.user_task_ttl = config.user_task_ttl
        if not fresh:
            self._loading(persist.load_state, self, meta)
        handlers.consumers.ensure_started()
        self.demo = DemoFaults(self.ctx, self._break, self._drop) if config.demo else None
        if self.demo is not None and "demo" in meta:
            self.demo.load_state(meta["demo"])
        elif "demo" in meta:
            self._end_demo_faults(meta["demo"])
        self.supervisor: Supervisor | None = None
        self._flush()

    def _end_demo_faults(self, demo_state: dict[str, Any]) -> None:
        """Restarted without the demo: its temporary faults end now (only the demo would have ended them)."""
        for host in demo_state.get("silenced", {}):
            if host in self.cluster.hosts and self.cluster.hosts[host].silent:
                self.cluster.hosts[host].silent = False
                self.cluster.hosts_dirty = True
                self._log("cluster", f"demo: node {host} is back (the demo is off)")

    def _loading(self, load: Callable[..., Any], *args: Any) -> Any:
        """Run a loader; rows that do not make sense become a StoreError naming the file, not a traceback."""
        try:
            return load(*args)
        except (ValueError, KeyError, TypeError, AttributeError, sqlite3.Error) as error:
            where = self.store.path or ":memory:"
            raise StoreError(
                f"store {where} holds rows this engine cannot read ({type(error).__name__}: {error})"
            ) from None

    async def _attach_supervisor(self) -> None:
        if not self.config.supervisor:
            return
        self.supervisor = attach_supervisor(self)
        if self.config.demo_schedule and not self.supervisor.configured():
            # A demo with a schedule, so that the supervisor's state, halt and restart have something to show.
            for name, task_type, interval in DEMO_JOBS:
                self.supervisor.add_job(name, task_type, interval)
            self._flush()

    def _log(self, source: str, text: str) -> None:
        event = EngineEvent(self.clock.now(), source, text)
        self.events.append(event)
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # a faulty listener must never break a tick half-way
                self.listeners.remove(listener)

    # -- time -----------------------------------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.config.interval)
            now = self.clock.monotonic()
            elapsed, self._last_mono = now - self._last_mono, now
            try:
                self._turn(elapsed)
            except EngineError as error:  # e.g. a store that went read-only: report, keep running in memory
                self._log("engine", f"error: {error.message}")

    def _turn(self, seconds: float) -> None:
        """One turn of the engine, the same for the background loop and :meth:`advance`.

        The clock has already moved by ``seconds``. The turn cuts them into steps of at most ``tick_seconds`` for
        the workers; the clock-only work (the demo's faults, expiry, the supervisor's tick) runs once, in the last
        step; and the turn's changes, supervisor writes included, go to the store in one transaction.
        """
        with self._tick_transaction():
            self._steps(seconds)
            self._flush()

    def _turn_seconds(self) -> float:
        """Simulated seconds one turn of :meth:`advance` covers: what a production turn covers at this config.

        That is ``interval`` real seconds at ``speed`` (a ManualClock has no speed of its own, so the config's is
        used), but at least one whole step: at speed 1 a test turn is one step of ``tick_seconds``, at speed 30
        it is 15 steps with the clock-only work once, as in the demo.
        """
        return max(self.config.tick_seconds, self.config.interval * self.config.speed)

    def _steps(self, elapsed: float) -> None:
        tick = self.config.tick_seconds
        while elapsed > 1e-9:
            dt = min(tick, elapsed)
            elapsed -= dt
            # The clock does not move between the steps of one turn: the demo's faults, expiry and the supervisor,
            # which only look at the clock, run once, in the last step (at ×30, 15 steps a turn, 2 turns a second).
            self._step(dt, settle=elapsed <= 1e-9)

    def _step(self, dt: float, settle: bool = True) -> None:
        if settle and self.demo is not None:
            self.demo.step()
        h = self.handlers
        h.repair.step(dt)
        h.drop.step(dt)
        h.balance.step(dt)
        self.migrations.step(dt)
        h.inspect.step(dt)
        h.consumers.step(dt)
        h.distributed.step(dt)
        if not settle:
            return
        self.tm.expire(self.clock.now().timestamp())
        if self.supervisor is not None:
            self.supervisor.tick(self.clock.now())

    async def advance(self, seconds: float) -> None:
        """Run ``seconds`` of simulated activity (needs a ManualClock) in the background loop's turns.

        Each turn moves the clock by one production turn's worth of simulated time (:meth:`_turn_seconds`; the
        last turn may be shorter) and then runs :meth:`_turn`, exactly as the loop does: its steps, the clock-only
        work once, one store transaction.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise InvalidArgument(f"advance needs a non-negative number of seconds, got {seconds!r}")
        if not isinstance(self.clock, ManualClock):
            raise InvalidArgument("advance needs an engine opened with a ManualClock")
        turn = self._turn_seconds()
        remaining = float(seconds)
        while remaining > 1e-9:
            dt = min(turn, remaining)
            remaining -= dt
            self.clock.advance(dt)
            self._last_mono = self.clock.monotonic()  # a running loop must not step this time again
            self._turn(dt)
            await asyncio.sleep(0)  # let waiters see finished tasks

    def _flush(self) -> None:
        persist.flush(self)

    @contextlib.contextmanager
    def _tick_transaction(self) -> Iterator[None]:
        """The tick's transaction; if it does not commit, everything is written again by the next flush.

        The flush inside already took the dirty sets, so a failed COMMIT (disk full, file gone read-only) would
        otherwise leave the file without this tick's changes for good, and removed tasks alive in it.
        """
        try:
            with self.store.transaction():
                yield
        except StoreError:
            self.tm.dirty_removed.update(self.uncommitted_removed)
            persist.mark_all_dirty(self)
            raise
        finally:
            self.uncommitted_removed.clear()

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
            self._flush()
        finally:
            self.store.close()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- CubeFS scheduler -----------------------------------------------------------------------------------
    def _stats(self, leader: bool) -> TasksStat:
        h = self.handlers
        return tasks_stat(self.counters, self.migrations, h.repair, h.drop, self.enabled, self.ctx.unix(), leader)

    async def stats(self) -> TasksStat:
        return self._stats(self.config.leader)

    async def leader_stats(self) -> TasksStat:
        return self._stats(True)

    async def task_detail(self, task_type: str, task_id: str) -> MigrateTaskDetail:
        if task_type not in MIGRATE_TYPES:
            raise IllegalTaskType("illegal task type")
        if not isinstance(task_id, str) or not task_id.startswith(f"{task_type}-"):
            raise InvalidArgument(f"Illegal Arguments: a {task_type} task id starts with '{task_type}-'")
        work = self.migrations.get(task_id)
        if work is None or work.task_type != task_type:
            raise NotFound(f"task {task_id} not found")
        volume = self.cluster.volumes.get(work.vid)
        sources = self.cluster.sources(volume) if volume else []
        return work.detail(sources)

    async def disk_migrating(self, task_type: str, disk_id: int) -> DiskMigratingStats:
        if task_type not in ("disk_repair", "disk_drop"):
            raise IllegalTaskType("illegal task type")
        disk_id = _whole(disk_id, "disk_id")
        handler = self.handlers.repair if task_type == "disk_repair" else self.handlers.drop
        total, migrated = handler.migrating(disk_id)
        return DiskMigratingStats(total_tasks_cnt=total, migrated_tasks_cnt=migrated)

    async def add_manual_migrate(self, vuid: int, direct_download: bool) -> str:
        task_id = self.handlers.manual.add(vuid, direct_download)
        self._flush()
        return task_id

    async def set_enabled(self, task_type: str, enabled: bool) -> None:
        if task_type == "manual_migrate":
            raise InvalidArgument("manual_migrate has no switch: it is always on")
        if task_type not in SWITCHABLE_TYPES:
            raise IllegalTaskType(f"illegal task type {task_type!r}; switchable: {', '.join(SWITCHABLE_TYPES)}")
        if not isinstance(enabled, bool):
            raise InvalidArgument(f"enabled must be true or false, got {enabled!r}")
        if self.enabled.get(task_type) != enabled:
            self.enabled[task_type] = enabled
            self._log(task_type, "enabled" if enabled else "disabled")
        self._flush()

    # -- ScyllaDB task manager ------------------------------------------------------------------------------
    async def list_modules(self) -> list[str]:
        return list(self.tm.modules)

    async def list_module_tasks(
        self, module: str, internal: bool = False, keyspace: str | None = None, table: str | None = None
    ) -> list[TaskStats]:
        return [t.stats() for t in self._listed(module, internal, keyspace, table)]

    async def list_module_tasks_json(
        self, module: str, internal: bool = False, keyspace: str | None = None, table: str | None = None
    ) -> bytes:
        """``list_module_tasks`` as the JSON array the HTTP API answers, from per-task cached JSON.

        Byte for byte what serialising ``list_module_tasks`` gives; a 10 000-task list costs a join of cached
        items instead of building and serialising 10 000 models per request.
        """
        stats_json = self.tm.stats_json
        return b"[" + b",".join([stats_json(t) for t in self._listed(module, internal, keyspace, table)]) + b"]"

    def _listed(self, module: str, internal: object, keyspace: object, table: object) -> list[Any]:
        if not isinstance(internal, bool):
            raise InvalidArgument(f"internal must be true or false, got {internal!r}")
        for name, value in (("keyspace", keyspace), ("table", table)):
            if value is not None and not isinstance(value, str):
                raise InvalidArgument(f"{name} must be a string, got {value!r}")
        return self.tm.list_tasks(module, internal, keyspace or None, table or None)  # type: ignore[arg-type]

    async def task_status(self, task_id: str) -> TaskStatus:
        status = self.tm.read_status(task_id)
        self._flush()
        return status

    async def abort_task(self, task_id: str) -> None:
        self.tm.abort(task_id)
        self._flush()

    async def wait_task(self, task_id: str, timeout: float | None = None) -> TaskStatus:
        status = await self.tm.wait(task_id, timeout)
        self._flush()
        return status

    async def task_status_recursive(self, task_id: str) -> list[TaskStatus]:
        statuses = self.tm.recursive_status(task_id)
        self._flush()
        return statuses

    async def get_ttl(self) -> int:
        return self.tm.task_ttl

    async def set_ttl(self, seconds: int) -> int:
        old = self.tm.set_ttl(seconds)
        self._flush()
        return old

    async def get_user_ttl(self) -> int:
        return self.tm.user_task_ttl

    async def set_user_ttl(self, seconds: int) -> int:
        old = self.tm.set_ttl(seconds, user=True)
        self._flush()
        return old

    # -- Ocient-style distributed tasks ---------------------------------------------------------------------
    async def create_task(self, request: CreateTaskRequest) -> str:
        task_id = self.handlers.distributed.create(request)
        self._flush()
        return task_id

    async def cancel_task(self, name_or_id: str) -> str:
        task_id = self.handlers.distributed.cancel(name_or_id)
        self._flush()
        return task_id

    async def execute(self, statement: str) -> StatementResult:
        if not isinstance(statement, str):
            raise InvalidArgument("a statement must be text")
        try:
            parsed = parse_statement(statement)
        except StatementError as error:
            raise InvalidArgument(str(error)) from None
        if isinstance(parsed, CreateTaskRequest):
            task_id = await self.create_task(parsed)
            where = str(parsed.location)
            return StatementResult(
                action="create",
                task_id=task_id,
                name=parsed.name,
                message=f"created {parsed.type.value} task {parsed.name or task_id} at {where}",
            )
        task_id = await self.cancel_task(parsed.task)
        return StatementResult(action="cancel", task_id=task_id, name=parsed.task, message=f"cancelled {parsed.task}")

    def start_job(self, task_type: str) -> str:
        """Kick off one run of a background type now (what a scheduled job does); returns a task-manager id."""
        if task_type == "volume_inspect":
            return self.handlers.inspect.run_now()
        if task_type == "balance":
            self.handlers.balance.next_at = 0.0
            self.handlers.balance.step(0.0)
            current = self.handlers.balance.current
            return current.tm_id if current else ""
        if task_type in ("shard_repair", "blob_delete"):
            return self.handlers.consumers.consumers[task_type].tm_id
        if task_type in {t.value for t in DistributedType}:
            return self.handlers.distributed.create(CreateTaskRequest(type=DistributedType(task_type)), user=False)
        raise IllegalTaskType(f"task type {task_type!r} cannot be started by a job")

    # -- supervisor (delegated) -----------------------------------------------------------------------------
    def _sup(self) -> Supervisor:
        if self.supervisor is None:
            raise Unavailable("no schedule configured")
        return self.supervisor

    async def supervisor_state(self) -> SupervisorState:
        return self._sup().state()

    async def supervisor_halt(self) -> SupervisorState:
        state = self._sup().halt()
        self._flush()
        return state

    async def supervisor_restart(self) -> SupervisorState:
        state = self._sup().restart()
        self._flush()
        return state

    async def supervisor_view(self) -> SupervisorView:
        return self.supervisor.view() if self.supervisor is not None else SupervisorView(configured=False)

    async def add_job(
        self,
        name: str,
        task_type: str,
        interval_seconds: int,
        start: datetime | None = None,
        *,
        remote: bool = False,
        until: datetime | None = None,
    ) -> ScheduledJob:
        job = self._sup().add_job(name, task_type, interval_seconds, start, remote=remote, until=until)
        self._flush()
        return job

    async def update_job(self, job_id: int, change: UpdateJobRequest) -> ScheduledJob:
        job = self._sup().update_job(job_id, change)
        self._flush()
        return job

    async def remove_job(self, job_id: int) -> int:
        runs = self._sup().remove_job(job_id)
        self._flush()
        return runs

    async def cleanup_delete_run(self, job_id: int, scheduled_start: datetime) -> None:
        self._sup().cleanup_delete_run(job_id, scheduled_start)
        self._flush()

    async def cleanup_reschedule(self, job_id: int, scheduled_start: datetime | None = None) -> ScheduledJob:
        job = self._sup().cleanup_reschedule(job_id, scheduled_start)
        self._flush()
        return job

    # -- cluster and faults ---------------------------------------------------------------------------------
    async def disks(self) -> list[DiskInfo]:
        return [d.info() for d in self.cluster.disks.values()]

    def _disk(self, disk_id: object) -> Any:
        number = _whole(disk_id, "disk_id")
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

    async def break_disk(self, disk_id: int) -> None:
        self._break(disk_id)
        self._flush()

    async def drop_disk(self, disk_id: int) -> None:
        self._drop(disk_id)
        self._flush()

    async def fail_next(self, task_type: str, count: int = 1) -> None:
        if task_type not in FAULT_TYPES:
            raise IllegalTaskType(f"illegal task type {task_type!r}")
        count = _whole(count, "count")
        if not 1 <= count <= 1_000_000:
            raise InvalidArgument(f"count must be between 1 and 1000000, got {count}")
        self.faults.add(task_type, count)
        self._log(task_type, f"the next {count} worker step(s) will fail")
        self._flush()

    async def silence_node(self, host: str, silent: bool = True) -> None:
        if not isinstance(host, str):
            raise InvalidArgument(f"host must be text, got {host!r}")
        if not isinstance(silent, bool):
            raise InvalidArgument(f"silent must be true or false, got {silent!r}")
        found = self.cluster.host_by_name(host)
        if found is None:
            raise InvalidArgument(f"unknown node {host!r}")
        if found.silent != silent:
            found.silent = silent
            self.cluster.hosts_dirty = True
            self._log("cluster", f"node {found.url} {'stopped reporting' if silent else 'is back'}")
        self._flush()

    # -- the dashboard's refresh ----------------------------------------------------------------------------
    def snapshot(self, since: int = 0) -> Snapshot:
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise InvalidArgument(f"since must be a non-negative revision, got {since!r}")
        full, changed, removed = self.tm.changed_since(since)
        with paused_gc():  # tens of thousands of fresh rows would otherwise trigger costly full collections
            rows = [self.tm.row(t) for t in changed]
        supervisor = self.supervisor.view_now() if self.supervisor is not None else SupervisorView(configured=False)
        migrations = self.handlers.repair.views() + self.handlers.drop.views()
        return Snapshot.model_construct(
            revision=self.tm.revision,
            full=full,
            taken_at=self.clock.now(),
            clock_speed=getattr(self.clock, "speed", 1.0),
            cluster=cluster_summary(self.cluster, self.node_name, self.config.leader),
            stats=self._stats(self.config.leader),
            modules=list(self.tm.modules),
            tasks=rows,
            removed=removed,
            migrations=sorted(migrations, key=lambda m: (m.finished_at is not None, m.disk_id)),
            supervisor=supervisor,
            task_ttl=self.tm.task_ttl,
            user_task_ttl=self.tm.user_task_ttl,
            switches={t: self.enabled.get(t, True) for t in SWITCHABLE_TYPES},
        )


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _whole(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name} must be a whole number, got {value!r}")
    return value
