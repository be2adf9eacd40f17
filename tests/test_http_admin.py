"""schedtop's own endpoints over a real socket: the dashboard snapshot, Prometheus metrics, disks, switches, faults."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from engine.model import Snapshot

from .http_support import ServedEngine
from .metrics_support import sample

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? -?[0-9.e+]+$')


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


@pytest.fixture
def http(served: ServedEngine) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client


def test_the_snapshot_parses_into_the_shared_model(http: httpx.Client) -> None:
    snapshot = Snapshot.model_validate(http.get("/api/snapshot").json())
    assert snapshot.full and snapshot.tasks


def test_a_snapshot_since_the_current_revision_carries_no_tasks(http: httpx.Client) -> None:
    first = Snapshot.model_validate(http.get("/api/snapshot").json())
    delta = Snapshot.model_validate(http.get("/api/snapshot", params={"since": first.revision}).json())
    assert (delta.full, delta.tasks, delta.revision) == (False, [], first.revision)


def test_a_snapshot_delta_carries_the_tasks_changed_since(http: httpx.Client) -> None:
    first = Snapshot.model_validate(http.get("/api/snapshot").json())
    created = http.post("/api/tasks", json={"type": "rebalance"}).json()["task_id"]
    delta = Snapshot.model_validate(http.get("/api/snapshot", params={"since": first.revision}).json())
    assert delta.revision > first.revision
    assert created in {row.id for row in delta.tasks}


def test_a_negative_snapshot_revision_is_400(http: httpx.Client) -> None:
    assert http.get("/api/snapshot", params={"since": -1}).status_code == 400


def test_metrics_are_prometheus_text_with_one_group_per_family(http: httpx.Client) -> None:
    answer = http.get("/metrics")
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    families: list[str] = []
    for line in answer.text.splitlines():
        if line.startswith("# TYPE "):
            families.append(line.split()[2])
        elif not line.startswith("#"):
            match = SAMPLE.match(line)
            assert match, line
            assert match.group(1) == families[-1], f"{line} is outside its family's group"
    assert len(families) == len(set(families))
    assert {"schedtop_tasks", "schedtop_cubefs_queue_tasks", "schedtop_supervisor_state"} <= set(families)


def test_metrics_count_the_running_tasks_by_module(http: httpx.Client) -> None:
    text = http.get("/metrics").text
    assert sample(text, "schedtop_tasks", module="blob_delete", type="blob_delete", state="running") == 1


def test_metrics_follow_a_disk_migration(served: ServedEngine, http: httpx.Client) -> None:
    disk = next(d for d in http.get("/api/disks").json() if d["status"] == "normal" and d["chunk_count"] > 0)
    http.post(f"/api/disks/{disk['disk_id']}/drop")
    served.advance(3)
    text = http.get("/metrics").text
    labels = {"disk_id": str(disk["disk_id"]), "task_type": "disk_drop"}
    assert sample(text, "schedtop_disk_migration_tasks_total", **labels) == disk["chunk_count"]


def test_switching_a_task_type_off_shows_in_stats(http: httpx.Client) -> None:
    assert http.post("/api/task_types/balance/disable").status_code == 200
    assert http.get("/stats").json()["balance"]["enable"] is False
    http.post("/api/task_types/balance/enable")
    assert http.get("/stats").json()["balance"]["enable"] is True


def test_switching_an_unknown_task_type_is_400(http: httpx.Client) -> None:
    assert http.post("/api/task_types/compaction/enable").status_code == 400


def test_breaking_a_disk_that_does_not_exist_is_400(http: httpx.Client) -> None:
    assert http.post("/api/disks/999999/break").status_code == 400


def test_a_worker_fault_for_an_unknown_type_is_400(http: httpx.Client) -> None:
    assert http.post("/api/faults/fail_next", params={"task_type": "nope"}).status_code == 400


def test_silencing_an_unknown_host_is_400(http: httpx.Client) -> None:
    assert http.post("/api/hosts/10.9.9.9/silence").status_code == 400


def test_the_openapi_document_lists_the_seed_endpoints(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/stats", "/task_manager/wait_task/{task_id}", "/api/supervisor/state", "/metrics"} <= set(paths)


def test_an_unknown_path_is_404_with_an_error_body(http: httpx.Client) -> None:
    answer = http.get("/api/nothing")
    assert (answer.status_code, answer.json()["code"]) == (404, "NotFound")
