"""``GET /api/alerts``: the alert rules evaluated over the engine's snapshot, with the recently resolved ones.

The server keeps one :class:`~engine.alerts.AlertEvaluator` (``app.state.alerts``) and feeds it the engine's
snapshot on each request here, on each ``/metrics`` scrape and, in ``schedtop serve``, every few seconds on its own
(:func:`keep_evaluating`, started by the server), so a hold time ("halted for 15 minutes") counts from when the condition began, not from
the first request that happened to see it.
``POST /api/alerts/ack`` acknowledges a firing alert (a change: it needs the token when one is set).
With ``--alertmanager`` (``app.state.alertmanager``) every evaluation also hands what fires to the sender, which
posts in the background (see :mod:`engine.alerts.alertmanager`).
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, FastAPI, Request, Response

from ..alerts import AlertEvaluator
from ..alerts.alertmanager import AlertmanagerSender
from ..api import EngineAPI
from ..errors import NotFound
from ..model import AcknowledgeRequest, Alert, AlertsView
from .deps import Engine, model_json

router = APIRouter(tags=["schedtop"])


def evaluate(request: Request, engine: EngineAPI) -> AlertsView:
    """Feed the evaluator what changed since it last looked, and evaluate at the data's time."""
    return _observe(request.app, engine)


def _observe(app: FastAPI, engine: EngineAPI) -> AlertsView:
    # No await between reading and feeding: requests on the server's one loop cannot interleave here.
    evaluator: AlertEvaluator = app.state.alerts
    view = evaluator.observe(engine.snapshot(since=evaluator.revision))
    tell_alertmanager(app, view, engine)
    return view


def tell_alertmanager(app: FastAPI, view: AlertsView, engine: EngineAPI) -> None:
    """Hand an evaluation to the Alertmanager sender, if the server has one; it posts in the background."""
    sender: AlertmanagerSender | None = getattr(app.state, "alertmanager", None)
    if sender is None:
        return
    node = getattr(engine, "node_name", "")  # host:port once serving (the engine's own name for itself)
    sender.observe("", view.firing, view.history, generator_url=f"http://{node}/api/alerts" if node else "")
    sender.kick()


async def keep_evaluating(app: FastAPI, seconds: float) -> None:
    """Evaluate the rules every ``seconds`` for as long as the server runs (it cancels this task at shutdown)."""
    while True:
        await asyncio.sleep(seconds)
        _observe(app, app.state.engine)


@router.get("/api/alerts", response_model=AlertsView)
async def alerts(request: Request, engine: Engine) -> Response:
    """Alerts firing now (worst first) and the recently resolved ones, with the thresholds in force."""
    return model_json(evaluate(request, engine))


@router.post(
    "/api/alerts/ack",
    response_model=Alert,
    responses={400: {"description": "bad body"}, 404: {"description": "no alert of that id is firing"}},
)
async def acknowledge(body: AcknowledgeRequest, request: Request, engine: Engine) -> Response:
    """Acknowledge a firing alert: it stays firing (and counted in /metrics) until its condition clears."""
    evaluate(request, engine)  # the alert may have cleared, or started, since the last look
    evaluator: AlertEvaluator = request.app.state.alerts
    alert = evaluator.acknowledge(body.id)
    if alert is None:
        raise NotFound(f"no firing alert {body.id!r}")
    return model_json(alert)
