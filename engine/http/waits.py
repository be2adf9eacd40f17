"""Long requests that end with their clients and with the server: nobody waits for a client that has gone.

``wait_task`` without a timeout may take hours. :func:`while_wanted` runs such work until it finishes, its client
disconnects (the work is cancelled and nothing is answered), or the server begins to shut down (``503``), so a
SIGTERM never has to sit out the graceful-shutdown limit. :class:`OpenWaits` counts what is in flight for
``/metrics``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive

from ..errors import Unavailable

T = TypeVar("T")


class OpenWaits:
    """The long requests in flight, and the signal that ends them all at shutdown."""

    def __init__(self) -> None:
        self.count = 0
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def until_stopping(self) -> None:
        await self._stopping.wait()


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def while_wanted(request: Request, work: Awaitable[T]) -> T:
    """``await work``, unless the client leaves first (ClientDisconnect) or the server stops (Unavailable, 503)."""
    waits: OpenWaits = request.app.state.open_waits
    if waits.stopping:
        raise Unavailable("the server is shutting down")
    job = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(_disconnected(request.receive))
    stopping = asyncio.ensure_future(waits.until_stopping())
    waits.count += 1
    try:
        await asyncio.wait((job, gone, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waits.count -= 1
        for pending in (job, gone, stopping):
            pending.cancel()
        for pending in (gone, stopping):
            with contextlib.suppress(asyncio.CancelledError):
                await pending
    if job.done() and not job.cancelled():
        return job.result()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await job  # let the cancelled wait unwind before answering
    if gone.done() and not gone.cancelled():
        raise ClientDisconnect()
    raise Unavailable("the server is shutting down")
