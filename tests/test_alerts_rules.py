"""The alert rules, the alert book and the evaluator: each rule fires on the data behind it and resolves when that
clears, driven through the embedded engine's public API on a manual clock (or, for data only remote sources
have, a snapshot built by hand)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from engine.alerts import RULES, AlertBook, AlertEvaluator
from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.model import (
    RULE_NAMES,
    Alert,
    AlertRules,
    AlertState,
    AlertsView,
    ClusterSummary,
    ErrorRateStats,
    Severity,
    Snapshot,
    TaskRow,
    TasksStat,
    TaskState,
    TaskStatus,
)
from engine.model.compact import compact_row

START = datetime(2015, 3, 11, 0, 28, tzinfo=UTC)


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await Engine.open(EngineConfig(seed=1, clock=ManualClock(START), autorun=False))
    yield engine
    await engine.close()


class Watch:
    """An evaluator fed the engine's snapshots as a remote dashboard would: deltas since the last revision."""

    def __init__(self, engine: Engine, rules: AlertRules | None = None) -> None:
        self.engine = engine
        self.evaluator = AlertEvaluator(rules)

    def __call__(self) -> AlertsView:
        return self.evaluator.observe(self.engine.snapshot(since=self.evaluator.revision))

    def firing(self, rule: str) -> list[Alert]:
        return [alert for alert in self().firing if alert.rule == rule]

    def resolved(self, rule: str) -> list[Alert]:
        return [alert for alert in self.evaluator.view().history if alert.rule == rule]


async def break_a_disk(engine: Engine) -> int:
    disk = next(d for d in await engine.disks() if d.status.value == "normal" and d.chunk_count > 0)
    await engine.break_disk(disk.disk_id)
    return disk.disk_id


def snapshot(at: datetime, **fields: object) -> Snapshot:
    """A snapshot as a remote source fills it: only what the fields give."""
    base: dict[str, object] = {
        "revision": 1,
        "full": True,
        "taken_at": at,
        "cluster": ClusterSummary(name="cubefs", node="scheduler-a"),
        "stats": TasksStat(),
        "modules": [],
    }
    return Snapshot.model_validate({**base, **fields})


# -- supervisor_run_hanging ---------------------------------------------------------------------------------------


async def hang_a_run(engine: Engine) -> int:
    job = await engine.add_job("balance", "balance", 120, START)
    engine.supervisor.lose_next_completion()
    await engine.advance(400)
    return job.id


async def test_a_hanging_run_fires_a_critical_alert_naming_the_job_and_both_clean_ups(engine: Engine) -> None:
    watch = Watch(engine)
    job_id = await hang_a_run(engine)
    [alert] = watch.firing("supervisor_run_hanging")
    assert alert.severity is Severity.CRITICAL and alert.state is AlertState.FIRING
    assert alert.id == f"supervisor_run_hanging:job/{job_id}/2015-03-11T00:28:00"
    assert f"job {job_id}" in alert.subject and "2015-03-11 00:28:00" in alert.subject
    assert "/api/supervisor/cleanup/delete-run" in alert.action and "/api/supervisor/cleanup/reschedule" in alert.action
    assert alert.action.index("Halt") < alert.action.index("Restart")


async def test_a_hanging_run_resolves_once_cleaned_up(engine: Engine) -> None:
    watch = Watch(engine)
    job_id = await hang_a_run(engine)
    assert watch.firing("supervisor_run_hanging")
    await engine.supervisor_halt()
    await engine.cleanup_reschedule(job_id)
    assert watch.firing("supervisor_run_hanging") == []
    [resolved] = watch.resolved("supervisor_run_hanging")
    assert resolved.state is AlertState.RESOLVED and resolved.resolved_at == engine.clock.now()


# -- supervisor_halted --------------------------------------------------------------------------------------------


async def test_a_halted_supervisor_alerts_only_after_the_threshold(engine: Engine) -> None:
    watch = Watch(engine, AlertRules(supervisor_halted_seconds=300))
    await engine.add_job("balance", "balance", 600, START)
    await engine.supervisor_halt()
    halted_at = engine.clock.now()
    assert watch.firing("supervisor_halted") == []
    await engine.advance(299)
    assert watch.firing("supervisor_halted") == []
    await engine.advance(1)
    [alert] = watch.firing("supervisor_halted")
    assert (alert.since, alert.fired_at, alert.severity) == (halted_at, engine.clock.now(), Severity.CRITICAL)


async def test_a_restart_resolves_the_halted_alert(engine: Engine) -> None:
    watch = Watch(engine, AlertRules(supervisor_halted_seconds=0))
    await engine.add_job("balance", "balance", 600, START)
    await engine.supervisor_halt()
    assert watch.firing("supervisor_halted")
    await engine.supervisor_restart()
    assert watch.firing("supervisor_halted") == [] and watch.resolved("supervisor_halted")


# -- root_task_failed ---------------------------------------------------------------------------------------------


async def test_a_failed_root_task_fires_and_resolves_when_task_ttl_unregisters_it(engine: Engine) -> None:
    watch = Watch(engine)
    task_id = await create_failing_rebuild(engine)
    [alert] = watch.firing("root_task_failed")
    assert alert.id == f"root_task_failed:task/{task_id}" and alert.severity is Severity.WARNING
    assert "node tasks failed" in alert.summary
    await engine.set_user_ttl(10)  # a task an operator created lives user_task_ttl past its end
    await engine.advance(15)
    assert watch.firing("root_task_failed") == [] and watch.resolved("root_task_failed")


async def create_failing_rebuild(engine: Engine) -> str:
    from engine.model import CreateTaskRequest, DistributedType, Location, LocationKind

    task_id = await engine.create_task(
        CreateTaskRequest(type=DistributedType.REBUILD, location=Location(kind=LocationKind.CLUSTER, name="z2"))
    )
    await engine.fail_next("rebuild", 100)
    await engine.advance(5)
    assert engine.snapshot().tasks  # the failed root is still registered (task_ttl 0 keeps it until read)
    return task_id


def test_a_failed_internal_or_child_task_does_not_fire() -> None:
    evaluator = AlertEvaluator()
    rows = [
        TaskRow(module="m", internal=True, status=TaskStatus(id="a", type="t", state=TaskState.FAILED)),
        TaskRow(module="m", status=TaskStatus(id="b", type="t", state=TaskState.FAILED, parent_id="root")),
        TaskRow(module="m", status=TaskStatus(id="c", type="t", state=TaskState.DONE)),
    ]
    assert evaluator.observe(snapshot(START, tasks=rows)).firing == []


def test_rows_that_come_compact_are_judged_as_the_same_rows() -> None:
    rows = [
        TaskRow(module="m", internal=True, status=TaskStatus(id="a", type="t", state=TaskState.FAILED)),
        TaskRow(module="m", status=TaskStatus(id="b", type="t", state=TaskState.FAILED, parent_id="root")),
        TaskRow(module="m", status=TaskStatus(id="c", type="t", state=TaskState.DONE)),
        TaskRow(module="m", status=TaskStatus(id="d", type="t", state=TaskState.FAILED)),
        TaskRow(module="m", gone=True, status=TaskStatus(id="e", type="t", state=TaskState.FAILED)),
    ]
    as_rows = AlertEvaluator().observe(snapshot(START, tasks=rows)).firing
    as_tuples = AlertEvaluator().observe(snapshot(START, task_rows=[compact_row(row) for row in rows])).firing
    assert as_tuples == as_rows and [alert.id.rsplit(":", 1)[-1] for alert in as_rows] == ["task/d"]


def test_a_failed_root_that_came_compact_resolves_when_a_compact_delta_says_it_ended_otherwise() -> None:
    evaluator = AlertEvaluator()
    failed = TaskRow(module="m", status=TaskStatus(id="d", type="t", state=TaskState.FAILED))
    other = TaskRow(module="m", status=TaskStatus(id="e", type="t", state=TaskState.FAILED))
    assert len(evaluator.observe(snapshot(START, task_rows=[compact_row(failed), compact_row(other)])).firing) == 2
    again = failed.model_copy(update={"status": failed.status.model_copy(update={"state": TaskState.DONE})})
    delta = snapshot(START, revision=2, full=False, task_rows=[compact_row(again)])
    assert [alert.id.rsplit(":", 1)[-1] for alert in evaluator.observe(delta).firing] == ["task/e"]


# -- repair_stalled -----------------------------------------------------------------------------------------------


async def silence_every_host(engine: Engine, silent: bool = True) -> None:
    """No node answers: the repair's migrate tasks cannot move a byte."""
    for host in sorted({disk.host for disk in await engine.disks()}):
        await engine.silence_node(host, silent)


async def test_a_repair_without_progress_for_the_threshold_is_stalled(engine: Engine) -> None:
    watch = Watch(engine, AlertRules(repair_stalled_seconds=600))
    disk_id = await break_a_disk(engine)
    await engine.advance(2)
    await silence_every_host(engine)
    watch()
    await engine.advance(599)
    assert watch.firing("repair_stalled") == []
    await engine.advance(1)
    [alert] = watch.firing("repair_stalled")
    assert alert.subject == f"disk {disk_id}" and alert.severity is Severity.CRITICAL


async def test_a_stalled_repair_resolves_when_it_moves_again(engine: Engine) -> None:
    watch = Watch(engine, AlertRules(repair_stalled_seconds=60))
    await break_a_disk(engine)
    await engine.advance(2)
    await silence_every_host(engine)
    watch()
    await engine.advance(60)
    assert watch.firing("repair_stalled")
    await silence_every_host(engine, silent=False)
    await engine.advance(30)
    assert watch.firing("repair_stalled") == [] and watch.resolved("repair_stalled")


async def test_a_repair_that_progresses_never_stalls(engine: Engine) -> None:
    watch = Watch(engine, AlertRules(repair_stalled_seconds=60))
    await break_a_disk(engine)
    for _ in range(6):
        await engine.advance(20)
        assert watch.firing("repair_stalled") == []


# -- error_rate_high ----------------------------------------------------------------------------------------------


async def test_shard_repair_failing_above_the_rate_fires_and_clears_after_the_window(engine: Engine) -> None:
    watch = Watch(engine)
    await engine.fail_next("shard_repair", 3 * 60 * 6)  # every message for about six minutes
    await engine.advance(6 * 60)
    [alert] = watch.firing("error_rate_high")
    assert alert.subject == "shard_repair" and "/min" in alert.summary
    await engine.advance(10 * 60)
    assert watch.firing("error_rate_high") == [] and watch.resolved("error_rate_high")


def rates(failed: int, success: int) -> ErrorRateStats:
    # 19 complete minutes and the current one: only the last five complete minutes count
    return ErrorRateStats(failed_per_min=[0] * 14 + [failed] * 5 + [999], success_per_min=[success] * 20)


def test_the_rate_is_the_mean_of_the_last_complete_minutes_not_the_current_one() -> None:
    evaluator = AlertEvaluator(AlertRules(error_rate_per_minute=10, error_share=0))
    assert evaluator.observe(snapshot(START, stats=TasksStat(blob_delete=rates(10, 0)))).firing == []
    [alert] = evaluator.observe(snapshot(START, stats=TasksStat(blob_delete=rates(11, 0)))).firing
    assert alert.id == "error_rate_high:type/blob_delete"


def test_a_busy_consumers_small_share_of_failures_does_not_fire() -> None:
    evaluator = AlertEvaluator(AlertRules(error_rate_per_minute=10, error_share=0.1))
    assert evaluator.observe(snapshot(START, stats=TasksStat(blob_delete=rates(30, 2400)))).firing == []


# -- task_type_disabled_with_broken_disks -------------------------------------------------------------------------


async def test_disk_repair_switched_off_while_a_disk_is_broken_fires_and_resolves_when_on(engine: Engine) -> None:
    watch = Watch(engine)
    await break_a_disk(engine)
    await engine.set_enabled("disk_repair", False)
    [alert] = watch.firing("task_type_disabled_with_broken_disks")
    assert alert.subject == "disk_repair" and "/api/task_types/disk_repair/enable" in alert.action
    await engine.set_enabled("disk_repair", True)
    assert watch.firing("task_type_disabled_with_broken_disks") == []


async def test_a_switch_off_with_every_disk_healthy_does_not_fire(engine: Engine) -> None:
    watch = Watch(engine)
    await engine.set_enabled("disk_repair", False)
    assert watch.firing("task_type_disabled_with_broken_disks") == []


# -- node_down ----------------------------------------------------------------------------------------------------


def test_a_disconnected_node_fires_after_the_threshold_and_resolves_when_back() -> None:
    evaluator = AlertEvaluator(AlertRules(node_down_seconds=60))
    evaluator.observe(nodes={"scheduler-b": False}, now=START)
    assert evaluator.observe(now=START + timedelta(seconds=59)).firing == []
    [alert] = evaluator.observe(now=START + timedelta(seconds=60)).firing
    assert (alert.rule, alert.node, alert.since, alert.severity) == (
        "node_down",
        "scheduler-b",
        START,
        Severity.CRITICAL,
    )
    assert evaluator.observe(nodes={"scheduler-b": True}, now=START + timedelta(seconds=61)).firing == []
    assert [a.id for a in evaluator.view().history] == ["node_down:node/scheduler-b"]


def test_a_node_that_comes_back_before_the_threshold_starts_its_wait_over() -> None:
    evaluator = AlertEvaluator(AlertRules(node_down_seconds=60))
    evaluator.observe(nodes={"b": False}, now=START)
    evaluator.observe(nodes={"b": True}, now=START + timedelta(seconds=50))
    evaluator.observe(nodes={"b": False}, now=START + timedelta(seconds=55))
    assert evaluator.observe(now=START + timedelta(seconds=100)).firing == []


# -- sources that fill only part of a snapshot --------------------------------------------------------------------


def test_a_snapshot_without_supervisor_migrations_or_tasks_fires_nothing() -> None:
    follower = TasksStat(shard_repair=ErrorRateStats(), blob_delete=ErrorRateStats())
    evaluator = AlertEvaluator()
    view = evaluator.observe(snapshot(START, stats=follower, supervisor={"configured": False}))
    assert (view.firing, view.history, view.evaluated_at) == ([], [], START)


def test_alerts_carry_the_snapshots_cluster_and_node() -> None:
    evaluator = AlertEvaluator(AlertRules(error_share=0))
    [alert] = evaluator.observe(snapshot(START, stats=TasksStat(shard_repair=rates(50, 0)))).firing
    assert (alert.cluster, alert.node) == ("cubefs", "scheduler-a")


# -- the book: acknowledgement, history, order --------------------------------------------------------------------


def alert(rule: str, key: str, severity: Severity = Severity.WARNING, since: datetime = START) -> Alert:
    return Alert(
        id=f"{rule}:{key}", rule=rule, severity=severity, since=since, fired_at=since, subject=key, summary=rule
    )


def test_acknowledging_marks_the_alert_and_it_keeps_firing() -> None:
    book = AlertBook()
    book.update([alert("r", "x")], START)
    acked = book.acknowledge("r:x", START + timedelta(seconds=5))
    assert acked is not None and acked.acknowledged_at == START + timedelta(seconds=5)
    book.update([alert("r", "x")], START + timedelta(seconds=10))
    [still] = book.firing()
    assert still.acknowledged and still.state is AlertState.FIRING


def test_acknowledging_an_alert_that_does_not_fire_answers_none() -> None:
    assert AlertBook().acknowledge("r:nothing", START) is None


def test_an_alert_that_fires_again_after_resolving_is_new_and_unacknowledged() -> None:
    book = AlertBook()
    book.update([alert("r", "x")], START)
    book.acknowledge("r:x", START)
    book.update([], START + timedelta(seconds=1))
    book.update([alert("r", "x", since=START + timedelta(seconds=2))], START + timedelta(seconds=2))
    [again] = book.firing()
    assert not again.acknowledged and again.since == START + timedelta(seconds=2)


def test_the_history_keeps_the_newest_resolved_alerts_up_to_its_bound() -> None:
    book = AlertBook(history=2)
    book.update([alert("r", "a"), alert("r", "b"), alert("r", "c")], START)
    for moment, left in enumerate((["b", "c"], ["c"], [])):
        book.update([alert("r", key) for key in left], START + timedelta(seconds=moment + 1))
    assert [(a.subject, a.resolved_at) for a in book.history()] == [
        ("c", START + timedelta(seconds=3)),
        ("b", START + timedelta(seconds=2)),
    ]


def test_the_history_bound_comes_from_the_config() -> None:
    evaluator = AlertEvaluator(AlertRules(history=1, node_down_seconds=0))
    evaluator.observe(nodes={"a": False, "b": False}, now=START)
    view = evaluator.observe(nodes={"a": True, "b": True}, now=START + timedelta(seconds=1))
    assert len(view.history) == 1


def test_firing_alerts_list_the_worst_severity_first_then_the_oldest() -> None:
    book = AlertBook()
    later = START + timedelta(seconds=9)
    book.update([alert("w", "1"), alert("c", "2", Severity.CRITICAL, later), alert("c", "3", Severity.CRITICAL)], later)
    assert [a.id for a in book.firing()] == ["c:3", "c:2", "w:1"]


def test_an_injected_clock_times_evaluations_and_acknowledgements() -> None:
    moments = iter([START, START + timedelta(seconds=7)])
    evaluator = AlertEvaluator(AlertRules(node_down_seconds=0), clock=lambda: next(moments))
    [fired] = evaluator.observe(nodes={"b": False}).firing
    acked = evaluator.acknowledge(fired.id)
    assert fired.fired_at == START and acked is not None and acked.acknowledged_at == START + timedelta(seconds=7)


# -- the configuration --------------------------------------------------------------------------------------------


def test_a_disabled_rule_never_fires() -> None:
    evaluator = AlertEvaluator(AlertRules(node_down_seconds=0, disabled=["node_down"]))
    assert evaluator.observe(nodes={"b": False}, now=START).firing == []


def test_the_defaults_suit_a_real_cluster() -> None:
    rules = AlertRules()
    assert (rules.supervisor_halted_seconds, rules.repair_stalled_seconds, rules.node_down_seconds) == (900, 1800, 60)
    assert (rules.error_rate_per_minute, rules.error_rate_minutes, rules.history) == (10, 5, 200)


def test_every_rule_has_a_unique_name_and_a_severity() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names)) == 7
    assert {rule.severity for rule in RULES} <= set(Severity)


def test_the_wire_model_names_exactly_the_rules_there_are() -> None:
    assert tuple(rule.name for rule in RULES) == RULE_NAMES


def test_a_config_disabling_an_unknown_rule_is_refused_naming_the_rules() -> None:
    with pytest.raises(ValidationError, match=r"unknown alert rule.*node_down"):
        AlertRules(disabled=["node_dwon"])
