"""Sending alerts to a Prometheus Alertmanager (``POST {url}/api/v2/alerts``), for serve, the dashboard and exporter.

Alertmanager forgets a firing alert that is not sent again within its ``resolve_timeout`` (5 min by default), so
firing alerts are re-sent every :data:`RESEND_SECONDS` as Prometheus does; an alert that clears is sent once more
with ``endsAt``, until Alertmanager has taken it. Every source reports its own firing set to :meth:`observe`
(``source`` keeps two nodes' alerts of the same id apart); :meth:`kick` starts a background flush, so neither the
dashboard's loop nor the server's waits on the network. Alertmanager down or answering an error costs a message
(on each change of outcome, not every retry) and a retry later, never an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from ..model import Alert
from .rules import RULES_BY_NAME

logger = logging.getLogger(__name__)

RESEND_SECONDS = 60.0
"""Seconds between sends of a still-firing alert (Prometheus's resend_delay; well within resolve_timeout)."""
RETRY_SECONDS = 10.0
"""Seconds before the first retry after a failed send; each further failure doubles it, up to the resend time."""
MAX_PENDING_RESOLVED = 10_000
"""Resolved alerts kept for a down Alertmanager; past this the oldest are dropped (they would expire there anyway)."""

Monotonic = Callable[[], float]
Wall = Callable[[], datetime]
Key = tuple[str, str]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class _Sent:
    alert: Alert
    generator_url: str
    sent_at: float | None = None
    """Monotonic time Alertmanager last took it; None: not yet."""


def payload(alert: Alert, generator_url: str = "", *, now: datetime) -> dict[str, Any]:
    """One alert in Alertmanager's v2 shape; ``endsAt`` only once resolved.

    Times come from the data's clock (an embedded demo's may run fast): they are kept at most ``now`` so that
    Alertmanager never reads a resolved alert as firing until some future ``endsAt``.
    """
    rule = RULES_BY_NAME.get(alert.rule)
    labels = {
        "alertname": alert.rule,
        "severity": alert.severity.value,
        "cluster": alert.cluster,
        "node": alert.node,
        "alert_id": alert.id,
        "subject": alert.subject,
    }
    annotations = {
        "summary": alert.summary,
        "description": f"{rule.description if rule else alert.rule}: {alert.subject}",
        "action": alert.action,
    }
    body: dict[str, Any] = {
        "labels": {key: value for key, value in labels.items() if value},
        "annotations": {key: value for key, value in annotations.items() if value},
        "startsAt": _stamp(min(alert.fired_at, now)),
        "generatorURL": generator_url,
    }
    if alert.resolved_at is not None:
        body["endsAt"] = _stamp(max(min(alert.resolved_at, now), min(alert.fired_at, now)))
    return body


class AlertmanagerSender:
    """What each source fires, told to one Alertmanager: new and due firing alerts, and resolved ones once."""

    def __init__(
        self,
        url: str,
        *,
        resend_seconds: float = RESEND_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
        timeout: float = 5.0,
        monotonic: Monotonic = time.monotonic,
        wall: Wall = _utcnow,
        log: Callable[[str], None] = logger.warning,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"--alertmanager needs an http:// or https:// URL, got {url!r}")
        self.url = url.rstrip("/")
        self.endpoint = f"{self.url}/api/v2/alerts"
        self.resend_seconds = resend_seconds
        self.retry_seconds = retry_seconds
        self.timeout = timeout
        self._monotonic = monotonic
        self._wall = wall
        self._log = log
        self._transport = transport
        self._firing: dict[Key, _Sent] = {}
        self._resolved: dict[Key, _Sent] = {}
        self._failures = 0
        self._retry_at = 0.0
        self._client: httpx.AsyncClient | None = None
        self._flushing: asyncio.Task[bool] | None = None
        self.status = ""
        """The last send's outcome when it failed ('' when fine): for a status line."""
        self.sent = 0
        """Alerts Alertmanager has taken so far."""

    # -- what fires ---------------------------------------------------------------------------------------------

    def observe(
        self, source: str, firing: Iterable[Alert], history: Iterable[Alert] = (), *, generator_url: str = ""
    ) -> None:
        """``firing`` is everything ``source`` fires now: new alerts are due at once, the ones gone resolve.

        ``history`` (the book's resolved alerts) gives a cleared alert its ``resolved_at``; without it, now.
        """
        current = {(source, alert.id): alert for alert in firing}
        for key, alert in current.items():
            known = self._firing.get(key)
            if known is None:
                self._firing[key] = _Sent(alert, generator_url)
                self._resolved.pop(key, None)  # it came back before its resolution went out: it simply fires on
            else:
                known.alert = alert
        gone = [key for key in self._firing if key[0] == source and key not in current]
        if not gone:
            return
        resolved_at = {(source, alert.id): alert.resolved_at for alert in history if alert.resolved_at is not None}
        now = self._wall()
        for key in gone:
            sent = self._firing.pop(key)
            ended = resolved_at.get(key) or now
            self._resolved[key] = _Sent(sent.alert.model_copy(update={"resolved_at": ended}), sent.generator_url)
        while len(self._resolved) > MAX_PENDING_RESOLVED:
            del self._resolved[next(iter(self._resolved))]

    def due(self) -> list[tuple[Key, _Sent]]:
        """What the next send carries: every resolved alert not yet taken, and the firing ones new or due again."""
        now = self._monotonic()
        firing = [
            (key, sent)
            for key, sent in self._firing.items()
            if sent.sent_at is None or now - sent.sent_at >= self.resend_seconds
        ]
        return [*self._resolved.items(), *firing]

    # -- sending ------------------------------------------------------------------------------------------------

    def kick(self) -> asyncio.Task[bool] | None:
        """Send what is due in the background (one send at a time); None when nothing is or one already runs."""
        if self._flushing is not None and not self._flushing.done():
            return None
        if self._monotonic() < self._retry_at or not self.due():
            return None
        self._flushing = asyncio.get_running_loop().create_task(self.flush(), name="alertmanager")
        return self._flushing

    async def flush(self) -> bool:
        """Send what is due now; True when Alertmanager took it (or nothing was due). Never raises."""
        batch = self.due()
        if not batch:
            return True
        now = self._wall()
        body = [payload(sent.alert, sent.generator_url, now=now) for _, sent in batch]
        problem = await self._post(body)
        moment = self._monotonic()
        if problem:
            self._failures += 1
            delay = min(self.resend_seconds, self.retry_seconds * 2 ** (self._failures - 1))
            self._retry_at = moment + delay
            message = f"Alertmanager {self.url}: {problem}; {len(body)} alert(s) kept, retrying in {delay:g} s"
            if problem not in self.status:
                self._log(message)
            self.status = message
            return False
        if self.status:
            self._log(f"Alertmanager {self.url}: reachable again, {len(body)} alert(s) sent")
        self.status = ""
        self._failures = 0
        self._retry_at = 0.0
        self.sent += len(body)
        for key, sent in batch:
            if sent.alert.resolved_at is not None:
                if self._resolved.get(key) is sent:
                    del self._resolved[key]
            else:
                sent.sent_at = moment
        return True

    async def _post(self, body: list[dict[str, Any]]) -> str:
        """'' when Alertmanager answered 2xx, else what went wrong in a few words."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout, transport=self._transport)
        try:
            answer = await self._client.post(self.endpoint, json=body)
        except httpx.TimeoutException:
            return f"no answer within {self.timeout:g} s"
        except httpx.HTTPError as error:
            return f"cannot reach it ({type(error).__name__}: {error or 'no detail'})"
        if answer.is_success:
            return ""
        detail = " ".join(answer.text.split())[:200]
        return f"answered {answer.status_code}{': ' + detail if detail else ''}"

    async def close(self) -> None:
        """Stop a running send and release the connection; safe to call twice."""
        if self._flushing is not None and not self._flushing.done():
            self._flushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flushing
        if self._client is not None:
            await self._client.aclose()
            self._client = None
