"""Alerts on the wire: what fired, how bad it is, what to do, and the thresholds the rules use.

The rules themselves live in :mod:`engine.alerts` (they read :class:`~engine.model.Snapshot`s); these are the
shapes they produce and take, shared by ``GET /api/alerts``, ``/metrics`` and — later — the dashboard, the
Alertmanager sender and the fleet exporter.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator

from .base import REQUEST_CONFIG, WireModel

RULE_NAMES: tuple[str, ...] = (
    "supervisor_run_hanging",
    "supervisor_halted",
    "root_task_failed",
    "repair_stalled",
    "error_rate_high",
    "task_type_disabled_with_broken_disks",
    "node_down",
)
"""Every alert rule's name (:mod:`engine.alerts.rules` implements them), so a threshold config can be checked."""


class Severity(StrEnum):
    """How urgent an alert is, in Prometheus/Alertmanager's usual words."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info up to 2 for critical: the order to pick the worst of several alerts by."""
        return (Severity.INFO, Severity.WARNING, Severity.CRITICAL).index(self)


class AlertState(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Alert(WireModel):
    """One alert: a rule's condition on one subject (a job run, a task, a disk, a task type, a node)."""

    id: str = Field(description="deterministic: '<rule>:<subject>', so the same condition keeps the same id")
    rule: str
    severity: Severity
    state: AlertState = AlertState.FIRING
    since: datetime = Field(description="when the condition was first seen (before any hold time of the rule)")
    fired_at: datetime = Field(description="when the alert started firing (since + the rule's hold time, at most)")
    resolved_at: datetime | None = None
    acknowledged_at: datetime | None = Field(
        default=None, description="when an operator acknowledged it; it keeps firing until its condition clears"
    )
    cluster: str = ""
    node: str = ""
    subject: str = Field(description="what the alert is about: a task id, 'job <id> run <start>', 'disk <id>', …")
    summary: str
    action: str = Field(default="", description="how to act on it, e.g. the clean-up steps of a hanging run")

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class AlertRules(WireModel):
    """Thresholds of the alert rules; the defaults suit a real cluster (times in seconds of the data's clock)."""

    supervisor_halted_seconds: float = Field(
        default=900.0, ge=0, description="supervisor_halted: how long HALTED (by an operator or an error) is fine"
    )
    repair_stalled_seconds: float = Field(
        default=1800.0, ge=0, description="repair_stalled: how long a disk repair or drop may make no progress"
    )
    error_rate_per_minute: float = Field(
        default=10.0, ge=0, description="error_rate_high: failures per minute of shard_repair/blob_delete above this"
    )
    error_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="error_rate_high: and failures at least this share of the messages handled (0: rate alone), "
        "so a busy consumer's usual background of retried failures does not page",
    )
    error_rate_minutes: int = Field(
        default=5, ge=1, le=19, description="error_rate_high: over this many complete minutes (of the 20-slot ring)"
    )
    node_down_seconds: float = Field(
        default=60.0, ge=0, description="node_down: how long a node may be unreachable before it alerts"
    )
    history: int = Field(default=200, ge=0, le=100_000, description="resolved alerts kept, newest first")
    disabled: list[str] = Field(
        default_factory=list,
        description="rule names that never fire",
        json_schema_extra={"items": {"enum": list(RULE_NAMES)}},
    )

    @field_validator("disabled")
    @classmethod
    def _known_rules(cls, names: list[str]) -> list[str]:
        unknown = [name for name in names if name not in RULE_NAMES]
        if unknown:
            raise ValueError(f"unknown alert rule(s) {', '.join(unknown)}; the rules are {', '.join(RULE_NAMES)}")
        return names


class AlertsView(WireModel):
    """The body of ``GET /api/alerts``: what fires now, and what fired and cleared recently."""

    evaluated_at: datetime | None = Field(default=None, description="the data's time of the last evaluation")
    firing: list[Alert] = Field(default_factory=list, description="worst severity first, then oldest first")
    history: list[Alert] = Field(default_factory=list, description="resolved alerts, most recently resolved first")
    rules: AlertRules = Field(default_factory=AlertRules)


class AcknowledgeRequest(WireModel):
    """Body of ``POST /api/alerts/ack``: the firing alert an operator has seen."""

    model_config = REQUEST_CONFIG

    id: str = Field(min_length=1, max_length=1024, description="the alert's id, '<rule>:<subject>'")
