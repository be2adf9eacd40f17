"""Contract: the upstream examples (our fixtures, written from the seeds) parse into the shared model, and our
server's answers have the same shape — keys, nesting and JSON types — as the real systems' answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.model import DiskMigratingStats, MigrateTaskDetail, TasksStat, TaskStats, TaskStatus

from .http_support import ServedEngine

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def differences(ours: Any, theirs: Any, where: str = "$") -> list[str]:
    """Where two JSON documents differ in shape; null and [] stand for any list, numbers are one type."""
    if ours is None or theirs is None or ours == [] or theirs == []:
        return []
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return [f"{where}: expected an object"]
        found = [f"{where}: keys differ {sorted(set(ours) ^ set(theirs))}"] if set(ours) != set(theirs) else []
        for key in set(ours) & set(theirs):
            found += differences(ours[key], theirs[key], f"{where}.{key}")
        return found
    if isinstance(theirs, list):
        return differences(ours[0], theirs[0], f"{where}[0]") if isinstance(ours, list) else [f"{where}: not a list"]
    if isinstance(theirs, bool) or isinstance(ours, bool):
        return [] if type(ours) is type(theirs) else [f"{where}: expected a boolean"]
    if isinstance(theirs, int | float):
        return [] if isinstance(ours, int | float) else [f"{where}: expected a number"]
    return [] if type(ours) is type(theirs) else [f"{where}: expected {type(theirs).__name__}"]


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


@pytest.fixture(scope="module")
def http(served: ServedEngine) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client


def test_the_seed_stats_example_parses_into_the_model_and_back_unchanged() -> None:
    example = fixture("cubefs_stats_flat.json")
    assert json.loads(TasksStat.model_validate(example).model_dump_json()) == example


def test_our_stats_have_the_seed_examples_shape(http: httpx.Client) -> None:
    assert differences(http.get("/stats/leader").json(), fixture("cubefs_stats_flat.json")) == []


def test_our_stats_keep_the_nulls_upstream_sends(http: httpx.Client) -> None:
    assert "err_stats" in http.get("/stats").json()["blob_delete"]


def test_the_seed_task_detail_example_parses_into_the_model() -> None:
    detail = MigrateTaskDetail.model_validate(fixture("cubefs_task_detail.json"))
    assert detail.task.task_id == "balance-2678-387752-cg08egoi5d8une4a6cp0"


def test_our_task_detail_has_the_seed_examples_shape(served: ServedEngine, http: httpx.Client) -> None:
    volume = next(iter(served.engine.cluster.volumes.values()))
    task_id = http.post("/manual/migrate/task/add", json={"vuid": volume.units[1][0]}).json()["task_id"]
    ours = http.get(f"/task/detail/manual_migrate/{task_id}").json()
    assert differences(ours, fixture("cubefs_task_detail.json")) == []


def test_our_disk_migration_progress_has_the_seed_examples_shape(served: ServedEngine, http: httpx.Client) -> None:
    example = fixture("cubefs_disk_migrating.json")
    DiskMigratingStats.model_validate(example)
    disk = next(d for d in http.get("/api/disks").json() if d["status"] == "normal" and d["chunk_count"] > 0)
    http.post(f"/api/disks/{disk['disk_id']}/drop")
    served.advance(2)
    ours = http.get("/stats/disk/migrating", params={"task_type": "disk_drop", "disk_id": disk["disk_id"]}).json()
    assert differences(ours, example) == []


def test_the_scylla_examples_parse_into_the_model() -> None:
    status = TaskStatus.model_validate(fixture("scylla_task_status.json"))
    assert (status.has_parent, status.children_ids[0].node) == (False, "127.0.0.2")
    assert all(TaskStats.model_validate(item).start_time is not None for item in fixture("scylla_task_stats.json"))


def test_our_task_list_and_status_have_the_scylla_shapes(http: httpx.Client) -> None:
    listed = http.get("/task_manager/list_module_tasks/blob_delete").json()
    assert differences(listed, fixture("scylla_task_stats.json")) == []
    status = http.get(f"/task_manager/task_status/{listed[0]['task_id']}").json()
    assert differences(status, fixture("scylla_task_status.json")) == []


def test_our_ttl_is_a_bare_json_number(http: httpx.Client) -> None:
    assert isinstance(http.get("/task_manager/ttl").json(), int)


@pytest.mark.parametrize(
    ("path", "example"),
    [
        ("/task/detail/balance/balance-1-2-x", "cubefs_not_found"),
        ("/task/detail/shard_move/x", "cubefs_illegal_type"),
    ],
)
def test_our_cubefs_errors_have_upstreams_shape(http: httpx.Client, path: str, example: str) -> None:
    theirs = fixture("error_bodies.json")[example]
    ours = http.get(path).json()
    assert set(ours) == set(theirs) and all(isinstance(value, str) for value in ours.values())


@pytest.mark.parametrize(
    ("method", "path", "example"),
    [
        ("GET", "/task_manager/task_status/3f1b6a52-8c1e-4d7a-9b2e-5c4d3e2f1a09", "scylla_not_found"),
        ("POST", "/task_manager/abort_task/{consumer}", "scylla_not_abortable"),
    ],
)
def test_our_scylla_errors_have_upstreams_shape(http: httpx.Client, method: str, path: str, example: str) -> None:
    consumer = http.get("/task_manager/list_module_tasks/blob_delete").json()[0]["task_id"]
    answer = http.request(method, path.format(consumer=consumer))
    theirs = fixture("error_bodies.json")[example]
    assert differences(answer.json(), theirs) == [] and answer.json()["code"] == theirs["code"] == answer.status_code
