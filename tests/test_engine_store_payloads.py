"""The store's JSON payloads: the fast hand-assembled text is exactly what ``json.dumps`` writes, and loads back."""

from __future__ import annotations

import dataclasses
import gc
import json
import math
import random
import uuid
import weakref
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.jsontext import encode, json_num
from engine.model import MigrateState, TaskKind
from engine.taskmanager import Task, TaskManager
from engine.tasks.migrate import MigrateWork

AWKWARD_TEXTS = ["", "plain", 'quote " and \\ backslash', "ünïcödé ✔", "new\nline\ttab", "\x00\x1f control"]


def manager() -> TaskManager:
    tm = TaskManager(random.Random(3), ManualClock().now)
    tm.register_module("repair")
    return tm


def work(**changes: object) -> MigrateWork:
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    base = MigrateWork(
        task_id="disk_repair-101-1003-abcdefghijklmnopqrst",
        task_type="disk_repair",
        state=MigrateState.PREPARED,
        code_mode=11,
        source_idc="z0",
        source_disk_id=101,
        source_vuid=4312147165185,
        forbidden_direct_download=False,
        ctime=moment,
        mtime=moment,
        total_size=14_511_701_166,
        total_count=19_882,
        rate=290014455.5550455,
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_a_task_record_is_exactly_json_dumps_of_the_record_in_every_state(text: str) -> None:
    tm = manager()
    root = tm.create("repair", "repair", "disk", keyspace=text, entity=text, progress_total=10)
    child = tm.create("repair", "repair", "chunk", parent=root, node="10.0.0.1", progress_total=2.5)
    assert root.record_json() == json.dumps(root.to_record())  # created, head cached from here on
    tm.start(root)
    tm.progress(root, 3)
    tm.progress(child, 1.25, total=7.75)
    assert root.record_json() == json.dumps(root.to_record())
    assert child.record_json() == json.dumps(child.to_record())
    tm.finish(child, error=text or "failed")
    tm.finish(root)
    for task in (root, child):
        assert task.record_json() == json.dumps(task.to_record())


def test_a_stored_record_loads_back_into_the_same_task() -> None:
    tm = manager()
    task = tm.create("repair", "repair", "disk", kind=TaskKind.NODE, user=True, progress_total=4)
    tm.start(task)
    tm.finish(task, error='broke "badly"')
    loaded = Task.from_record(json.loads(task.record_json()))
    for name in ("id", "state", "kind", "start_time", "end_time", "error", "expires_at", "order", "user"):
        assert getattr(loaded, name) == getattr(task, name)


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_a_migrate_payload_is_exactly_json_dumps_and_loads_back_with_every_field(text: str) -> None:
    payload = work(
        dest_host=text,
        last_error=text,
        finish_advance_reason=text,
        tm_id=str(uuid.uuid4()),
        done_size=123,
        finish_left=0.5,
        worker_redo_cnt=2,
    )
    assert payload.json_text() == json.dumps(payload.to_json())
    payload.state, payload.done_size, payload.finish_left = MigrateState.FINISHED, payload.total_size, -0.25
    assert payload.json_text() == json.dumps(payload.to_json())  # after the head was cached
    loaded = MigrateWork.from_json(json.loads(payload.json_text()))
    for field in dataclasses.fields(MigrateWork):
        if field.name != "json_head":
            assert getattr(loaded, field.name) == getattr(payload, field.name), field.name


def test_the_payload_json_names_every_field_of_the_work() -> None:
    stored = set(json.loads(work().json_text())) - {"kind"}
    assert stored == {f.name for f in dataclasses.fields(MigrateWork)} - {"json_head"}


@pytest.mark.parametrize("value", [0, -7, 2**70, 1.5, -0.0, 1e300, math.inf, -math.inf, math.nan, True, None])
def test_numbers_are_written_as_json_dumps_writes_them(value: float | None) -> None:
    assert json_num(value) == json.dumps(value) == encode(value)


def test_new_ids_are_the_seeded_version_4_uuids() -> None:
    tm, rng = TaskManager(random.Random(11), ManualClock().now), random.Random(11)
    for _ in range(200):
        assert tm.new_id() == str(uuid.UUID(int=rng.getrandbits(128), version=4))


async def test_the_store_rows_stay_exact_while_the_cache_of_json_heads_stays_bounded(tmp_path: Path) -> None:
    engine = await Engine.open(
        EngineConfig(db_path=tmp_path / "engine.db", clock=ManualClock(), autorun=False, failure_rate=0.0)
    )
    try:
        engine.json_heads.limit = 5
        await engine.break_disk(101)
        for _ in range(6):
            await engine.advance(2)
            assert len(engine.json_heads.holders) <= 5
        rows = engine.store.connection.execute("SELECT id, record, work FROM tasks").fetchall()
        assert {task_id for task_id, _, _ in rows} == set(engine.tm.tasks)
        for task_id, record, work in rows:
            task = engine.tm.tasks[task_id]
            assert record == json.dumps(task.to_record())
            if isinstance(task.work, MigrateWork):
                assert work == json.dumps(task.work.to_json())
    finally:
        await engine.close()


async def test_a_task_that_is_gone_is_not_kept_alive_by_the_json_cache(tmp_path: Path) -> None:
    engine = await Engine.open(
        EngineConfig(db_path=tmp_path / "engine.db", clock=ManualClock(), autorun=False, failure_rate=0.0)
    )
    try:
        task_id = await engine.add_manual_migrate(min(engine.cluster.disks[102].chunks), True)
        task = engine.tm.tasks[engine.migrations.get(task_id).tm_id]
        assert task.json_head, "written once, its head is cached"
        gone = weakref.ref(task)
        await engine.abort_task(task.id)
        await engine.task_status(task.id)  # reading a finished root unregisters it
        del task
        gc.collect()
        assert gone() is None
    finally:
        await engine.close()
