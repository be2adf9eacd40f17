"""The embedded engine as a source: schedtop's own scheduler engine, opened in this process.

By default the engine runs on its own thread with its own asyncio loop, so its ticks (simulation, SQLite writes)
never stall the UI's event loop; every call is handed over with ``run_coroutine_threadsafe``. Tests pass
``threaded=False`` (or an engine they opened themselves) to drive a ManualClock engine on their own loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from engine.model import (
    AddJobRequest,
    CreateTaskRequest,
    MigrateTaskDetail,
    ScheduledJob,
    Snapshot,
    StatementResult,
    SupervisorState,
    TaskStatus,
    UpdateJobRequest,
)

from .base import ALL_CAPABILITIES, SourceError

if TYPE_CHECKING:
    from engine.engine import Engine, EngineConfig

T = TypeVar("T")
P = ParamSpec("P")


class EmbeddedSource:
    """Implements :class:`app.sources.base.Source` over :class:`engine.engine.Engine`."""

    capabilities = ALL_CAPABILITIES
    node_name = "embedded"
    """The header's node label (remote sources are named by their URL or the config)."""

    def __init__(
        self,
        config: EngineConfig | None = None,
        *,
        engine: Engine | None = None,
        threaded: bool = True,
        label: str = "",
    ) -> None:
        if config is None and engine is None:
            raise ValueError("give an EngineConfig to open, or an open engine")
        self.config = config
        self.engine: Engine | None = engine
        self._owns_engine = engine is None
        self.threaded = threaded and engine is None
        self.label = label
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    def describe(self) -> str:
        if self.label:
            return self.label
        config = self.config
        if config is None:
            return "embedded engine"
        where = str(config.db_path) if config.db_path else "in-memory"
        return f"embedded {where} (seed {config.seed}, ×{config.speed:g})"

    # -- lifecycle --------------------------------------------------------------------------------------------

    async def open(self) -> None:
        if self.engine is not None:
            return
        from engine.engine import Engine  # imported late: the app starts drawing before the engine loads

        assert self.config is not None
        if not self.threaded:
            self.engine = await Engine.open(self.config)
            return
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="schedtop-engine", daemon=True)
        self._thread.start()
        config = self.config
        try:
            self.engine = await self._on_engine_loop(lambda: Engine.open(config))
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop = None
            raise

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        engine, self.engine = self.engine, None
        try:
            if engine is not None and self._owns_engine:
                await self._on_engine_loop(engine.close)
        finally:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                if self._thread is not None:
                    await asyncio.to_thread(self._thread.join, 5.0)
                if not self._loop.is_running():
                    self._loop.close()
                self._loop = None

    async def _on_engine_loop(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run a coroutine on the engine's loop (its thread, or this loop when not threaded)."""
        if self._loop is None:
            return await make()

        async def call() -> T:
            return await make()

        future: Future[T] = asyncio.run_coroutine_threadsafe(call(), self._loop)
        return await asyncio.wrap_future(future)

    def _engine(self) -> Engine:
        if self.engine is None:
            raise SourceError("the embedded engine is not open" if not self._closed else "the engine is closed")
        return self.engine

    async def _call(self, method: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one of the open engine's bound coroutine methods on the engine's loop."""
        return await self._on_engine_loop(lambda: method(*args, **kwargs))

    # -- the refresh ------------------------------------------------------------------------------------------

    async def snapshot(self, since: int = 0) -> Snapshot:
        engine = self._engine()

        async def take() -> Snapshot:
            return engine.snapshot(since, compact=True)  # tuples: the client model keeps rows in that form

        return await self._on_engine_loop(take)

    # -- commands ---------------------------------------------------------------------------------------------

    async def abort(self, task_id: str) -> None:
        await self._call(self._engine().abort_task, task_id)

    async def wait(self, task_id: str, timeout: float | None = None) -> TaskStatus:
        return await self._call(self._engine().wait_task, task_id, timeout)

    async def drain(self, module: str) -> None:
        await self._call(self._engine().drain, module)

    async def task_detail(self, task_type: str, task_id: str) -> MigrateTaskDetail:
        return await self._call(self._engine().task_detail, task_type, task_id)

    async def get_ttl(self) -> int:
        return await self._call(self._engine().get_ttl)

    async def set_ttl(self, seconds: int) -> int:
        return await self._call(self._engine().set_ttl, seconds)

    async def get_user_ttl(self) -> int:
        return await self._call(self._engine().get_user_ttl)

    async def set_user_ttl(self, seconds: int) -> int:
        return await self._call(self._engine().set_user_ttl, seconds)

    async def add_manual_migrate(self, vuid: int, direct_download: bool) -> str:
        return await self._call(self._engine().add_manual_migrate, vuid, direct_download)

    async def create_task(self, request: CreateTaskRequest) -> str:
        return await self._call(self._engine().create_task, request)

    async def cancel_task(self, name_or_id: str) -> str:
        return await self._call(self._engine().cancel_task, name_or_id)

    async def execute(self, statement: str) -> StatementResult:
        return await self._call(self._engine().execute, statement)

    async def halt(self) -> SupervisorState:
        return await self._call(self._engine().supervisor_halt)

    async def restart(self) -> SupervisorState:
        return await self._call(self._engine().supervisor_restart)

    async def cleanup_delete_run(self, job_id: int, scheduled_start: datetime) -> None:
        await self._call(self._engine().cleanup_delete_run, job_id, scheduled_start)

    async def cleanup_reschedule(self, job_id: int, scheduled_start: datetime | None = None) -> ScheduledJob:
        return await self._call(self._engine().cleanup_reschedule, job_id, scheduled_start)

    async def add_job(self, request: AddJobRequest) -> ScheduledJob:
        return await self._call(
            self._engine().add_job,
            request.name,
            request.task_type,
            request.interval_seconds,
            request.start,
            remote=request.remote,
            until=request.until,
        )

    async def update_job(self, job_id: int, change: UpdateJobRequest) -> ScheduledJob:
        return await self._call(self._engine().update_job, job_id, change)

    async def remove_job(self, job_id: int) -> None:
        await self._call(self._engine().remove_job, job_id)

    async def set_enabled(self, task_type: str, enabled: bool) -> None:
        await self._call(self._engine().set_enabled, task_type, enabled)

    # -- for tests and demos: drive a manual-clock engine -----------------------------------------------------

    async def advance(self, seconds: float) -> None:
        """Run ``seconds`` of simulated cluster activity (engines opened with ``autorun=False``)."""
        await self._call(self._engine().advance, seconds)
