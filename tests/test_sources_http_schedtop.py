"""The dashboard's HTTP source against a real `schedtop serve` app on a loopback socket: every control works remotely."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from app.sources.base import SourceError
from app.sources.http_schedtop import SchedtopHttpSource
from engine.errors import Conflict, InvalidArgument, NotAbortable, NotFound, WaitTimeout
from engine.model import AddJobRequest, CreateTaskRequest, SupervisorState, TaskState, UpdateJobRequest

from .http_support import ServedEngine


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


@pytest.fixture
async def source(served: ServedEngine) -> AsyncIterator[SchedtopHttpSource]:
    source = SchedtopHttpSource(served.url)
    await source.open()
    yield source
    await source.close()


async def consumer_id(source: SchedtopHttpSource) -> str:
    snap = await source.snapshot()
    return next(row.id for row in snap.changed_rows() if row.module == "blob_delete" and not row.internal)


async def test_a_full_snapshot_comes_over_the_wire_with_stats_and_tasks(source: SchedtopHttpSource) -> None:
    snap = await source.snapshot()
    assert snap.full and snap.revision > 0
    assert snap.stats.disk_repair is not None
    assert {"disk_repair", "blob_delete"} <= set(snap.modules)


async def test_a_snapshot_since_the_last_revision_carries_only_changes(
    served: ServedEngine, source: SchedtopHttpSource
) -> None:
    first = await source.snapshot()
    again = await source.snapshot(since=first.revision)
    assert not again.full and again.changed_count < first.changed_count


async def test_creating_and_cancelling_a_rebuild_works_remotely(source: SchedtopHttpSource) -> None:
    task_id = await source.create_task(CreateTaskRequest(type="rebuild", name="remote_rebuild"))
    assert await source.cancel_task("remote_rebuild") == task_id


async def test_aborting_a_non_abortable_task_remotely_says_why(source: SchedtopHttpSource) -> None:
    with pytest.raises(NotAbortable, match="cannot be aborted"):
        await source.abort(await consumer_id(source))


async def test_a_bad_statement_comes_back_as_an_invalid_argument_with_the_parse_error(
    source: SchedtopHttpSource,
) -> None:
    with pytest.raises(InvalidArgument, match="unknown task type"):
        await source.execute("CREATE TASK TYPE rebuilt")


async def test_a_statement_runs_remotely(served: ServedEngine, source: SchedtopHttpSource) -> None:
    result = await source.execute("CREATE TASK TYPE rebalance;")
    await source.abort(result.task_id)
    served.advance(1)
    status = await source.wait(result.task_id, timeout=5)
    assert status.state is TaskState.FAILED


async def test_a_manual_migration_of_an_unknown_chunk_is_refused(source: SchedtopHttpSource) -> None:
    with pytest.raises(InvalidArgument):
        await source.add_manual_migrate(1, direct_download=False)


async def test_waiting_for_a_task_that_never_ends_times_out(source: SchedtopHttpSource) -> None:
    with pytest.raises(WaitTimeout):
        await source.wait(await consumer_id(source), timeout=1)


async def test_halt_and_restart_change_the_supervisor_state_remotely(
    served: ServedEngine, source: SchedtopHttpSource
) -> None:
    with served.client() as http:
        job = {"name": "remote_inspect", "task_type": "volume_inspect", "interval_seconds": 600}
        assert http.post("/api/supervisor/jobs", json=job).status_code == 200
    assert await source.halt() is SupervisorState.HALTED
    assert await source.restart() is SupervisorState.RUNNING


async def test_ttl_is_set_remotely_and_the_previous_value_returned(source: SchedtopHttpSource) -> None:
    before = await source.get_ttl()
    assert await source.set_ttl(before + 5) == before
    assert await source.get_ttl() == before + 5


async def test_a_server_that_is_not_there_is_a_source_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = SchedtopHttpSource(f"http://127.0.0.1:{port}")
    source.client.backoff = 0.01
    with pytest.raises(SourceError, match="unreachable"):
        await source.snapshot()
    assert not source.client.state.connected
    await source.close()


async def test_a_job_is_added_edited_and_removed_remotely(source: SchedtopHttpSource) -> None:
    job = await source.add_job(
        AddJobRequest(name="remote_sweep", task_type="check_disk", interval_seconds=600, until="2015-03-12T00:00:00Z")
    )
    edited = await source.update_job(job.id, UpdateJobRequest(interval_seconds=900, enabled=False, until=None))
    assert (edited.interval_seconds, edited.enabled, edited.until) == (900, False, None)
    await source.remove_job(job.id)
    snap = await source.snapshot()
    assert job.id not in {j.id for j in snap.supervisor.jobs}


async def test_an_edit_leaves_out_the_fields_it_does_not_set(source: SchedtopHttpSource) -> None:
    job = await source.add_job(
        AddJobRequest(name="remote_keep_until", task_type="balance", interval_seconds=600, until="2099-01-01T00:00:00Z")
    )
    edited = await source.update_job(job.id, UpdateJobRequest(enabled=False))
    assert edited.until == job.until and edited.interval_seconds == 600
    await source.remove_job(job.id)


async def test_remote_job_refusals_come_back_as_engine_errors(source: SchedtopHttpSource) -> None:
    await source.add_job(AddJobRequest(name="remote_twice", task_type="balance", interval_seconds=60))
    with pytest.raises(Conflict, match="already exists"):
        await source.add_job(AddJobRequest(name="remote_twice", task_type="balance", interval_seconds=60))
    with pytest.raises(NotFound):
        await source.update_job(99999, UpdateJobRequest(enabled=False))
    with pytest.raises(NotFound):
        await source.remove_job(99999)


async def test_a_task_type_is_switched_off_and_on_remotely(source: SchedtopHttpSource) -> None:
    await source.set_enabled("balance", False)
    assert (await source.snapshot()).stats.balance.enable is False
    await source.set_enabled("balance", True)
    assert (await source.snapshot()).stats.balance.enable is True
