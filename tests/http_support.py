"""A real schedtop server for HTTP tests: an engine and uvicorn on an ephemeral loopback port, in a thread.

The engine runs on a manual clock with no background loop, so tests decide when simulated time passes
(``served.advance(seconds)``), and requests go over a real socket with httpx.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from engine.alerts.alertmanager import AlertmanagerSender
from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.http import create_app
from engine.http.server import ConnectionLimits, Server, make_server

T = TypeVar("T")
START = datetime(2015, 3, 11, 0, 28, tzinfo=UTC)


class ServedEngine:
    def __init__(
        self,
        token: str | None = None,
        db_path: Path | None = None,
        max_body_bytes: int = 1 << 20,
        *,
        limits: ConnectionLimits | None = None,
        allowed_hosts: tuple[str, ...] = (),
        alert_every: float | None = None,
        alertmanager: str | None = None,
    ) -> None:
        self.token = token
        self.db_path = db_path
        self.max_body_bytes = max_body_bytes
        self.limits = limits
        self.allowed_hosts = allowed_hosts
        self.alert_every = alert_every
        self.alertmanager = AlertmanagerSender(alertmanager) if alertmanager else None
        self.clock = ManualClock(START)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="http-test-server", daemon=True)
        self.engine: Engine
        self.server: Server
        self.url = ""

    def __enter__(self) -> ServedEngine:
        self.thread.start()
        self.engine = self.call(
            Engine.open(EngineConfig(db_path=self.db_path, seed=1, clock=self.clock, autorun=False))
        )
        self.app = create_app(
            self.engine,
            token=self.token,
            max_body_bytes=self.max_body_bytes,
            allowed_hosts=self.allowed_hosts,
            alert_every=self.alert_every,
            alertmanager=self.alertmanager,
        )
        self.server = make_server(self.app, "127.0.0.1", 0, limits=self.limits)
        self._serving = asyncio.run_coroutine_threadsafe(self.server.serve(), self.loop)
        deadline = time.monotonic() + 10
        while not self.server.started:
            if self._serving.done() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._serving.result(timeout=10)
        self.call(self.engine.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop (where the engine lives) and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def advance(self, seconds: float) -> None:
        self.call(self.engine.advance(seconds))

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)
