"""The alert rules: pure functions from what is known now (a snapshot, the task table, node connections) to the
conditions that hold.

A rule never looks at the clock or remembers anything: a condition that must hold for a while before it alerts
says so with ``hold`` (and ``epoch``, the value whose change restarts that wait — a repair's progress), and
:class:`~engine.alerts.evaluator.AlertEvaluator` keeps the time. A rule whose data a source does not fill (a
CubeFS follower has no supervisor, ScyllaDB no per-minute stats) finds nothing and yields nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..model import AlertRules, JobState, Severity, Snapshot, SupervisorState, TaskRow, TaskState
from ..model.compact_row import HEAD_AT, HEAD_GONE, HEAD_INTERNAL, PARENT_AT, STATE_AT, CompactRow
from ..model.taskmanager import NO_PARENT


@dataclass(frozen=True, slots=True)
class Condition:
    """One rule holding for one subject; ``key`` names the subject in the alert id (``<rule>:<key>``)."""

    rule: str
    key: str
    subject: str
    summary: str
    action: str = ""
    hold: float = 0.0
    """Seconds the condition must hold before the alert fires."""
    epoch: object = None
    """A change of this value restarts the hold (e.g. a repair's progress: any progress resets its stall)."""
    node: str | None = None
    """The node the alert is about when it is not the snapshot's own (a down node)."""

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.key}"


@dataclass(slots=True)
class Facts:
    """Everything a rule may read: the newest snapshot, the failed root tasks kept from its deltas, node states."""

    snapshot: Snapshot | None
    failed_roots: Mapping[str, TaskRow]
    """The registered root tasks in state failed (:func:`is_failed_root`), by id: the only rows a rule reads, so the
    evaluator keeps just these instead of a second copy of a 100 000-task table, scanned every refresh."""
    nodes: Mapping[str, bool] = field(default_factory=dict)
    """Node name → whether the source reaches it now; only what the caller told."""
    thresholds: AlertRules = field(default_factory=AlertRules)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    severity: Severity
    description: str
    check: Callable[[Facts], Iterable[Condition]]


SUPERVISOR_RUN_HANGING = "supervisor_run_hanging"
SUPERVISOR_HALTED = "supervisor_halted"
ROOT_TASK_FAILED = "root_task_failed"
REPAIR_STALLED = "repair_stalled"
ERROR_RATE_HIGH = "error_rate_high"
TASK_TYPE_DISABLED_WITH_BROKEN_DISKS = "task_type_disabled_with_broken_disks"
NODE_DOWN = "node_down"


def _start(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def hanging_runs(facts: Facts) -> Iterator[Condition]:
    """The seed's case: a run that lost its completion stays ``running`` for ever and blocks its job."""
    if facts.snapshot is None:
        return
    view = facts.snapshot.supervisor
    names = {job.id: job.name for job in view.jobs}
    for result in view.results:
        if not result.hanging or result.state is not JobState.RUNNING:
            continue
        start = _start(result.scheduled_start)
        name = names.get(result.job_id, f"job {result.job_id}")
        yield Condition(
            SUPERVISOR_RUN_HANGING,
            key=f"job/{result.job_id}/{start.replace(' ', 'T')}",
            subject=f"job {result.job_id} ({name}) run {result.id} scheduled {start}",
            summary=f"run {result.id} of job {name!r} (scheduled_start {start}) has been running since "
            f"{_start(result.started)}, far past its interval: its completion was probably lost",
            action=(
                "1. Halt the supervisor (key h; POST /api/supervisor/halt). "
                "2a. If the job must run again with scheduled_start "
                f"{start}: delete the run (key d; POST /api/supervisor/cleanup/delete-run "
                f'{{"job_id": {result.job_id}, "scheduled_start": "{start}"}}; or in SQL: DELETE FROM '
                f"PARTIAL_JOB_RESULTS WHERE job_result_id = {result.id}; DELETE FROM JOB_RESULTS WHERE id = "
                f"{result.id}). "
                "2b. Otherwise complete it and move scheduled_start on (key e; POST "
                f'/api/supervisor/cleanup/reschedule {{"job_id": {result.job_id}}}; or in SQL: raise '
                f"SCHEDULED_JOBS.scheduled_start of job {result.job_id}, then set the 'running' PARTIAL_JOB_RESULTS "
                "rows to 'completed'). "
                "3. Restart the supervisor (key r; POST /api/supervisor/restart)."
            ),
        )


def supervisor_halted(facts: Facts) -> Iterator[Condition]:
    """HALTED for a while: no job runs, whether an operator forgot the restart or an error stopped it."""
    if facts.snapshot is None:
        return
    view = facts.snapshot.supervisor
    if not view.configured or view.state is not SupervisorState.HALTED:
        return
    reason = f": {view.last_error}" if view.last_error else " (by an operator)"
    yield Condition(
        SUPERVISOR_HALTED,
        key="supervisor",
        subject="supervisor",
        summary=f"the supervisor is HALTED{reason}; no scheduled job runs",
        action="Finish any clean-up (a hanging run, the DuplicateKeyException's row), then restart the supervisor "
        "(key r; POST /api/supervisor/restart).",
        hold=facts.thresholds.supervisor_halted_seconds,
    )


def is_failed_root(row: TaskRow) -> bool:
    """A root task (what an operator or the scheduler started, not an internal child) that failed, still registered."""
    status = row.status
    return not (row.gone or row.internal or status.has_parent or status.state is not TaskState.FAILED)


def is_failed_root_compact(row: CompactRow) -> bool:
    """:func:`is_failed_root` of a row in the compact form, read without building the row."""
    return (
        row[STATE_AT] is TaskState.FAILED
        and not (row[HEAD_AT][HEAD_GONE] or row[HEAD_AT][HEAD_INTERNAL])
        and row[PARENT_AT] in ("", NO_PARENT)
    )


def failed_roots(facts: Facts) -> Iterator[Condition]:
    """A root task (what an operator or the scheduler started, not an internal child) that failed."""
    for row in facts.failed_roots.values():
        status = row.status
        where = " ".join(part for part in (status.keyspace, status.table, status.entity) if part)
        error = f": {status.error}" if status.error else ""
        yield Condition(
            ROOT_TASK_FAILED,
            key=f"task/{status.id}",
            subject=f"task {status.id}",
            summary=f"{row.module} task {status.type}{' ' + where if where else ''} failed{error}",
            action=f"Open the task (enter on the task screen; GET /task_manager/task_status_recursive/{status.id}) "
            "for its error and its children's, fix the cause and start the work again. The alert clears when "
            "the task is unregistered (task_ttl, or once its status is read).",
        )


def stalled_repairs(facts: Facts) -> Iterator[Condition]:
    """A disk repair or drop whose migrated count and bytes have not moved for a while."""
    if facts.snapshot is None:
        return
    for migration in facts.snapshot.migrations:
        if migration.finished_at is not None:
            continue
        yield Condition(
            REPAIR_STALLED,
            key=f"disk/{migration.disk_id}/{migration.task_type}",
            subject=f"disk {migration.disk_id}",
            summary=f"{migration.task_type} of disk {migration.disk_id}{' on ' + migration.host if migration.host else ''}"
            f" makes no progress: {migration.migrated_tasks_cnt}/{migration.total_tasks_cnt} tasks migrated",
            action=f"Check that {migration.task_type} is switched on (key o), that workers and destination disks "
            f"are up, and the failed migrate tasks of disk {migration.disk_id} (GET /stats/disk/migrating"
            f"?task_type={migration.task_type}&disk_id={migration.disk_id}).",
            hold=facts.thresholds.repair_stalled_seconds,
            epoch=(migration.migrated_tasks_cnt, migration.bytes_done),
        )


def error_rates(facts: Facts) -> Iterator[Condition]:
    """shard_repair/blob_delete failing faster than the threshold, on average over the last complete minutes.

    The share guard keeps a busy consumer (CubeFS blob_delete handles thousands of messages a minute, 1 % of which
    fail and are retried as a matter of course) from paging on its usual background.
    """
    if facts.snapshot is None:
        return
    limits = facts.thresholds
    stats = facts.snapshot.stats
    for task_type, section in (("shard_repair", stats.shard_repair), ("blob_delete", stats.blob_delete)):
        if section is None or len(section.failed_per_min) < 2:
            continue
        # The last slot is the current, partial minute: only complete minutes count.
        window = section.failed_per_min[:-1][-limits.error_rate_minutes :]
        successes = section.success_per_min[:-1][-limits.error_rate_minutes :]
        failed = sum(window)
        rate = failed / len(window)
        share = failed / (failed + sum(successes)) if failed else 0.0
        if rate <= limits.error_rate_per_minute or share < limits.error_share:
            continue
        kinds = f" ({', '.join(section.err_stats[:3])})" if section.err_stats else ""
        yield Condition(
            ERROR_RATE_HIGH,
            key=f"type/{task_type}",
            subject=task_type,
            summary=f"{task_type} fails {rate:.1f}/min ({share:.0%} of its messages) over the last {len(window)} "
            f"min (threshold {limits.error_rate_per_minute:g}/min and {limits.error_share:.0%}){kinds}",
            action=f"Look at {task_type}'s err_stats (GET /stats) for the error kinds, and at the nodes or disks "
            "they name.",
        )


# Which switch a disk in trouble needs, and which statuses count as in trouble for it.
_NEEDED_BY: dict[str, tuple[str, ...]] = {"disk_repair": ("broken", "repairing"), "disk_drop": ("dropping",)}


def disabled_while_broken(facts: Facts) -> Iterator[Condition]:
    """disk_repair (or disk_drop) switched off while disks wait for it: their data stays under-replicated."""
    snapshot = facts.snapshot
    if snapshot is None:
        return
    sections = {"disk_repair": snapshot.stats.disk_repair, "disk_drop": snapshot.stats.disk_drop}
    for task_type, statuses in _NEEDED_BY.items():
        section = sections[task_type]
        enabled = snapshot.switches.get(task_type, section.enable if section is not None else None)
        if enabled is None or enabled:
            continue
        waiting = {m.disk_id for m in snapshot.migrations if m.task_type == task_type and m.finished_at is None}
        listed = None
        if section is not None:
            listed = getattr(section, "repairing_disks", None) or getattr(section, "dropping_disks", None)
        waiting.update(listed or ())
        count = max(len(waiting), sum(snapshot.cluster.disks_by_status.get(status, 0) for status in statuses))
        if count == 0:
            continue
        yield Condition(
            TASK_TYPE_DISABLED_WITH_BROKEN_DISKS,
            key=f"type/{task_type}",
            subject=task_type,
            summary=f"{task_type} is switched off while {count} disk(s) are {'/'.join(statuses)}",
            action=f"Switch {task_type} back on (key o; POST /api/task_types/{task_type}/enable, or the CubeFS "
            "Clustermgr config) unless it was turned off on purpose.",
        )


def nodes_down(facts: Facts) -> Iterator[Condition]:
    """A node the source cannot reach (its connection state, as the caller reports it)."""
    for node, connected in sorted(facts.nodes.items()):
        if connected:
            continue
        yield Condition(
            NODE_DOWN,
            key=f"node/{node}",
            subject=f"node {node}",
            summary=f"node {node} does not answer",
            action="Check the node's process and network; its data on screen is stale until it answers.",
            hold=facts.thresholds.node_down_seconds,
            node=node,
        )


RULES: tuple[Rule, ...] = (
    Rule(SUPERVISOR_RUN_HANGING, Severity.CRITICAL, "a supervisor job run flagged hanging", hanging_runs),
    Rule(SUPERVISOR_HALTED, Severity.CRITICAL, "the supervisor HALTED for too long", supervisor_halted),
    Rule(ROOT_TASK_FAILED, Severity.WARNING, "a root task in state failed", failed_roots),
    Rule(REPAIR_STALLED, Severity.CRITICAL, "a disk repair or drop without progress", stalled_repairs),
    Rule(ERROR_RATE_HIGH, Severity.WARNING, "shard_repair/blob_delete failures per minute", error_rates),
    Rule(
        TASK_TYPE_DISABLED_WITH_BROKEN_DISKS,
        Severity.WARNING,
        "disk_repair/disk_drop switched off while disks need it",
        disabled_while_broken,
    ),
    Rule(NODE_DOWN, Severity.CRITICAL, "a node unreachable for too long", nodes_down),
)
"""Every rule, in the order the README lists them."""

RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
