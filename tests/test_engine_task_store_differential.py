"""The task manager against a frozen copy of itself from before the task store was reshaped (issue 12).

Both managers get the same seeded random operations — trees created, tasks started, progressed, finished with and
without an error, aborted, their status read (plain and recursive), waited for with timeout 0, TTLs set, the
clock advanced and finished roots expired, modules listed with and without internal tasks, deltas asked for
(``changed_since``), rows, cached JSON and store records taken — and every answer, every error and the whole
registry after each operation must be the same. The seed and the last operations are printed on a failure.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine import taskmanager
from engine.model import TaskKind
from engine.taskmanager import Task, TaskManager
from tests import reference_taskmanager as ref

MODULES = ("repair", "compaction", "backup")
KEYSPACES = ("", "ks1", "ks2")
TABLES = ("", "t1", "t2")
START = datetime(2026, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def now(self) -> datetime:
        return self.at


def _answer(value: Any) -> Any:
    """An answer in a comparable form: models dumped, task handles as their store record."""
    if isinstance(value, list):
        return [_answer(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_answer(v) for v in value)
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if hasattr(value, "to_record"):
        return ("task", value.to_record())
    return value


def _registry(tm: Any) -> Any:
    """Everything observable of a manager's state, in order."""
    return (
        tm.revision,
        tm.removed_floor,
        tm.task_ttl,
        tm.user_task_ttl,
        dict(tm.sequence),
        {m: [t.id for t in tm.list_tasks(m, internal=True)] for m in tm.modules},
        [(t.id, t.to_record(), list(t.children), t.order) for t in tm.tasks.values()],
        tm.changes() if callable(tm.changes) else list(tm.changes.items()),
        list(tm.removed_log),
        sorted(tm.expiry),
        sorted(tm.dirty),
        sorted(tm.dirty_removed),
        sorted(tm.events),
    )


def stored_record(task: Any) -> dict[str, Any]:
    """What the store keeps of a task, read back: the new store's head and tail, the reference's whole record."""
    if isinstance(task, Task):
        return Task.from_stored(json.loads(task.head_json()), json.loads(task.tail_json())).to_record()
    return dict(json.loads(task.record_json()))


class Pair:
    """The live and the reference manager, driven in lockstep."""

    def __init__(self, seed: int) -> None:
        self.clock = Clock()
        self.new = TaskManager(random.Random(seed), self.clock.now)
        self.old = ref.TaskManager(random.Random(seed), self.clock.now)
        self.aborted_new: list[str] = []
        self.aborted_old: list[str] = []
        for module in MODULES:
            self.new.register_module(module, lambda t: self.aborted_new.append(t.id))
            self.old.register_module(module, lambda t: self.aborted_old.append(t.id))

    async def both(self, call: Callable[[Any], Any]) -> Any:
        answers = []
        for tm in (self.new, self.old):
            try:
                result = call(tm)
                if hasattr(result, "__await__"):
                    result = await result
                answers.append(("ok", _answer(result)))
            except Exception as error:  # every error must be the same error, with the same message
                answers.append(("error", type(error).__name__, str(error)))
        assert answers[0] == answers[1]
        assert self.aborted_new == self.aborted_old
        assert _registry(self.new) == _registry(self.old)
        # the consumers' caches never hold a task that is gone
        assert self.new.row_cache.keys() <= self.new.tasks.keys()
        assert self.new.stats_json_cache.keys() <= self.new.tasks.keys()
        return answers[0]


async def _run(seed: int, steps: int) -> None:
    rng = random.Random(seed)
    pair = Pair(seed)
    log: list[str] = []

    def live() -> str | None:
        ids = list(pair.new.tasks)
        return rng.choice(ids) if ids else None

    def some_id() -> object:
        pick = rng.random()
        if pick < 0.05:
            return "00000000-0000-4000-8000-000000000000"
        if pick < 0.07:
            return 17  # a malformed id
        return live()

    try:
        for step in range(steps):
            op = rng.choices(
                [
                    "root",
                    "child",
                    "start",
                    "progress",
                    "finish",
                    "abort",
                    "status",
                    "recursive",
                    "wait",
                    "ttl",
                    "expire",
                    "list",
                    "since",
                    "dirty",
                    "row",
                    "stats_json",
                    "record",
                    "unregister",
                ],
                weights=[8, 14, 8, 8, 10, 3, 4, 3, 3, 1, 4, 3, 3, 2, 3, 3, 2, 1],
            )[0]
            log.append(f"{step}: {op}")
            if op == "root":
                module, kind = rng.choice(MODULES), TaskKind.CLUSTER if rng.random() < 0.1 else TaskKind.NODE
                user, ks, table = rng.random() < 0.3, rng.choice(KEYSPACES), rng.choice(TABLES)
                total, abortable = rng.choice([0.0, 10.0, 100.0]), rng.random() < 0.9
                log[-1] += f" {module} {kind} user={user}"
                await pair.both(
                    lambda tm, m=module, k=kind, u=user, s=ks, t=table, p=total, a=abortable: tm.create(
                        m,
                        "type_" + m,
                        "scope",
                        kind=k,
                        user=u,
                        keyspace=s,
                        table=t,
                        progress_total=p,
                        abortable=a,
                        node="n1",
                        entity="e",
                    )
                )
            elif op == "child":
                parent = live()
                if parent is None or (pair.new.tasks[parent].kind is TaskKind.CLUSTER and rng.random() < 0.5):
                    continue
                internal = rng.random() < 0.1
                module = rng.choice(MODULES) if rng.random() < 0.2 else pair.new.tasks[parent].module
                log[-1] += f" {module} of {parent}"
                await pair.both(
                    lambda tm, p=parent, i=internal, m=module: tm.create(
                        m, "child", "range", parent=tm.tasks[p], internal=i, progress_units="ranges"
                    )
                )
            elif op in ("start", "progress", "finish", "unregister"):
                task_id = live()
                if task_id is None:
                    continue
                log[-1] += f" {task_id}"
                if op == "start":
                    await pair.both(lambda tm, i=task_id: tm.start(tm.tasks[i]))
                elif op == "progress":
                    done, total = rng.choice([1.0, 5.0, 5.0, 50.0]), rng.choice([None, 100.0])
                    await pair.both(lambda tm, i=task_id, d=done, t=total: tm.progress(tm.tasks[i], d, t))
                elif op == "finish":
                    error = rng.choice([None, None, "boom", ""])
                    log[-1] += f" error={error!r}"
                    await pair.both(lambda tm, i=task_id, e=error: tm.finish(tm.tasks[i], e))
                else:
                    await pair.both(lambda tm, i=task_id: tm.unregister(tm.tasks[i]))
            elif op in ("abort", "status", "recursive", "wait"):
                task_id = some_id()
                log[-1] += f" {task_id}"
                if op == "abort":
                    await pair.both(lambda tm, i=task_id: tm.abort(i))
                elif op == "status":
                    await pair.both(lambda tm, i=task_id: tm.read_status(i))
                elif op == "recursive":
                    await pair.both(lambda tm, i=task_id: tm.recursive_status(i))
                else:
                    await pair.both(lambda tm, i=task_id: tm.wait(i, 0))
            elif op == "ttl":
                seconds = rng.choice([0, 1, 5, 60, 3600, -1, True, 2.5])
                user = rng.random() < 0.5
                log[-1] += f" {seconds!r} user={user}"
                await pair.both(lambda tm, s=seconds, u=user: tm.set_ttl(s, user=u))
            elif op == "expire":
                pair.clock.at += timedelta(seconds=rng.choice([0.0, 0.5, 1.0, 3.0, 30.0, 4000.0]))
                unix = pair.clock.at.timestamp()
                await pair.both(lambda tm, u=unix: tm.expire(u))
            elif op == "list":
                module, internal = rng.choice([*MODULES, "nope"]), rng.random() < 0.5
                ks, table = rng.choice([None, "ks1"]), rng.choice([None, "t2"])
                await pair.both(lambda tm, m=module, i=internal, k=ks, t=table: tm.list_tasks(m, i, k, t))
            elif op == "since":
                since = rng.randint(0, pair.new.revision + 1)
                log[-1] += f" {since}"
                await pair.both(lambda tm, s=since: tm.changed_since(s))
            elif op == "dirty":
                await pair.both(lambda tm: tuple(sorted(x, key=str) for x in tm.take_dirty()))
            else:
                task_id = live()
                if task_id is None:
                    continue
                if op == "row":
                    await pair.both(lambda tm, i=task_id: tm.row(tm.tasks[i]))
                elif op == "stats_json":
                    await pair.both(lambda tm, i=task_id: tm.stats_json(tm.tasks[i]))
                else:
                    await pair.both(lambda tm, i=task_id: (stored_record(tm.tasks[i]), tm.tasks[i].to_record()))
        # a restart: both registries rebuilt from their store records must answer alike too
        records = [t.to_record() for t in pair.new.tasks.values()]
        assert records == [t.to_record() for t in pair.old.tasks.values()]
        log.append("restart")
        pair.new, pair.old = (
            TaskManager(random.Random(0), pair.clock.now),
            ref.TaskManager(random.Random(0), pair.clock.now),
        )
        for module in MODULES:
            pair.new.register_module(module)
            pair.old.register_module(module)
        pair.new.restore([Task.from_record(r) for r in records])
        pair.old.restore([ref.Task.from_record(r) for r in records])
        await pair.both(lambda tm: tm.changed_since(0))
        await pair.both(lambda tm: [tm.recursive_status(i) for i in list(tm.tasks)[:50] if i in tm.tasks])
        await pair.both(lambda tm: tm.changed_since(0))
    except AssertionError:
        print(f"seed {seed}; the last operations:\n" + "\n".join(log[-25:]))
        raise


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
async def test_the_task_manager_answers_as_the_reference_does(seed: int) -> None:
    await _run(seed, 1500)


@pytest.mark.parametrize("seed", [11, 12])
async def test_answers_hold_while_the_change_log_is_compacted_again_and_again(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(taskmanager, "CHANGE_LOG_SLACK", 3)  # compacted every few changes, not every 4 096
    await _run(seed, 1500)


async def test_a_randomly_seeded_run_answers_as_the_reference_does() -> None:
    seed = random.SystemRandom().randrange(2**32)
    await _run(seed, 1500)


def test_siblings_share_one_identity_and_a_change_drops_the_cached_answers() -> None:
    tm = TaskManager(random.Random(3), Clock().now)
    tm.register_module("repair")
    root = tm.create("repair", "repair", "keyspace", keyspace="ks1", table="t1")
    a, b = (tm.create("repair", "repair", "range", parent=root, keyspace="ks1", table="t1") for _ in range(2))
    assert a.identity is b.identity and a.identity is not root.identity
    assert (a.module, a.kind, a.keyspace, a.table, a.internal) == ("repair", TaskKind.NODE, "ks1", "t1", True)
    row, stats = tm.row(a), tm.stats_json(a)
    assert tm.row(a) is row and tm.stats_json(a) is stats
    tm.progress(a, 1.0, 2.0)
    assert tm.row(a).status.progress_completed == 1.0 and tm.row(a) is not row
    assert tm.stats_json(a) == stats  # the list item has no progress: equal, rebuilt for the new revision
    tm.finish(a)  # folded into its parent: gone, and so are its cached answers
    assert a.id not in tm.row_cache and a.id not in tm.stats_json_cache
