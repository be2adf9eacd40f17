"""ScyllaDB task-manager endpoints over a real socket, with upstream's methods, codes and error bodies."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from .http_support import ServedEngine


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


@pytest.fixture
def http(served: ServedEngine) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client


def consumer_task(http: httpx.Client) -> str:
    """The blob_delete consumer: a task that runs for ever and cannot be aborted."""
    return http.get("/task_manager/list_module_tasks/blob_delete").json()[0]["task_id"]


def start_rebalance(http: httpx.Client) -> str:
    return http.post("/api/tasks", json={"type": "rebalance"}).json()["task_id"]


def test_list_modules_is_a_json_array_of_names(http: httpx.Client) -> None:
    modules = http.get("/task_manager/list_modules").json()
    assert {"balance", "disk_repair", "blob_delete"} <= set(modules)


def test_list_module_tasks_answers_task_stats_with_scylla_times(http: httpx.Client) -> None:
    (item,) = http.get("/task_manager/list_module_tasks/blob_delete").json()
    assert item["state"] == "running"
    assert item["start_time"].endswith("Z") and item["end_time"] == "1970-01-01T00:00:00Z"


def test_an_unknown_module_is_400_with_a_message_and_code_body(http: httpx.Client) -> None:
    answer = http.get("/task_manager/list_module_tasks/compaction")
    assert answer.status_code == 400
    assert answer.json()["code"] == 400 and "compaction" in answer.json()["message"]


def test_task_status_of_an_unknown_task_is_400(http: httpx.Client) -> None:
    answer = http.get("/task_manager/task_status/2c4a3b2e-6b8f-4c7e-9f1a-0d6e2b1c9a01")
    assert answer.status_code == 400
    assert set(answer.json()) == {"message", "code"}


def test_a_malformed_task_id_is_400_not_500(http: httpx.Client) -> None:
    assert http.get("/task_manager/task_status/not-a-uuid%20at%20all").status_code == 400
    assert http.get("/task_manager/task_status/" + "x" * 300).status_code == 400


def test_task_status_uses_id_and_none_for_no_parent(http: httpx.Client) -> None:
    status = http.get(f"/task_manager/task_status/{consumer_task(http)}").json()
    assert status["parent_id"] == "none" and "id" in status and "task_id" not in status


def test_aborting_a_task_that_is_not_abortable_is_403(http: httpx.Client) -> None:
    answer = http.post(f"/task_manager/abort_task/{consumer_task(http)}")
    assert answer.status_code == 403
    assert answer.json()["code"] == 403


def test_aborting_an_abortable_task_stops_it(served: ServedEngine, http: httpx.Client) -> None:
    task_id = start_rebalance(http)
    assert http.post(f"/task_manager/abort_task/{task_id}").status_code == 200
    served.advance(1)
    status = http.get(f"/task_manager/task_status/{task_id}").json()
    assert (status["state"], status["error"]) == ("failed", "aborted")


def test_abort_is_a_post_only(http: httpx.Client) -> None:
    answer = http.get(f"/task_manager/abort_task/{consumer_task(http)}")
    assert answer.status_code == 405
    assert answer.json()["code"] == 405


def test_a_wait_that_times_out_is_408(http: httpx.Client) -> None:
    answer = http.get(f"/task_manager/wait_task/{consumer_task(http)}", params={"timeout": 0.2})
    assert answer.status_code == 408
    assert answer.json()["code"] == 408


def test_a_wait_returns_the_status_once_the_task_finishes(served: ServedEngine, http: httpx.Client) -> None:
    task_id = start_rebalance(http)
    answers: list[httpx.Response] = []
    waiter = threading.Thread(
        target=lambda: answers.append(http.get(f"/task_manager/wait_task/{task_id}", params={"timeout": 20}))
    )
    waiter.start()
    for _ in range(60):
        served.advance(60)
        waiter.join(timeout=0.05)
        if answers:
            break
    waiter.join(timeout=20)
    assert answers[0].status_code == 200
    assert answers[0].json()["state"] in ("done", "failed")


def test_a_negative_wait_timeout_is_400(http: httpx.Client) -> None:
    assert http.get(f"/task_manager/wait_task/{consumer_task(http)}", params={"timeout": -1}).status_code == 400


def test_the_recursive_status_starts_with_the_task_and_lists_its_children(http: httpx.Client) -> None:
    task_id = start_rebalance(http)
    tree = http.get(f"/task_manager/task_status_recursive/{task_id}").json()
    assert tree[0]["id"] == task_id
    assert {child["task_id"] for child in tree[0]["children_ids"]} <= {status["id"] for status in tree[1:]}


def test_posting_a_ttl_answers_the_previous_value(http: httpx.Client) -> None:
    before = http.get("/task_manager/ttl").json()
    assert http.post("/task_manager/ttl", params={"ttl": before + 30}).json() == before
    assert http.get("/task_manager/ttl").json() == before + 30
    http.post("/task_manager/ttl", params={"ttl": before})


def test_posting_a_user_ttl_answers_the_previous_value(http: httpx.Client) -> None:
    before = http.get("/task_manager/user_ttl").json()
    assert http.post("/task_manager/user_ttl", params={"user_ttl": 7200}).json() == before
    http.post("/task_manager/user_ttl", params={"user_ttl": before})


@pytest.mark.parametrize("params", [{}, {"ttl": -1}, {"ttl": "soon"}, {"ttl": 2**32}])
def test_a_missing_or_bad_ttl_is_400(http: httpx.Client, params: dict) -> None:
    answer = http.post("/task_manager/ttl", params=params)
    assert answer.status_code == 400
    assert "ttl" in answer.json()["message"]
