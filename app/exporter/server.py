"""The exporter's HTTP side: ``GET /metrics`` and ``GET /api/alerts`` over every source, ``GET /api/sources`` for
each source's state, ``GET /api/health``; uvicorn as ``schedtop serve`` runs it (:func:`engine.http.server.make_server`).

Nothing here changes a source: the exporter only reads, so it needs no token, but it binds loopback by default.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI, Response
from pydantic import TypeAdapter

from engine.http.server import Server, make_server
from engine.model import AlertsView

from . import metrics
from .fleet import Fleet


def create_app(fleet: Fleet, clock: Callable[[], datetime]) -> FastAPI:
    app = FastAPI(title="schedtop exporter", version="0.1.0", redoc_url=None)

    @app.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    async def prometheus() -> Response:
        """Every source's metrics, labelled by cluster and node, with schedtop_up for each."""
        return Response(metrics.render(fleet, clock()), media_type=metrics.CONTENT_TYPE)

    @app.get("/api/alerts", response_model=AlertsView)
    async def alerts() -> Response:
        """Every source's firing and resolved alerts; an alert is keyed by (node, id)."""
        return Response(fleet.alerts().model_dump_json(), media_type="application/json")

    @app.get("/api/sources")
    async def sources() -> Response:
        """Each source: its labels, URL, connection, last error, data age and requests sent."""
        now = clock()
        body: list[dict[str, object]] = [
            {
                **source.labels,
                "url": source.url,
                "connection": source.node.connection,
                "error": source.node.last_error,
                "age_seconds": source.node.age(now),
                "requests_sent": source.requests_sent(),
            }
            for source in fleet.sources
        ]
        return Response(TypeAdapter(list[dict[str, object]]).dump_json(body), media_type="application/json")

    @app.get("/api/health")
    async def health() -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return app


class Exporter:
    """The fleet's polling and its HTTP server on one loop; :attr:`server` is set once :meth:`run` has begun."""

    def __init__(self, fleet: Fleet, host: str, port: int, *, log_level: str = "warning") -> None:
        self.fleet = fleet
        self.server: Server = make_server(create_app(fleet, fleet.clock), host, port, log_level=log_level)

    @property
    def url(self) -> str:
        """``http://host:port`` once listening."""
        address = self.server.servers[0].sockets[0].getsockname()
        host = f"[{address[0]}]" if ":" in str(address[0]) else address[0]
        return f"http://{host}:{address[1]}"

    async def run(self, announce: bool = False) -> None:
        self.fleet.start()
        announcer = asyncio.create_task(self._announce()) if announce else None
        try:
            await self.server.serve()
        finally:
            if announcer is not None:
                announcer.cancel()
            await self.fleet.stop()

    async def _announce(self) -> None:
        while not self.server.started:  # noqa: ASYNC110 - uvicorn has no "started" event to wait on
            await asyncio.sleep(0.02)
        watched = ", ".join(f"{source.cluster} ({source.url})" for source in self.fleet.sources)
        print(f"schedtop exporter: listening on {self.url}, watching {watched}", file=sys.stderr, flush=True)
