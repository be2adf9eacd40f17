"""``POST /task_manager/drain/{module}`` and the ``suspended`` state over a real socket, as newer ScyllaDB has them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .http_support import ServedEngine


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with ServedEngine() as served, served.client() as client:
        yield client


def start(http: httpx.Client, task_type: str = "rebalance") -> str:
    answer = http.post("/api/tasks", json={"type": task_type})
    answer.raise_for_status()
    return str(answer.json()["task_id"])


def listed(http: httpx.Client, module: str) -> dict[str, str]:
    return {t["task_id"]: t["state"] for t in http.get(f"/task_manager/list_module_tasks/{module}").json()}


def test_drain_unregisters_the_modules_finished_tasks_and_keeps_running_ones(http: httpx.Client) -> None:
    finished, running = start(http), start(http, "check_disk")
    http.post(f"/task_manager/abort_task/{finished}").raise_for_status()
    before = listed(http, "distributed")  # a user task's TTL is an hour: the aborted one is still listed
    assert (before[finished], before[running]) == ("failed", "running")
    answer = http.post("/task_manager/drain/distributed")
    assert (answer.status_code, answer.json()) == (200, None)
    after = listed(http, "distributed")
    assert after[running] == "running" and finished not in after
    assert set(after.values()) == {"running"}  # the aborted task's node tasks went too
    assert http.get(f"/task_manager/task_status/{finished}").status_code == 400


def test_drain_of_an_unknown_module_is_400_with_a_message(http: httpx.Client) -> None:
    answer = http.post("/task_manager/drain/compaction")
    assert answer.status_code == 400
    assert answer.json()["code"] == 400 and "unknown module 'compaction'" in answer.json()["message"]


def test_a_switched_off_types_tasks_read_suspended_on_the_wire(http: httpx.Client) -> None:
    task_id = start(http)
    http.post("/api/task_types/rebalance/disable").raise_for_status()
    assert http.get(f"/task_manager/task_status/{task_id}").json()["state"] == "suspended"
    assert listed(http, "distributed")[task_id] == "suspended"
    assert http.get("/api/snapshot").json()["suspended"]["rebalance"] >= 1
    http.post("/api/task_types/rebalance/enable").raise_for_status()
    assert http.get(f"/task_manager/task_status/{task_id}").json()["state"] == "running"
