"""Evaluating the rules over a sequence of snapshots, whatever their source.

:class:`AlertEvaluator` is fed snapshots in order (a delta snapshot's task rows are applied to the table it keeps,
exactly as the dashboard does), optionally the connection state of nodes, and a time: the data's own clock (the
snapshot's ``taken_at``) unless the caller gives one or an injected clock. It keeps the time each condition was
first seen, so a rule can ask for a condition to hold a while before it alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from itertools import compress, repeat
from operator import attrgetter, is_, itemgetter
from typing import TypeVar

from ..model import Alert, AlertRules, AlertsView, Snapshot, TaskRow, TaskState
from ..model.compact import task_row
from ..model.compact_row import ID_AT, STATE_AT
from .book import AlertBook
from .rules import RULES, Condition, Facts, Rule, is_failed_root, is_failed_root_compact

Clock = Callable[[], datetime]

_COMPACT_ID = itemgetter(ID_AT)
_COMPACT_STATE = itemgetter(STATE_AT)
_ROW_ID = attrgetter("status.id")
_ROW_STATE = attrgetter("status.state")
_Row = TypeVar("_Row")


def _same_row(row: TaskRow) -> TaskRow:
    return row


class AlertEvaluator:
    """Rules + their hold times + an :class:`AlertBook`, for one source (one node)."""

    def __init__(self, thresholds: AlertRules | None = None, *, clock: Clock | None = None) -> None:
        self.thresholds = thresholds or AlertRules()
        self.book = AlertBook(history=self.thresholds.history)
        self.revision = 0
        """The revision of the last snapshot fed: pass it as ``since`` to read only what changed."""
        self._clock = clock
        self._snapshot: Snapshot | None = None
        self._failed_roots: dict[str, TaskRow] = {}
        self._nodes: dict[str, bool] = {}
        self._first_seen: dict[str, tuple[object, datetime]] = {}
        self._now: datetime | None = None
        self._rules: tuple[Rule, ...] = tuple(rule for rule in RULES if rule.name not in self.thresholds.disabled)

    def observe(
        self,
        snapshot: Snapshot | None = None,
        *,
        nodes: Mapping[str, bool] | None = None,
        now: datetime | None = None,
    ) -> AlertsView:
        """Take in a snapshot (None: no new data, e.g. the node is down) and node states, evaluate, and say what fires.

        ``nodes`` maps node names to whether they are reachable; each given state replaces the last one told.
        """
        if snapshot is not None:
            self._apply(snapshot)
        if nodes is not None:
            self._nodes.update(nodes)
        moment = now or (self._clock() if self._clock is not None else None)
        if moment is None:
            if self._snapshot is None:
                raise ValueError("no time to evaluate at: give a snapshot, now=, or a clock")
            moment = self._snapshot.taken_at
        self._now = moment
        facts = Facts(self._snapshot, self._failed_roots, self._nodes, self.thresholds)
        self.book.update(self._alerts(facts, moment), moment)
        return self.view()

    def acknowledge(self, alert_id: str, at: datetime | None = None) -> Alert | None:
        """Acknowledge a firing alert (at the clock's time, else the last evaluation's); None if it is not firing."""
        moment = at or (self._clock() if self._clock is not None else self._now)
        if moment is None:
            return None
        return self.book.acknowledge(alert_id, moment)

    def view(self) -> AlertsView:
        return AlertsView(
            evaluated_at=self._now, firing=self.book.firing(), history=self.book.history(), rules=self.thresholds
        )

    def _apply(self, snapshot: Snapshot) -> None:
        # A snapshot carries the task rows changed since the revision asked for; a full one replaces the table.
        # Only failed roots are kept: the one rule that reads rows needs nothing else (see Facts.failed_roots).
        if snapshot.full:
            self._failed_roots = {}
        failed = self._failed_roots
        if snapshot.tasks:
            self._apply_changed(snapshot.tasks, _ROW_ID, _ROW_STATE, is_failed_root, _same_row)
        if snapshot.task_rows:
            self._apply_changed(snapshot.task_rows, _COMPACT_ID, _COMPACT_STATE, is_failed_root_compact, task_row)
        for task_id in snapshot.removed:
            failed.pop(task_id, None)
        self._snapshot = snapshot
        self.revision = snapshot.revision

    def _apply_changed(
        self,
        rows: Sequence[_Row],
        id_of: Callable[[_Row], str],
        state_of: Callable[[_Row], TaskState],
        failed_root: Callable[[_Row], bool],
        build: Callable[[_Row], TaskRow],
    ) -> None:
        """Keep the failed roots among changed rows (100 000 in a full snapshot, as TaskRows or as tuples): the
        failed ones are picked out in C, and only those are looked at (and, for tuples, built into rows)."""
        failed = self._failed_roots
        if failed:  # whatever changed is taken out first; what is a failed root now goes back in below
            for task_id in failed.keys() & set(map(id_of, rows)):
                del failed[task_id]
        for row in compress(rows, map(is_, map(state_of, rows), repeat(TaskState.FAILED))):
            if failed_root(row):
                failed[id_of(row)] = build(row)

    def _alerts(self, facts: Facts, now: datetime) -> list[Alert]:
        cluster = facts.snapshot.cluster.name if facts.snapshot is not None else ""
        node = facts.snapshot.cluster.node if facts.snapshot is not None else ""
        holding: list[Alert] = []
        first_seen: dict[str, tuple[object, datetime]] = {}
        for rule in self._rules:
            for condition in rule.check(facts):
                since = self._since(condition, now)
                first_seen[condition.id] = (condition.epoch, since)
                if (now - since).total_seconds() < condition.hold:
                    continue
                holding.append(_alert(rule, condition, since, now, cluster, condition.node or node))
        # Conditions that no longer hold forget when they started: if they come back, their wait starts over.
        self._first_seen = first_seen
        return holding

    def _since(self, condition: Condition, now: datetime) -> datetime:
        known = self._first_seen.get(condition.id)
        if known is not None and known[0] == condition.epoch:
            return known[1]
        return now


def _alert(rule: Rule, condition: Condition, since: datetime, now: datetime, cluster: str, node: str) -> Alert:
    return Alert(
        id=condition.id,
        rule=rule.name,
        severity=rule.severity,
        since=since,
        fired_at=now,
        cluster=cluster,
        node=node,
        subject=condition.subject,
        summary=condition.summary,
        action=condition.action,
    )
