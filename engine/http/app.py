"""The FastAPI application over an engine: routes of every seed, error shapes, and the guards in front of them."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI

from ..alerts import AlertEvaluator
from ..alerts.alertmanager import AlertmanagerSender
from ..api import EngineAPI
from ..model import AlertRules
from ..model.base import build_request_models
from . import (
    routes_admin,
    routes_alerts,
    routes_apidoc,
    routes_cubefs,
    routes_scylla,
    routes_supervisor,
    routes_tasks,
)
from .compact_body import CompactBodies
from .errors import CatchBugs, install_error_handlers
from .methods import MethodRoutes
from .openapi import truthful_openapi
from .security import DEFAULT_MAX_BODY_BYTES, BodyLimit, SiteGuard, TokenGuard
from .waits import OpenWaits

DESCRIPTION = """schedtop's engine served with the seeds' endpoints: the CubeFS blobstore scheduler, the ScyllaDB
task manager, the scheduler admin (supervisor) API and Ocient-style distributed tasks, plus Prometheus metrics and
the dashboard snapshot.

When a token is configured, every change needs `Authorization: Bearer <token>`: every POST, and the GETs that
unregister finished tasks (`task_status`, `task_status_recursive`, `wait_task`). A request whose `Host` is a name
the server does not answer to gets 421; a change sent by a web page of another origin (`Origin`,
`Sec-Fetch-Site`) gets 403. Validation errors are 400 with a message naming the parameter. The one deliberate 500
is CubeFS's own: `/stats/disk/migrating` for a disk that is not migrating answers 500 `not repairing disk`."""


def create_app(
    engine: EngineAPI,
    token: str | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    allowed_hosts: Iterable[str] = (),
    alert_rules: AlertRules | None = None,
    alert_every: float | None = None,
    alertmanager: AlertmanagerSender | None = None,
) -> FastAPI:
    """An app serving ``engine``. With ``token``, changes must carry it as a bearer token.

    ``allowed_hosts`` are the names (besides ``localhost`` and any IP address) the ``Host`` header may carry;
    ``alert_rules`` the thresholds of ``/api/alerts`` and ``schedtop_alerts`` (defaults when None); with
    ``alert_every`` the rules are also evaluated every that many seconds, not only when asked; every evaluation
    goes to ``alertmanager`` when given.
    """
    build_request_models()
    app = FastAPI(title="schedtop", version="0.1.0", description=DESCRIPTION, redoc_url=None)
    app.state.engine = engine
    app.state.open_waits = OpenWaits()
    app.state.compact_bodies = CompactBodies()
    app.state.alerts = AlertEvaluator(alert_rules)
    app.state.alert_every = alert_every
    app.state.alertmanager = alertmanager
    install_error_handlers(app)
    routers = (
        routes_cubefs,
        routes_scylla,
        routes_apidoc,
        routes_supervisor,
        routes_tasks,
        routes_admin,
        routes_alerts,
    )
    for module in routers:
        app.include_router(module.router)
    app.openapi = truthful_openapi(app)  # type: ignore[method-assign]
    # Starlette runs the last-added middleware first: the site guard, the token, the size limit, the methods, and
    # innermost the catch-all for bugs.
    app.add_middleware(CatchBugs)
    app.add_middleware(MethodRoutes, routed=app.router)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(TokenGuard, token=token)
    app.add_middleware(SiteGuard, allowed_hosts=allowed_hosts)
    return app
