"""Web pages cannot drive the API: a foreign Host is 421, a cross-origin change is 403, curl-style calls still work;
and with a token, every change needs it, the GETs that unregister finished tasks included."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .http_support import ServedEngine

TOKEN = "s3cret-token-0123456789abcdef"
STATEMENT = "CREATE TASK TYPE rebalance;"


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine(allowed_hosts=("scheduler.example",)) as served:
        yield served


def task_count(http: httpx.Client) -> int:
    return len(http.get("/task_manager/list_module_tasks/distributed").json())


def test_a_cross_site_text_plain_post_from_a_web_page_is_403_and_creates_nothing(served: ServedEngine) -> None:
    with served.client() as http:
        before = task_count(http)
        answer = http.post(
            "/api/statements",
            content=STATEMENT,
            headers={"content-type": "text/plain", "origin": "http://evil.example"},
        )
        assert (answer.status_code, answer.json()["code"]) == (403, "Forbidden")
        assert "another origin" in answer.json()["error"]
        assert task_count(http) == before


def test_a_change_marked_cross_site_by_the_browser_is_403(served: ServedEngine) -> None:
    with served.client() as http:
        answer = http.post("/task_manager/ttl", params={"ttl": 0}, headers={"sec-fetch-site": "cross-site"})
    assert (answer.status_code, answer.json()["code"]) == (403, 403)


def test_an_opaque_null_origin_is_refused(served: ServedEngine) -> None:
    with served.client() as http:
        answer = http.post("/api/supervisor/halt", headers={"origin": "null"})
    assert answer.status_code == 403


def test_a_cross_site_read_of_a_status_that_unregisters_is_refused(served: ServedEngine) -> None:
    with served.client() as http:
        answer = http.get("/task_manager/task_status/x", headers={"origin": "http://evil.example"})
    assert answer.status_code == 403


def test_a_plain_curl_style_post_still_works(served: ServedEngine) -> None:
    with served.client() as http:
        answer = http.post("/api/statements", content=STATEMENT, headers={"content-type": "text/plain"})
    assert answer.status_code == 200, answer.text


def test_a_page_of_the_servers_own_origin_may_post(served: ServedEngine) -> None:
    with served.client() as http:
        answer = http.post(
            "/api/statements",
            content=STATEMENT,
            headers={"content-type": "text/plain", "origin": served.url, "sec-fetch-site": "same-origin"},
        )
    assert answer.status_code == 200, answer.text


def test_a_foreign_host_name_is_421_even_for_reads(served: ServedEngine) -> None:
    with served.client() as http:
        answer = http.get("/api/snapshot", headers={"host": f"rebind.evil.example:{served.port}"})
    assert (answer.status_code, answer.json()["code"]) == (421, "MisdirectedRequest")
    assert "--allow-host" in answer.json()["error"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "10.1.2.3", "scheduler.example", "LOCALHOST"])
def test_addresses_localhost_and_allowed_names_are_answered(served: ServedEngine, host: str) -> None:
    with served.client() as http:
        answer = http.get("/api/health", headers={"host": f"{host}:{served.port}"})
    assert answer.status_code == 200


@pytest.fixture(scope="module")
def guarded() -> Iterator[ServedEngine]:
    with ServedEngine(token=TOKEN) as served:
        yield served


def a_finished_task_id(served: ServedEngine, http: httpx.Client) -> str:
    created = http.post(
        "/api/statements", content="CREATE TASK TYPE rebalance;", headers={"content-type": "text/plain"}
    )
    task_id = created.json()["task_id"]
    http.post(f"/task_manager/abort_task/{task_id}")
    served.advance(2)
    return task_id


@pytest.mark.parametrize("call", ["task_status", "task_status_recursive", "wait_task"])
def test_with_a_token_the_gets_that_unregister_need_it(guarded: ServedEngine, call: str) -> None:
    with guarded.client(token=TOKEN) as owner, guarded.client() as anyone:
        task_id = a_finished_task_id(guarded, owner)
        refused = anyone.get(f"/task_manager/{call}/{task_id}")
        assert refused.status_code == 401
        assert owner.get(f"/task_manager/{call}/{task_id}").status_code == 200


def test_with_a_token_listing_tasks_stays_open(guarded: ServedEngine) -> None:
    with guarded.client() as anyone:
        assert anyone.get("/task_manager/list_module_tasks/distributed").status_code == 200
