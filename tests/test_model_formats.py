"""The CubeFS and ScyllaDB encodings the shared model keeps at the edge: per-minute strings, byte units, times."""

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from engine.model import StatsPerMin, TaskStatus, format_bytes, parse_bytes
from engine.model.formats import PerMinute, PerMinuteBytes


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "0.000B"),
        (1023, "1023.000B"),
        (1024, "1.000KB"),
        (1536, "1.500KB"),
        (1048576, "1.000MB"),
        (3 * 1024**3 + 1024**3 // 5, "3.200GB"),
        (1024**6 * 3, "3072.000PB"),
    ],
)
def test_byte_amounts_format_like_cubefs_bytes_cnt_format(amount: int, text: str) -> None:
    assert format_bytes(amount) == text


def test_byte_amounts_parse_back_to_the_nearest_byte() -> None:
    assert parse_bytes("1.500KB") == 1536
    assert parse_bytes("0.000B") == 0


def test_a_malformed_byte_amount_is_rejected_with_the_text_in_the_message() -> None:
    with pytest.raises(ValueError, match="12XB"):
        parse_bytes("12XB")


def test_per_minute_counts_round_trip_through_the_go_array_string() -> None:
    adapter = TypeAdapter(PerMinute)
    values = adapter.validate_python("[0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19]")
    assert values == list(range(20))
    assert adapter.dump_python(values, mode="json") == "[0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19]"


def test_per_minute_bytes_serialise_each_slot_with_units() -> None:
    adapter = TypeAdapter(PerMinuteBytes)
    assert adapter.dump_python([0, 1536, 1048576], mode="json") == "[0.000B 1.500KB 1.000MB]"
    assert adapter.validate_python("[0.000B 1.500KB 1.000MB]") == [0, 1536, 1048576]


def test_stats_per_min_defaults_to_twenty_zero_slots() -> None:
    wire = StatsPerMin().model_dump(mode="json")
    assert wire["finished_cnt"] == "[" + " ".join(["0"] * 20) + "]"
    assert wire["data_amount_byte"] == "[" + " ".join(["0.000B"] * 20) + "]"


def test_a_per_minute_string_without_brackets_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="Go-printed array"):
        StatsPerMin.model_validate({"finished_cnt": "0 0 0"})


def test_scylla_times_use_the_z_format_and_the_epoch_means_unset() -> None:
    status = TaskStatus.model_validate(
        {
            "id": "x",
            "type": "repair",
            "state": "running",
            "start_time": "2024-10-13T10:20:30Z",
            "end_time": "1970-01-01T00:00:00Z",
        }
    )
    assert status.start_time == datetime(2024, 10, 13, 10, 20, 30, tzinfo=UTC)
    assert status.end_time is None
    wire = status.model_dump(mode="json")
    assert wire["start_time"] == "2024-10-13T10:20:30Z"
    assert wire["end_time"] == "1970-01-01T00:00:00Z"
    assert wire["parent_id"] == "none"
