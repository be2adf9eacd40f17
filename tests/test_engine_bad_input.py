"""Bad input to every Python API call: a clear EngineError subclass with a message, and nothing changed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest

from engine.api import EngineAPI
from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig
from engine.errors import (
    EngineError,
    IllegalTaskType,
    InvalidArgument,
    NotFound,
    NotMigrating,
    Unavailable,
)

Call = Callable[[Engine], Awaitable[object]]

CASES: list[tuple[str, Call, type[EngineError], str]] = [
    ("task_detail type", lambda e: e.task_detail("rebuild", "rebuild-1-2-x"), IllegalTaskType, "illegal task type"),
    ("task_detail id", lambda e: e.task_detail("balance", ""), InvalidArgument, "balance-"),
    ("task_detail unknown", lambda e: e.task_detail("balance", "balance-1-1-x"), NotFound, "not found"),
    ("disk_migrating type", lambda e: e.disk_migrating("nope", 101), IllegalTaskType, "illegal"),
    ("disk_migrating id", lambda e: e.disk_migrating("disk_repair", "101"), InvalidArgument, "disk_id"),
    ("disk_migrating idle", lambda e: e.disk_migrating("disk_repair", 101), NotMigrating, "not repairing"),
    ("manual vuid 0", lambda e: e.add_manual_migrate(0, True), InvalidArgument, "vuid"),
    ("manual vuid huge", lambda e: e.add_manual_migrate(2**64, True), InvalidArgument, "vuid"),
    ("manual vuid nowhere", lambda e: e.add_manual_migrate(1 << 40, True), InvalidArgument, "not on any disk"),
    ("manual direct", lambda e: e.add_manual_migrate(1 << 40, "yes"), InvalidArgument, "direct_download"),  # type: ignore[arg-type]
    ("set_enabled type", lambda e: e.set_enabled("nope", True), IllegalTaskType, "illegal"),
    ("set_enabled manual", lambda e: e.set_enabled("manual_migrate", False), InvalidArgument, "no switch"),
    ("set_enabled value", lambda e: e.set_enabled("balance", 1), InvalidArgument, "true or false"),  # type: ignore[arg-type]
    ("list module", lambda e: e.list_module_tasks("compaction"), InvalidArgument, "unknown module"),
    ("list internal", lambda e: e.list_module_tasks("balance", internal="x"), InvalidArgument, "internal"),  # type: ignore[arg-type]
    ("list keyspace", lambda e: e.list_module_tasks("balance", keyspace=3), InvalidArgument, "keyspace"),  # type: ignore[arg-type]
    ("status id", lambda e: e.task_status("zzz"), InvalidArgument, "task with id zzz not found"),
    ("abort id", lambda e: e.abort_task("zzz"), InvalidArgument, "not found"),
    ("wait id", lambda e: e.wait_task("zzz", 1), InvalidArgument, "not found"),
    ("recursive id", lambda e: e.task_status_recursive(""), InvalidArgument, "not found"),
    ("ttl negative", lambda e: e.set_ttl(-1), InvalidArgument, "ttl"),
    ("ttl text", lambda e: e.set_ttl("5"), InvalidArgument, "ttl"),  # type: ignore[arg-type]
    ("user ttl huge", lambda e: e.set_user_ttl(2**32), InvalidArgument, "ttl"),
    ("create type", lambda e: e.create_task({"type": "vacuum"}), InvalidArgument, "bad task request"),  # type: ignore[arg-type]
    ("create object", lambda e: e.create_task("CREATE TASK TYPE rebuild"), InvalidArgument, "CreateTaskRequest"),  # type: ignore[arg-type]
    ("cancel empty", lambda e: e.cancel_task(""), InvalidArgument, "name or id"),
    ("cancel unknown", lambda e: e.cancel_task("ghost"), NotFound, "ghost"),
    ("execute garbage", lambda e: e.execute("SELECT 1"), InvalidArgument, "unknown statement"),
    ("execute type", lambda e: e.execute(b"CREATE TASK TYPE rebuild"), InvalidArgument, "text"),  # type: ignore[arg-type]
    (
        "execute huge number",
        lambda e: e.execute(f"CREATE TASK TYPE rebuild OPTIONS segment_groups = [{'9' * 5000}];"),
        InvalidArgument,
        "at most 20 digits",
    ),
    (
        "execute negative segment group",
        lambda e: e.execute("CREATE TASK TYPE rebuild OPTIONS segment_groups = [-1];"),
        InvalidArgument,
        "segment_groups",
    ),
    ("execute control name", lambda e: e.execute("CREATE TASK 'a\x1b' TYPE rebuild;"), InvalidArgument, "printable"),
    ("execute bidi cancel", lambda e: e.execute("CANCEL TASK 'a\u202e';"), InvalidArgument, "printable"),
    (
        "create bidi name",
        lambda e: e.create_task({"type": "rebalance", "name": "a\u2067"}),  # type: ignore[arg-type]
        InvalidArgument,
        "printable",
    ),
    ("supervisor", lambda e: e.supervisor_state(), Unavailable, "no schedule"),
    ("halt", lambda e: e.supervisor_halt(), Unavailable, "no schedule"),
    ("add_job", lambda e: e.add_job("j", "balance", 60), Unavailable, "no schedule"),
    (
        "cleanup",
        lambda e: e.cleanup_delete_run(1, datetime(2024, 1, 1, tzinfo=UTC)),
        Unavailable,
        "no schedule",
    ),
    ("break unknown", lambda e: e.break_disk(7), InvalidArgument, "does not exist"),
    ("break bool", lambda e: e.break_disk(True), InvalidArgument, "disk_id"),  # type: ignore[arg-type]
    ("drop text", lambda e: e.drop_disk("101"), InvalidArgument, "disk_id"),  # type: ignore[arg-type]
    ("fail_next type", lambda e: e.fail_next("nope"), IllegalTaskType, "illegal"),
    ("fail_next count", lambda e: e.fail_next("balance", 0), InvalidArgument, "count"),
    ("silence unknown", lambda e: e.silence_node("10.9.9.9"), InvalidArgument, "unknown node"),
    ("silence flag", lambda e: e.silence_node("10.0.0.1", "yes"), InvalidArgument, "silent"),  # type: ignore[arg-type]
    ("advance", lambda e: e.advance(-1), InvalidArgument, "non-negative"),
]


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = await Engine.open(EngineConfig(clock=ManualClock(), autorun=False, failure_rate=0.0, supervisor=False))
    yield engine
    await engine.close()


def test_the_engine_implements_the_api_protocol() -> None:
    assert issubclass(Engine, EngineAPI)


@pytest.mark.parametrize(("name", "call", "error", "message"), CASES, ids=[c[0] for c in CASES])
async def test_bad_input_raises_a_clear_engine_error_and_changes_nothing(
    engine: Engine, name: str, call: Call, error: type[EngineError], message: str
) -> None:
    dump = "\n".join(engine.store.connection.iterdump())
    revision = engine.tm.revision
    with pytest.raises(error, match=message) as caught:
        await call(engine)
    assert caught.value.message
    assert engine.tm.revision == revision
    assert "\n".join(engine.store.connection.iterdump()) == dump


async def test_breaking_a_disk_that_is_already_repairing_is_refused(engine: Engine) -> None:
    await engine.break_disk(101)
    await engine.advance(1)
    with pytest.raises(InvalidArgument, match="repairing"):
        await engine.break_disk(101)
    with pytest.raises(InvalidArgument, match="only a normal disk can be dropped"):
        await engine.drop_disk(101)
