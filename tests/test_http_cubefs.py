"""CubeFS scheduler endpoints over a real socket: stats, manual migration, task detail, disk migration progress."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .http_support import ServedEngine

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


@pytest.fixture
def http(served: ServedEngine) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client


def a_vuid(served: ServedEngine) -> int:
    volume = next(iter(served.engine.cluster.volumes.values()))
    return volume.units[0][0]


def test_stats_has_every_section_of_the_flat_layout_with_per_minute_strings(http: httpx.Client) -> None:
    body = http.get("/stats").json()
    expected = json.loads((FIXTURES / "cubefs_stats_flat.json").read_text())
    assert list(body) == list(expected)
    assert body["disk_repair"]["stats_per_min"]["finished_cnt"].count(" ") == 19
    assert body["disk_repair"]["stats_per_min"]["data_amount_byte"].startswith("[0.000B")


def test_the_leader_path_and_its_pre_v3_3_0_spelling_answer_the_same(http: httpx.Client) -> None:
    assert http.get("/stats/leader").json() == http.get("/leader/stats").json()


def test_a_manual_migration_is_queued_and_its_detail_is_served(served: ServedEngine, http: httpx.Client) -> None:
    vuid = a_vuid(served)
    answer = http.post("/manual/migrate/task/add", json={"vuid": vuid, "direct_download": False})
    assert answer.status_code == 200
    task_id = answer.json()["task_id"]
    detail = http.get(f"/task/detail/manual_migrate/{task_id}")
    assert detail.status_code == 200
    task = detail.json()["task"]
    assert (task["task_id"], task["source_vuid"], task["forbidden_direct_download"]) == (task_id, vuid, True)


def test_a_manual_migration_of_a_vuid_on_no_disk_is_400_with_an_error_body(http: httpx.Client) -> None:
    answer = http.post("/manual/migrate/task/add", json={"vuid": 4395630596, "direct_download": False})
    assert answer.status_code == 400
    assert set(answer.json()) == {"error", "code"}


def test_a_malformed_json_body_is_400_not_500(http: httpx.Client) -> None:
    answer = http.post(
        "/manual/migrate/task/add", content=b'{"vuid": 12,', headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert "not valid JSON" in answer.json()["error"]


def test_a_vuid_beyond_uint64_is_400_naming_the_field(http: httpx.Client) -> None:
    answer = http.post("/manual/migrate/task/add", json={"vuid": 2**64, "direct_download": False})
    assert answer.status_code == 400
    assert "vuid" in answer.json()["error"]


def test_task_detail_of_an_unknown_type_is_400_illegal_type(http: httpx.Client) -> None:
    answer = http.get("/task/detail/shard_move/shard_move-1-2-x")
    assert (answer.status_code, answer.json()["code"]) == (400, "illegal_type")


def test_task_detail_of_an_id_not_starting_with_its_type_is_400(http: httpx.Client) -> None:
    answer = http.get("/task/detail/balance/disk_drop-1-2-x")
    assert (answer.status_code, answer.json()["code"]) == (400, "Argument")


def test_task_detail_of_an_unknown_task_is_404(http: httpx.Client) -> None:
    answer = http.get("/task/detail/balance/balance-2678-387752-cg08egoi5d8une4a6cp0")
    assert (answer.status_code, answer.json()["code"]) == (404, "NotFound")


def test_disk_migrating_of_a_disk_that_is_not_repairing_is_cubefs_plain_500(http: httpx.Client) -> None:
    answer = http.get("/stats/disk/migrating", params={"task_type": "disk_repair", "disk_id": 1})
    assert (answer.status_code, answer.json()) == (500, {"error": "not repairing disk"})


def test_disk_migrating_of_a_disk_that_is_not_dropping_is_cubefs_plain_500(http: httpx.Client) -> None:
    answer = http.get("/stats/disk/migrating", params={"task_type": "disk_drop", "disk_id": 1})
    assert (answer.status_code, answer.json()) == (500, {"error": "not dropping disk"})


def test_disk_migrating_counts_the_tasks_of_a_broken_disk(served: ServedEngine, http: httpx.Client) -> None:
    disk = next(d for d in http.get("/api/disks").json() if d["status"] == "normal" and d["chunk_count"] > 0)
    assert http.post(f"/api/disks/{disk['disk_id']}/break").status_code == 200
    served.advance(5)
    answer = http.get("/stats/disk/migrating", params={"task_type": "disk_repair", "disk_id": disk["disk_id"]})
    assert answer.status_code == 200
    assert answer.json()["total_tasks_cnt"] == disk["chunk_count"]


def test_disk_migrating_without_its_parameters_is_400_naming_them(http: httpx.Client) -> None:
    answer = http.get("/stats/disk/migrating")
    assert answer.status_code == 400
    assert "task_type" in answer.json()["error"] and "disk_id" in answer.json()["error"]


def test_disk_migrating_with_a_non_numeric_disk_id_is_400(http: httpx.Client) -> None:
    answer = http.get("/stats/disk/migrating", params={"task_type": "disk_repair", "disk_id": "seven"})
    assert answer.status_code == 400
