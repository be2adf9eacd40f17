"""The CubeFS wire model: /stats, task detail, vuids, code modes and the manual-migrate request."""

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from engine.model import (
    UINT64_MAX,
    VUID_MAX_DIGITS,
    CodeMode,
    ManualMigrateRequest,
    MigrateState,
    MigrateTaskDetail,
    TasksStat,
    make_vuid,
    split_vuid,
)

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_the_flat_stats_layout_parses_and_serialises_back_unchanged() -> None:
    wire = load("cubefs_stats_flat.json")
    stats = TasksStat.model_validate(wire)
    assert stats.disk_repair is not None and stats.disk_repair.stats_per_min.finished_cnt[-1] == 8
    assert stats.disk_repair.stats_per_min.data_amount_byte[-1] == 3 * 1024**3
    assert stats.to_wire() == wire


def test_stats_sections_serialise_in_the_seed_field_order() -> None:
    wire = load("cubefs_stats_flat.json")
    dumped = TasksStat.model_validate(wire).to_wire()
    assert list(dumped) == list(wire)
    assert list(dumped["disk_repair"]) == list(wire["disk_repair"])
    assert list(dumped["balance"]) == list(wire["balance"])


def test_a_follower_stats_body_carries_only_shard_repair_and_blob_delete() -> None:
    wire = load("cubefs_stats_flat.json")
    follower = {key: wire[key] for key in ("shard_repair", "blob_delete")}
    assert set(TasksStat.model_validate(follower).to_wire()) == {"shard_repair", "blob_delete"}


def test_the_task_detail_example_parses_with_state_and_code_mode() -> None:
    detail = MigrateTaskDetail.model_validate(load("cubefs_task_detail.json"))
    assert detail.task.state is MigrateState.PREPARED
    assert CodeMode(detail.task.code_mode) is CodeMode.EC10P4
    assert detail.stat.progress == 5
    assert detail.model_dump(mode="json") == load("cubefs_task_detail.json")


def test_vuid_packs_vid_index_and_epoch() -> None:
    vuid = make_vuid(387752, 3, 1)
    assert split_vuid(vuid) == (387752, 3, 1)
    assert split_vuid(1665382175735811) == (387752, 1, 3)


def test_vuid_parts_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="index 8 bits"):
        make_vuid(1, 256, 0)


@pytest.mark.parametrize(
    ("mode", "shape"),
    [
        (CodeMode.EC10P4, (10, 4, 0)),
        (CodeMode.EC6P10L2, (6, 10, 2)),
        (CodeMode.Replica3, (1, 2, 0)),
        (CodeMode.EC6P6Align512, (6, 6, 0)),
    ],
)
def test_code_modes_know_their_data_parity_and_local_units(mode: CodeMode, shape: tuple[int, int, int]) -> None:
    assert mode.shape == shape


def test_the_manual_migrate_example_body_is_accepted() -> None:
    request = ManualMigrateRequest.model_validate({"vuid": 4395630596, "direct_download": False})
    assert request.vuid == 4395630596


@pytest.mark.parametrize("vuid", [0, -1, 2**64, "abc", 1.5, True, None])
def test_a_vuid_that_is_not_an_unsigned_64_bit_integer_is_refused(vuid: object) -> None:
    with pytest.raises(ValidationError):
        ManualMigrateRequest.model_validate({"vuid": vuid})


def test_unknown_fields_in_a_manual_migrate_body_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        ManualMigrateRequest.model_validate({"vuid": 1, "vid": 2})


HUGE_VUID = "9" * 5000


@pytest.mark.parametrize(
    "body",
    [f'{{"vuid": {HUGE_VUID}}}', f'{{"vuid": "{HUGE_VUID}"}}'],
    ids=["json number", "json text"],
)
def test_a_5000_digit_vuid_in_json_is_a_validation_error(body: str) -> None:
    with pytest.raises(ValidationError, match="vuid"):
        ManualMigrateRequest.model_validate_json(body)


@pytest.mark.parametrize("vuid", [10**5000, HUGE_VUID], ids=["int", "text"])
def test_a_5000_digit_vuid_is_refused_saying_how_many_digits_fit(vuid: object) -> None:
    with pytest.raises(ValidationError, match=f"{VUID_MAX_DIGITS} digits|less than or equal to {UINT64_MAX}"):
        ManualMigrateRequest.model_validate({"vuid": vuid})


def test_a_refused_vuid_text_is_not_echoed_whole() -> None:
    with pytest.raises(ValidationError) as caught:
        ManualMigrateRequest.model_validate({"vuid": "x" * 5000})
    assert all(len(error["msg"]) < 200 for error in caught.value.errors())


@pytest.mark.parametrize("vuid", ["²", "١٢٣"])
def test_a_vuid_text_must_be_ascii_digits(vuid: str) -> None:
    with pytest.raises(ValidationError, match="unsigned 64-bit integer"):
        ManualMigrateRequest.model_validate({"vuid": vuid})


def test_a_vuid_as_decimal_text_is_accepted() -> None:
    assert ManualMigrateRequest.model_validate_json('{"vuid": "18446744073709551615"}').vuid == UINT64_MAX
