"""The compact snapshot: task rows as arrays on the wire, read back into exactly the rows the full form gives."""

from __future__ import annotations

import gc
import json
import weakref
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.sources.base import SourceError
from app.sources.http_client import HttpClient
from app.sources.http_schedtop import SchedtopHttpSource
from app.sources.wire_schedtop import snapshot_from_compact
from engine.model import Snapshot
from engine.model.compact import COMPACT_ROW_FIELDS, CompactRow, CompactSnapshot, compact_snapshot
from engine.model.compact_row import ROW_HEAD_FIELDS, HeadFields

from .fake_upstreams import ServedApp
from .http_support import ServedEngine


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        disks = served.call(served.engine.disks())
        for disk in disks[:4]:  # four repair trees with a child per chunk
            served.call(served.engine.break_disk(disk.disk_id))
        served.call(served.engine.fail_next("disk_repair", 3))
        served.advance(1)  # running, finished and failed tasks, progress
        yield served


def full_form(served: ServedEngine) -> Snapshot:
    with served.client() as client:
        return Snapshot.model_validate_json(client.get("/api/snapshot").content)


def test_the_compact_form_reads_back_into_the_rows_of_the_full_form(served: ServedEngine) -> None:
    with served.client() as client:
        compact = snapshot_from_compact(client.get("/api/snapshot/compact").content)
    full = full_form(served)
    assert len(full.tasks) > 20
    assert any(row.status.children_ids for row in full.tasks)
    assert {row.id: row for row in compact.tasks} == {row.id: row for row in full.tasks}
    assert type(compact) is Snapshot
    assert compact.model_dump(exclude={"tasks"}) == full.model_dump(exclude={"tasks"})


def test_the_compact_body_is_the_compact_models_json_also_when_rows_are_reused(served: ServedEngine) -> None:
    def both(since: int) -> tuple[object, object]:
        with served.client() as client:
            compact = client.get("/api/snapshot/compact", params={"since": since}).content
            full = Snapshot.model_validate_json(client.get("/api/snapshot", params={"since": since}).content)
        return json.loads(compact), json.loads(compact_snapshot(full).model_dump_json())

    for _ in range(2):  # the second full body reuses every row's text
        body, expected = both(0)
        assert body == expected
    revision = Snapshot.model_validate(body).revision
    served.advance(2)
    body, expected = both(revision)
    assert body == expected and 0 < len(body["task_rows"]) < len(both(0)[0]["task_rows"])  # type: ignore[index]


def test_the_compact_rows_are_at_most_two_thirds_the_size_of_the_full_ones(served: ServedEngine) -> None:
    with served.client() as client:
        compact = client.get("/api/snapshot/compact").content
        full = client.get("/api/snapshot").content
    rows, objects = (
        len(body) - len(Snapshot.model_validate_json(full).model_copy(update={"tasks": []}).model_dump_json())
        for body in (compact, full)
    )
    assert rows <= objects * 2 / 3, (rows, objects)


def test_every_row_has_the_fields_its_schema_names() -> None:
    assert len(COMPACT_ROW_FIELDS) == len(CompactRow.__args__)  # type: ignore[attr-defined]
    schema = CompactSnapshot.model_json_schema()
    assert str(COMPACT_ROW_FIELDS) in schema["properties"]["task_rows"]["description"]
    assert len(ROW_HEAD_FIELDS) == len(HeadFields.__args__)  # type: ignore[attr-defined]
    assert str(ROW_HEAD_FIELDS) in schema["properties"]["task_rows"]["description"]


async def test_the_remote_source_reads_deltas_in_the_compact_form(served: ServedEngine) -> None:
    source = SchedtopHttpSource(served.url)
    await source.open()
    first = await source.snapshot()
    served.advance(5)
    again = await source.snapshot(since=first.revision)
    await source.close()
    assert first.full and not again.full
    assert 0 < again.changed_count < first.changed_count
    assert {row.id for row in first.changed_rows()} == {row.id for row in full_form(served).tasks} | set(
        again.removed
    ) - {row.id for row in again.changed_rows() if row.id not in {r.id for r in first.changed_rows()}}


async def test_the_remote_source_hands_rows_on_as_tuples_that_build_the_full_forms_rows(served: ServedEngine) -> None:
    source = SchedtopHttpSource(served.url)
    await source.open()
    snapshot = await source.snapshot()
    await source.close()
    full = full_form(served)
    assert snapshot.tasks == [] and len(snapshot.task_rows) == len(full.tasks)
    assert {row.id: row for row in snapshot.changed_rows()} == {row.id: row for row in full.tasks}


async def test_a_read_response_and_its_body_go_without_the_cyclic_collector(served: ServedEngine) -> None:
    """The app pauses the collector at start-up and then freezes what is alive: a response kept alive by a
    reference cycle would keep a 100 000-task body (28 MB) for good."""
    client = HttpClient(served.url)
    collecting = gc.isenabled()
    gc.disable()
    try:
        response = await client.request("GET", "/api/snapshot/compact")
        assert response.content
        gone = weakref.ref(response)
        del response
        assert gone() is None
    finally:
        if collecting:
            gc.enable()
        await client.close()


async def test_a_server_without_the_compact_form_is_read_in_the_full_one(served: ServedEngine) -> None:
    body = compact_snapshot(full_form(served)).model_copy(update={"task_rows": []})
    full_body = full_form(served).model_dump_json()

    async def full(_: Request) -> Response:
        return Response(full_body, media_type="application/json")

    old = Starlette(routes=[Route("/api/snapshot", full), Route("/api/health", full)])
    with ServedApp(old) as server:
        source = SchedtopHttpSource(server.url)
        snap = await source.snapshot()
        await source.close()
    assert len(snap.tasks) == len(full_form(served).tasks) and body.tasks == []


async def test_a_compact_body_that_is_not_one_is_a_source_error() -> None:
    async def broken(_: Request) -> Response:
        return Response('{"revision": 1, "task_rows": [["only", "three", "fields"]]}', media_type="application/json")

    with ServedApp(Starlette(routes=[Route("/api/snapshot/compact", broken)])) as server:
        source = SchedtopHttpSource(server.url)
        with pytest.raises(SourceError, match="cannot read"):
            await source.snapshot()
        await source.close()


def test_a_negative_since_is_refused_with_a_message(served: ServedEngine) -> None:
    with served.client() as client:
        response = client.get("/api/snapshot/compact", params={"since": -1})
    assert response.status_code == 400
    assert "since" in response.text


async def test_a_server_with_compact_rows_of_another_layout_is_read_in_the_full_form(served: ServedEngine) -> None:
    """A server from before the rows had a head sends flat rows; the dashboard reads its full form instead, and from
    then on only that."""
    full_body = full_form(served).model_dump_json()
    flat = json.loads(full_body)
    flat["tasks"], flat["task_rows"] = [], [["repair", False, False, False, "id", "repair", "node"]]  # flat, old
    asked: list[str] = []

    async def answer(request: Request) -> Response:
        asked.append(request.url.path)
        body = json.dumps(flat) if request.url.path.endswith("/compact") else full_body
        return Response(body, media_type="application/json")

    older = Starlette(routes=[Route("/api/snapshot/compact", answer), Route("/api/snapshot", answer)])
    with ServedApp(older) as server:
        source = SchedtopHttpSource(server.url)
        first = await source.snapshot()
        again = await source.snapshot(since=first.revision)
        await source.close()
    assert {row.id: row for row in first.tasks} == {row.id: row for row in full_form(served).tasks}
    assert again.revision == first.revision
    assert asked == ["/api/snapshot/compact", "/api/snapshot", "/api/snapshot"]
