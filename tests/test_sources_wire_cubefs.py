"""A real CubeFS scheduler's answers parse into the shared model unchanged, in both of its layouts."""

import json
from pathlib import Path

import pytest

from app.sources.wire_cubefs import is_not_migrating, shard_repair_disks, stats_from_wire

FLAT = json.loads((Path(__file__).parent / "fixtures" / "cubefs_stats_flat.json").read_text())


def test_the_flat_released_layout_parses() -> None:
    stats = stats_from_wire(FLAT)
    assert stats.disk_repair is not None and stats.disk_repair.repairing_disks == [17]
    assert stats.to_wire() == FLAT


def test_the_nested_master_layout_parses_from_its_blobnode_section() -> None:
    nested = {
        "blobnode": FLAT,
        "shard": {
            "shard_disk_repair": {
                "enable": True,
                "preparing_cnt": 0,
                "worker_doing_cnt": 1,
                "finishing_cnt": 0,
                "repairing_disks": [301],
                "total_tasks_cnt": 4,
                "repaired_tasks_cnt": 1,
            }
        },
    }
    assert stats_from_wire(nested).to_wire() == FLAT
    assert shard_repair_disks(nested) == [301]


def test_a_follower_body_with_only_two_sections_parses() -> None:
    stats = stats_from_wire({"shard_repair": FLAT["shard_repair"], "blob_delete": FLAT["blob_delete"]})
    assert stats.disk_repair is None and stats.shard_repair is not None


def test_a_body_that_is_not_an_object_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        stats_from_wire([1, 2])


def test_not_repairing_disk_is_recognised_as_a_normal_answer() -> None:
    assert is_not_migrating("not repairing disk")
    assert not is_not_migrating("internal error")
