"""The FastAPI application over an engine: routes of every seed, error shapes, token guard and body limit."""

from __future__ import annotations

from fastapi import FastAPI

from ..api import EngineAPI
from . import routes_admin, routes_cubefs, routes_scylla, routes_supervisor, routes_tasks
from .errors import install_error_handlers
from .security import DEFAULT_MAX_BODY_BYTES, BodyLimit, TokenGuard

DESCRIPTION = """schedtop's engine served with the seeds' endpoints: the CubeFS blobstore scheduler, the ScyllaDB
task manager, the scheduler admin (supervisor) API and Ocient-style distributed tasks, plus Prometheus metrics and
the dashboard snapshot. When a token is configured, every POST needs `Authorization: Bearer <token>`."""


def create_app(engine: EngineAPI, token: str | None = None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> FastAPI:
    """An app serving ``engine``. With ``token``, mutating requests must carry it as a bearer token."""
    app = FastAPI(title="schedtop", version="0.1.0", description=DESCRIPTION, redoc_url=None)
    app.state.engine = engine
    install_error_handlers(app)
    for module in (routes_cubefs, routes_scylla, routes_supervisor, routes_tasks, routes_admin):
        app.include_router(module.router)
    # Starlette runs the last-added middleware first: the size limit, then the token check, then the routes.
    app.add_middleware(TokenGuard, token=token)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    return app
