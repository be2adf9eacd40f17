"""What a server answers maps onto typed errors: the engine's classes with the HTTP status, and an auth refusal
of its own (never "not abortable")."""

from __future__ import annotations

import httpx
import pytest

from app.sources.base import SourceError
from app.sources.http_client import HttpClient
from app.sources.http_errors import Unauthorized
from app.sources.http_schedtop import SchedtopHttpSource
from app.sources.http_scylla import ScyllaSource
from engine.errors import EngineError, InvalidArgument, NotAbortable, NotFound

URL = "http://node.test"


def answering(status: int, body: dict[str, object]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


async def aborting(status: int, message: str) -> EngineError:
    source = SchedtopHttpSource(URL)
    source.client = HttpClient(URL, transport=answering(status, {"message": message, "code": status}))
    try:
        with pytest.raises(EngineError) as raised:
            await source.abort("t1")
    finally:
        await source.close()
    return raised.value


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (401, "this server needs a bearer token for changes", Unauthorized),
        (401, "no", Unauthorized),
        (403, "the bearer token is not valid for this server", Unauthorized),
        (403, "task t1 cannot be aborted", NotAbortable),
        (404, "no task t1", NotFound),
        (413, "body too big", InvalidArgument),
        (418, "teapot", EngineError),
    ],
)
async def test_an_error_answer_is_its_class_with_the_status_answered(
    status: int, message: str, kind: type[EngineError]
) -> None:
    error = await aborting(status, message)
    assert type(error) is kind and error.status == status
    if kind is Unauthorized:
        assert not isinstance(error, NotAbortable)
        assert error.message == f"refused: {message} (pass --token)"
    else:
        assert error.message == message


async def test_an_unreachable_server_is_a_source_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    source = SchedtopHttpSource(URL)
    source.client = HttpClient(URL, transport=httpx.MockTransport(refuse), retries=0)
    with pytest.raises(SourceError, match="unreachable"):
        await source.abort("t1")
    await source.close()


@pytest.mark.parametrize(("status", "has_user_ttl"), [(200, True), (400, False), (404, False), (405, False)])
async def test_a_scylla_node_without_user_ttl_is_told_by_the_status_of_its_answer(
    status: int, has_user_ttl: bool
) -> None:
    def node(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/user_ttl"):
            return httpx.Response(status, json=0 if status == 200 else {"message": "unknown", "code": status})
        return httpx.Response(200, json=[])

    source = ScyllaSource(URL)
    source.client = HttpClient(URL, transport=httpx.MockTransport(node))
    await source.open()
    await source.close()
    assert ("user_ttl" in source.capabilities) is has_user_ttl


async def test_a_scylla_node_refusing_the_credentials_is_not_taken_for_an_old_one() -> None:
    def node(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/user_ttl"):
            return httpx.Response(401, json={"message": "who are you", "code": 401})
        return httpx.Response(200, json=[])

    source = ScyllaSource(URL)
    source.client = HttpClient(URL, transport=httpx.MockTransport(node))
    with pytest.raises(Unauthorized, match="pass --token"):
        await source.open()
    await source.close()
