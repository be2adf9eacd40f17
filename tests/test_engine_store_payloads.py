"""The store's task rows: a head written once and a hand-assembled tail, exactly what ``json.dumps`` writes, loading back."""

from __future__ import annotations

import json
import math
import random
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.jsontext import encode, json_num
from engine.model import MigrateState, TaskKind
from engine.store_protocol import MIGRATE_TAIL_FIELDS, TASK_TAIL_FIELDS
from engine.taskmanager import Task, TaskManager
from engine.tasks.disk_migration import DiskJob
from engine.tasks.migrate import MigrateWork
from engine.tasks.migrate_work import WORK_FIELDS

AWKWARD_TEXTS = ["", "plain", 'quote " and \\ backslash', "ünïcödé ✔", "new\nline\ttab", "\x00\x1f control"]


def manager() -> TaskManager:
    tm = TaskManager(random.Random(3), ManualClock().now)
    tm.register_module("repair")
    return tm


def work(**changes: object) -> MigrateWork:
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    fields: dict[str, Any] = dict(
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
    return MigrateWork(**(fields | changes))


def assert_stored_exactly(task: Task) -> None:
    """The head and tail are ``json.dumps`` of the record's two halves, byte for byte, and together the record."""
    record = task.to_record()
    tail = [record[name] for name in TASK_TAIL_FIELDS]
    head = {name: value for name, value in record.items() if name not in TASK_TAIL_FIELDS}
    assert task.tail_json() == json.dumps(tail)
    assert task.head_json() == json.dumps(head)


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_a_tasks_stored_head_and_tail_are_exactly_json_dumps_in_every_state(text: str) -> None:
    tm = manager()
    root = tm.create("repair", "repair", "disk", keyspace=text, entity=text, progress_total=10)
    child = tm.create("repair", "repair", "chunk", parent=root, node="10.0.0.1", progress_total=2.5)
    assert_stored_exactly(root)
    tm.start(root)
    tm.progress(root, 3)
    tm.progress(child, 1.25, total=7.75)
    assert_stored_exactly(root)
    assert_stored_exactly(child)
    tm.finish(child, error=text or "failed")
    tm.finish(root)
    for task in (root, child):
        assert_stored_exactly(task)


def test_a_stored_head_and_tail_load_back_into_the_same_task() -> None:
    tm = manager()
    task = tm.create("repair", "repair", "disk", kind=TaskKind.NODE, user=True, progress_total=4)
    tm.start(task)
    tm.finish(task, error='broke "badly"')
    loaded = Task.from_stored(json.loads(task.head_json()), json.loads(task.tail_json()))
    assert loaded.to_record() == task.to_record()


def test_a_head_without_a_tail_is_a_whole_record_as_schema_1_stored_it() -> None:
    tm = manager()
    task = tm.create("repair", "repair", "disk", progress_total=4)
    tm.start(task)
    assert Task.from_stored(task.to_record(), None).to_record() == task.to_record()


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_a_migrate_payload_is_exactly_json_dumps_and_loads_back_with_every_field(text: str) -> None:
    payload = work(
        source_idc=text,
        dest_host=text,
        last_error=text,
        finish_advance_reason=text,
        tm_id=str(uuid.uuid4()),
        done_size=123,
        finish_left=0.5,
        worker_redo_cnt=2,
    )
    head = payload.head_json()
    whole = payload.to_json()
    assert head == json.dumps({name: value for name, value in whole.items() if name not in MIGRATE_TAIL_FIELDS})
    for _ in range(2):
        whole = payload.to_json()
        assert payload.tail_json() == json.dumps([whole[name] for name in MIGRATE_TAIL_FIELDS])
        assert json.loads(head) | dict(zip(MIGRATE_TAIL_FIELDS, json.loads(payload.tail_json()), strict=True)) == whole
        payload.state, payload.done_size, payload.finish_left = MigrateState.FINISHED, payload.total_size, -0.25
    loaded = MigrateWork.from_json(MigrateWork.stored_json(json.loads(head), json.loads(payload.tail_json())))
    for name in WORK_FIELDS:
        if name != "head_stored":
            assert getattr(loaded, name) == getattr(payload, name), name


def test_the_payload_json_names_every_field_of_the_work() -> None:
    stored = set(json.loads(work().head_json())) - {"kind"} | set(MIGRATE_TAIL_FIELDS)
    assert stored == set(WORK_FIELDS) - {"head_stored"}


@pytest.mark.parametrize("value", [0, -7, 2**70, 1.5, -0.0, 1e300, math.inf, -math.inf, math.nan, True, None])
def test_numbers_are_written_as_json_dumps_writes_them(value: float | None) -> None:
    assert json_num(value) == json.dumps(value) == encode(value)


def test_new_ids_are_the_seeded_version_4_uuids() -> None:
    tm, rng = TaskManager(random.Random(11), ManualClock().now), random.Random(11)
    for _ in range(200):
        assert tm.new_id() == str(uuid.UUID(int=rng.getrandbits(128), version=4))


async def test_the_store_rows_stay_exact_and_a_head_is_written_once(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(EngineConfig(db_path=db, clock=ManualClock(), autorun=False, failure_rate=0.0))
    try:
        await engine.break_disk(101)
        await engine.advance(2)
        with sqlite3.connect(db) as conn:  # a mark in every head: a head written again would lose it
            conn.execute("UPDATE task_heads SET head = json_set(head, '$.mark', 1)")
        first = set(engine.tm.tasks)
        for _ in range(6):
            await engine.advance(2)
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT id, record, work FROM tasks").fetchall()
            marked = {i for (i,) in conn.execute("SELECT id FROM task_heads WHERE head ->> 'mark' = 1")}
        assert {task_id for task_id, _, _ in rows} == set(engine.tm.tasks)
        assert marked and marked == first & set(engine.tm.tasks), "every head written before the mark kept it"
        for task_id, record, work in rows:
            task = engine.tm.tasks[task_id]
            assert {k: v for k, v in json.loads(record).items() if k != "mark"} == task.to_record()
            if isinstance(task.work, MigrateWork):
                assert json.loads(work) == task.work.to_json()
    finally:
        await engine.close()


def test_a_disk_job_stored_with_its_chunk_ids_loads_without_them() -> None:
    stored = {
        "task_type": "disk_repair",
        "disk_id": 101,
        "host": "10.0.0.7",
        "idc": "z0",
        "total": 2,
        "bytes_total": 2048,
        "started_at": "2024-05-06T07:08:09+00:00",
        "tm_id": str(uuid.UUID(int=7, version=4)),
        "migrated": 1,
        "failed": 0,
        "bytes_finished": 1024,
        "finished_at": None,
        "aborting": False,
        "children": ["disk_repair-101-1003-abcdefghijklmnopqrst", "disk_repair-101-1004-abcdefghijklmnopqrst"],
        "kind": "disk_job",
    }
    job = DiskJob.from_json(stored)
    assert (job.disk_id, job.total, job.migrated) == (101, 2, 1)
    assert "children" not in job.to_json()
