"""The uvicorn server as schedtop runs it, shared by ``schedtop serve`` and the tests' real-socket server.

It adds what plain uvicorn lacks: the guarded h11 protocol (head deadline, connection cap), long waits ended at
shutdown before uvicorn starts counting its graceful-shutdown limit, and no re-raised SIGTERM (uvicorn's habit,
which would kill the process before the engine closes its store).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from ..alerts.alertmanager import AlertmanagerSender
from .connections import DEFAULT_HEAD_TIMEOUT, DEFAULT_KEEP_ALIVE, DEFAULT_MAX_CONNECTIONS, guarded_protocol
from .routes_alerts import keep_evaluating
from .waits import OpenWaits


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    head_timeout: float = DEFAULT_HEAD_TIMEOUT
    """Seconds a connection may take to send a complete request head (from connect, or from the last answer)."""
    keep_alive: float = DEFAULT_KEEP_ALIVE
    """Seconds an idle keep-alive connection stays open."""
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    """Open connections served normally; past it, 503 for everything but /api/health."""


class Server(uvicorn.Server):
    _alerts: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._stop, sig)
                installed.append(sig)
        try:
            yield
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    def _stop(self, sig: int) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        app = self.config.app
        every = getattr(app.state, "alert_every", None) if isinstance(app, FastAPI) else None
        if isinstance(app, FastAPI) and every is not None:
            # uvicorn runs without a lifespan (see make_server): the server itself owns this background task
            self._alerts = asyncio.create_task(keep_evaluating(app, every), name="alert rules")

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._alerts is not None:
            self._alerts.cancel()
        app = self.config.app
        if isinstance(app, FastAPI):
            sender: AlertmanagerSender | None = getattr(app.state, "alertmanager", None)
            if sender is not None:
                await sender.close()
            waits: OpenWaits | None = getattr(app.state, "open_waits", None)
            if waits is not None:
                waits.stop()
        await super().shutdown(sockets)


def make_server(
    app: FastAPI,
    host: str,
    port: int,
    *,
    limits: ConnectionLimits | None = None,
    log_level: str = "warning",
    graceful_seconds: int = 3,
) -> Server:
    limits = limits or ConnectionLimits()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=guarded_protocol(limits.head_timeout, limits.max_connections),
        # uvicorn types it int, but hands it to loop.call_later: fractions work (and the tests use them).
        timeout_keep_alive=limits.keep_alive,  # type: ignore[arg-type]
        log_level=log_level,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=graceful_seconds,
    )
    return Server(config)
