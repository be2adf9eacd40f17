"""The alert book: which alerts fire, which cleared (kept in a bounded history), and which an operator has seen.

It knows nothing of rules or snapshots: :meth:`AlertBook.update` is told the full set of alerts whose condition
holds now, and works out what started and what cleared.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime

from ..model import Alert, AlertState


class AlertBook:
    """Firing alerts by id, and the most recently resolved ones (newest first, at most ``history``)."""

    def __init__(self, history: int = 200) -> None:
        self._firing: dict[str, Alert] = {}
        self._history: deque[Alert] = deque(maxlen=history)

    def update(self, holding: Iterable[Alert], now: datetime) -> None:
        """``holding`` are the alerts whose condition holds at ``now``; every other firing alert resolves.

        An alert already firing keeps its ``since``, ``fired_at`` and acknowledgement; its text is refreshed (a
        rate, a count may have changed).
        """
        seen: set[str] = set()
        for alert in holding:
            seen.add(alert.id)
            known = self._firing.get(alert.id)
            if known is None:
                self._firing[alert.id] = alert
            else:
                self._firing[alert.id] = known.model_copy(update={"summary": alert.summary, "action": alert.action})
        for alert_id in [alert_id for alert_id in self._firing if alert_id not in seen]:
            cleared = self._firing.pop(alert_id)
            self._history.appendleft(cleared.model_copy(update={"state": AlertState.RESOLVED, "resolved_at": now}))

    def acknowledge(self, alert_id: str, at: datetime) -> Alert | None:
        """Mark a firing alert as seen; None when no alert of that id fires. It fires on until it clears."""
        alert = self._firing.get(alert_id)
        if alert is None:
            return None
        if alert.acknowledged_at is None:
            alert = self._firing[alert_id] = alert.model_copy(update={"acknowledged_at": at})
        return alert

    def firing(self) -> list[Alert]:
        """Worst severity first, then the oldest first (the one waiting longest for someone)."""
        return sorted(self._firing.values(), key=lambda alert: (-alert.severity.rank, alert.since, alert.id))

    def history(self) -> list[Alert]:
        """Resolved alerts, the most recently resolved first."""
        return list(self._history)

    def get(self, alert_id: str) -> Alert | None:
        return self._firing.get(alert_id)
