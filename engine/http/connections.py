"""Connection hygiene for ``schedtop serve``: a deadline for request heads, short keep-alive, a connection cap.

uvicorn closes an idle keep-alive connection only after a first request, and never bounds how long a request head
may take, so a client that connects and sends nothing (or its headers a byte a second) would hold a connection for
ever. :func:`guarded_protocol` gives uvicorn's h11 protocol a deadline for each request head and a cap on open
connections: past the cap, a new connection is answered ``503`` (and closed) for everything but ``/api/health``,
which stays fast so that monitoring can tell "busy" from "down".
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from .errors import error_body

DEFAULT_HEAD_TIMEOUT = 10.0
DEFAULT_KEEP_ALIVE = 5.0
DEFAULT_MAX_CONNECTIONS = 256
ALWAYS_SERVED = frozenset({"/api/health"})


class _OverCap:
    """The app a connection past the cap sees: 503 with ``Connection: close``, except for the health check."""

    def __init__(self, app: ASGIApp, cap: int) -> None:
        self.app = app
        self.cap = cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in ALWAYS_SERVED:
            await self.app(scope, receive, send)
            return
        message = f"the server has {self.cap} connections open, its limit; try again shortly"
        body = json.dumps(error_body(scope["path"], 503, message, "Busy")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            (b"retry-after", b"1"),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class GuardedH11Protocol(H11Protocol):
    head_timeout: float = DEFAULT_HEAD_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            self.app = _OverCap(self.app, self.max_connections)
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._request_in_progress():
            self._disarm_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self._request_in_progress():
            self._arm_head_deadline()  # the next request's head has the same deadline as the first one's

    def _request_in_progress(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_deadline = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing() and not self._request_in_progress():
            self.transport.close()


def guarded_protocol(
    head_timeout: float = DEFAULT_HEAD_TIMEOUT, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> type[GuardedH11Protocol]:
    """uvicorn's h11 protocol with these limits (uvicorn takes a protocol class, so the limits live on a subclass)."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"head_timeout": head_timeout, "max_connections": max_connections},
    )
