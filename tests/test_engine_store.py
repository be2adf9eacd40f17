"""Persistence: the SQLite store survives a restart with every task, its progress and the settings."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import EngineError, StoreError
from engine.model import MigrateState, TaskState
from engine.tasks.migrate import MigrateWork

QUIET = {"balance": False, "shard_repair": False, "blob_delete": False, "volume_inspect": False}


def config(path: Path, clock: ManualClock | None = None, **extra: object) -> EngineConfig:
    return EngineConfig(
        db_path=path,
        clock=clock or ManualClock(),
        autorun=False,
        failure_rate=0.0,
        supervisor=False,
        **({"enabled": QUIET} | extra),  # type: ignore[arg-type]
    )


def stored_time(path: Path) -> ManualClock:
    """A clock that resumes at the simulated time the store last saw."""
    with sqlite3.connect(path) as conn:
        (value,) = conn.execute("SELECT value FROM engine_meta WHERE key = 'sim_time'").fetchone()
    clock = ManualClock()
    clock.advance(float(value) - clock.now().timestamp())
    return clock


async def test_a_reopened_store_has_every_task_with_its_progress(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db, task_ttl=3600))
    disk = max(engine.cluster.disks.values(), key=lambda d: len(d.chunks))
    await engine.break_disk(disk.disk_id)
    manual = await engine.add_manual_migrate(min(engine.cluster.disks[102].chunks), True)
    for _ in range(120):  # the repair has the workers first; the manual migration moves once one is free
        await engine.advance(1)
        if engine.migrations.get(manual).done_size > 0:
            break
    before = {i: engine.tm.full_status(t) for i, t in engine.tm.tasks.items()}
    done = engine.migrations.get(manual).done_size
    await engine.close()

    reopened = await Engine.open(config(db, stored_time(db)))
    try:
        assert {i: reopened.tm.full_status(t) for i, t in reopened.tm.tasks.items()} == before
        assert reopened.migrations.get(manual).done_size == done > 0
        assert reopened.cluster.disks[disk.disk_id].status.value == "repairing"
    finally:
        await reopened.close()


async def test_unfinished_tasks_resume_and_finish_after_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db, task_ttl=3600))
    disk = max(engine.cluster.disks.values(), key=lambda d: len(d.chunks))
    await engine.break_disk(disk.disk_id)
    await engine.advance(5)
    [root] = await engine.list_module_tasks("disk_repair")
    await engine.close()

    reopened = await Engine.open(config(db, stored_time(db)))
    try:
        for _ in range(300):
            await reopened.advance(5)
            if reopened.tm.get(root.task_id).state.is_final:
                break
        assert reopened.tm.get(root.task_id).state is TaskState.DONE
        assert reopened.cluster.disks[disk.disk_id].status.value == "repaired"
        assert sum(d.reserved for d in reopened.cluster.disks.values()) == 0
    finally:
        await reopened.close()


async def test_ttl_settings_and_switches_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db))
    await engine.set_ttl(42)
    await engine.set_user_ttl(43)
    await engine.set_enabled("balance", True)
    await engine.close()
    reopened = await Engine.open(config(db, stored_time(db)))
    try:
        assert (await reopened.get_ttl(), await reopened.get_user_ttl()) == (42, 43)
        assert reopened.enabled["balance"] is True
    finally:
        await reopened.close()


async def test_per_minute_history_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db, enabled={"blob_delete": True}))
    await engine.advance(120)
    before = (await engine.stats()).blob_delete
    await engine.close()
    reopened = await Engine.open(config(db, stored_time(db), enabled={"blob_delete": False}))
    try:
        after = (await reopened.stats()).blob_delete
        assert before is not None and after is not None
        assert after.success_per_min == before.success_per_min and sum(after.success_per_min) > 0
        assert after.err_stats == before.err_stats
    finally:
        await reopened.close()


async def test_a_reopened_store_never_reuses_task_ids(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db, user_task_ttl=3600))
    first = await engine.add_manual_migrate(min(engine.cluster.disks[101].chunks), True)
    await engine.close()
    reopened = await Engine.open(config(db, stored_time(db), user_task_ttl=3600))
    try:
        second = await reopened.add_manual_migrate(min(reopened.cluster.disks[103].chunks), True)
        assert first != second and len(reopened.tm.tasks) == len(set(reopened.tm.tasks))
        assert len(await reopened.list_module_tasks("manual_migrate")) == 2
    finally:
        await reopened.close()


async def test_a_migration_in_flight_keeps_its_reserved_destination(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db))
    task_id = await engine.add_manual_migrate(min(engine.cluster.disks[101].chunks), True)
    await engine.advance(2)
    work = engine.migrations.get(task_id)
    assert work.state is MigrateState.PREPARED
    reserved = {d.disk_id: d.reserved for d in engine.cluster.disks.values()}
    await engine.close()
    reopened = await Engine.open(config(db, stored_time(db)))
    try:
        assert {d.disk_id: d.reserved for d in reopened.cluster.disks.values()} == reserved
        assert reopened.migrations.get(task_id).dest_disk_id == work.dest_disk_id
    finally:
        await reopened.close()


async def test_a_corrupt_file_is_a_clear_store_error(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    db.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StoreError, match="not a valid SQLite database"):
        await Engine.open(config(db))
    assert db.read_bytes().startswith(b"this is not a database")


async def test_an_unwritable_location_is_a_clear_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open store"):
        await Engine.open(config(tmp_path / "missing-dir" / "engine.db"))
    with pytest.raises(StoreError, match="directory"):
        await Engine.open(config(tmp_path))


async def test_bad_input_leaves_the_store_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db))
    try:
        await engine.advance(1)
        dump = "\n".join(engine.store.connection.iterdump())
        calls = [
            engine.add_manual_migrate(0, True),
            engine.break_disk(99999),
            engine.drop_disk("101"),  # type: ignore[arg-type]
            engine.set_ttl(-5),
            engine.set_user_ttl(2**40),
            engine.abort_task("not-a-task"),
            engine.execute("CREATE TASK TYPE rebuild LOCATION NODE 'x'"),
            engine.fail_next("nothing", 1),
            engine.set_enabled("balance", "yes"),  # type: ignore[arg-type]
            engine.silence_node("10.9.9.9"),
        ]
        for call in calls:
            with pytest.raises(EngineError):
                await call
        assert "\n".join(engine.store.connection.iterdump()) == dump
    finally:
        await engine.close()


async def test_the_demo_clock_continues_from_the_stored_time(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(EngineConfig(db_path=db, autorun=False, speed=1000, supervisor=False))
    await engine.close()
    ahead = stored_time(db).now() + timedelta(hours=5)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE engine_meta SET value = ? WHERE key = 'sim_time'", (str(ahead.timestamp()),))
    reopened = await Engine.open(EngineConfig(db_path=db, autorun=False, supervisor=False))
    try:
        assert reopened.clock.now() >= ahead
    finally:
        await reopened.close()


async def test_a_revision_from_before_a_restart_gets_a_full_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db))
    await engine.break_disk(101)
    await engine.advance(3)
    old = engine.snapshot().revision
    await engine.close()
    reopened = await Engine.open(config(db, stored_time(db)))
    try:
        assert reopened.tm.revision >= old
        assert reopened.snapshot(old).full
        assert not reopened.snapshot(reopened.snapshot().revision).full
    finally:
        await reopened.close()


async def test_a_second_engine_on_the_same_file_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db))
    try:
        with pytest.raises(StoreError, match="another schedtop engine"):
            await Engine.open(config(db))
    finally:
        await engine.close()
    second = await Engine.open(config(db, stored_time(db)))
    await second.close()


async def test_a_store_with_garbled_rows_is_a_clear_store_error(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db))
    await engine.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE task_tails SET tail = '[not json'")
    with pytest.raises(StoreError, match="cannot read"):
        await Engine.open(config(db))


def downgrade_to_schema_1(db: Path) -> None:
    """Rewrite a store as schema 1 wrote it: one ``tasks`` table holding each task's whole record and work."""
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE old_tasks AS SELECT id, module, parent_id, record, work FROM tasks")
        conn.execute("DROP VIEW tasks")
        conn.execute("DROP TABLE task_heads")
        conn.execute("DROP TABLE task_tails")
        conn.execute("ALTER TABLE old_tasks RENAME TO tasks")
        conn.execute("UPDATE engine_meta SET value = '1' WHERE key = 'schema_version'")


async def test_a_schema_1_store_opens_with_every_task_and_keeps_working(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    engine = await Engine.open(config(db))
    try:
        await engine.break_disk(101)
        await engine.advance(4)
        before = {task_id: task.to_record() for task_id, task in engine.tm.tasks.items()}
    finally:
        await engine.close()
    downgrade_to_schema_1(db)
    upgraded = await Engine.open(config(db, stored_time(db)))
    try:
        assert {task_id: task.to_record() for task_id, task in upgraded.tm.tasks.items()} == before
        await upgraded.advance(4)  # tails of the upgraded tasks are written over their old records
        after = {task_id: task.to_record() for task_id, task in upgraded.tm.tasks.items()}
        works = {i: t.work.to_json() for i, t in upgraded.tm.tasks.items() if isinstance(t.work, MigrateWork)}
    finally:
        await upgraded.close()
    again = await Engine.open(config(db, stored_time(db)))
    try:
        assert {task_id: task.to_record() for task_id, task in again.tm.tasks.items()} == after
        assert {i: t.work.to_json() for i, t in again.tm.tasks.items() if isinstance(t.work, MigrateWork)} == works
        assert works, "migrations in flight, their payloads upgraded too"
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT value FROM engine_meta WHERE key = 'schema_version'").fetchone() == ("2",)
    finally:
        await again.close()
