"""The one conversion between API datetimes and the supervisor's stored 'YYYY-MM-DD HH:MM:SS' text, and its range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from engine.model.times import EARLIEST, LATEST, ApiTime, from_text, plus_seconds, to_text, unpadded_year_fixed, utc

MICROSECOND = timedelta(microseconds=1)
# Every offset Python allows, to the microsecond: the edges of the calendar move by up to a day with them.
offsets = st.timedeltas(min_value=-timedelta(hours=24) + MICROSECOND, max_value=timedelta(hours=24) - MICROSECOND)
zones = st.none() | st.builds(timezone, offsets)
any_moment = st.datetimes(min_value=datetime.min, max_value=datetime.max, timezones=zones)


def utc_microseconds(moment: datetime) -> int:
    """The instant as microseconds since 0001-01-01T00:00:00Z, by integer arithmetic that cannot overflow."""
    offset = moment.utcoffset() or timedelta(0)
    return (moment.replace(tzinfo=None) - datetime.min) // MICROSECOND - offset // MICROSECOND


LAST_MICROSECOND = utc_microseconds(LATEST) + 999_999


class Body(BaseModel):
    start: ApiTime


def test_a_year_below_1000_is_stored_with_four_digits() -> None:
    assert to_text(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01 00:00:00"


def test_an_offset_is_normalised_to_utc_in_the_stored_text() -> None:
    assert to_text(datetime(2015, 3, 11, 1, 28, tzinfo=timezone(timedelta(hours=1)))) == "2015-03-11 00:28:00"


def test_a_naive_time_is_taken_as_utc() -> None:
    assert utc(datetime(2015, 3, 11, 0, 28)) == datetime(2015, 3, 11, 0, 28, tzinfo=UTC)


def test_fractions_of_a_second_are_dropped() -> None:
    assert to_text(datetime(2015, 3, 11, 0, 28, 0, 999_999, tzinfo=UTC)) == "2015-03-11 00:28:00"


def test_the_last_second_of_the_calendar_is_in_range_to_its_last_microsecond() -> None:
    assert utc(datetime.max.replace(tzinfo=UTC)) == LATEST


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-1))),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
    ],
    ids=["past-the-end-once-in-utc", "before-the-start-once-in-utc"],
)
def test_a_time_that_leaves_the_calendar_only_in_utc_is_a_value_error_naming_the_range(moment: datetime) -> None:
    with pytest.raises(ValueError, match="0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z"):
        utc(moment)


def test_stored_text_with_an_offset_past_the_end_is_a_value_error_not_an_overflow() -> None:
    with pytest.raises(ValueError, match="9999-12-31T23:59:59Z"):
        from_text("9999-12-31T23:59:59-01:00")


def test_the_unpadded_year_an_old_version_wrote_is_not_read_as_a_time() -> None:
    with pytest.raises(ValueError):
        from_text("1-01-01 00:00:00")


@pytest.mark.parametrize(
    ("written", "fixed"),
    [("1-01-01 00:00:00", "0001-01-01 00:00:00"), ("999-12-31 23:59:59", "0999-12-31 23:59:59")],
)
def test_the_unpadded_year_an_old_version_wrote_has_a_padded_fix(written: str, fixed: str) -> None:
    assert unpadded_year_fixed(written) == fixed


@pytest.mark.parametrize("text", ["2015-03-11 00:28:00", "yesterday", "1-1-1 0:0:0", "12345-01-01 00:00:00"])
def test_only_the_old_versions_unpadded_form_has_a_fix(text: str) -> None:
    assert unpadded_year_fixed(text) is None


def test_adding_an_interval_past_the_end_of_the_calendar_gives_no_time() -> None:
    assert plus_seconds(datetime(9999, 12, 31, 23, 59, tzinfo=UTC), 3600) is None


def test_adding_an_interval_up_to_the_last_second_gives_the_last_second() -> None:
    assert plus_seconds(datetime(9999, 12, 31, 23, 58, 59, tzinfo=UTC), 60) == LATEST


def test_an_api_time_out_of_range_is_a_validation_error_naming_the_field_and_the_range() -> None:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate({"start": "9999-12-31T23:59:59-01:00"})
    (error,) = caught.value.errors()
    assert error["loc"] == ("start",)
    assert "0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z" in error["msg"]


def test_an_api_time_is_aware_utc_whole_seconds() -> None:
    body = Body.model_validate({"start": "2015-03-11T01:28:00.5+01:00"})
    assert (body.start, body.start.tzinfo) == (datetime(2015, 3, 11, 0, 28, tzinfo=UTC), UTC)


def test_an_api_times_json_schema_is_a_date_time_with_its_range() -> None:
    schema = Body.model_json_schema()["properties"]["start"]
    assert schema["format"] == "date-time"
    assert (schema["formatMinimum"], schema["formatMaximum"]) == ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")


@given(any_moment)
def test_any_time_in_range_round_trips_through_the_stored_text_and_any_other_is_a_value_error(
    moment: datetime,
) -> None:
    instant = utc_microseconds(moment)
    if 0 <= instant <= LAST_MICROSECOND:
        whole = EARLIEST + timedelta(seconds=instant // 1_000_000)
        assert from_text(to_text(moment)) == whole
        assert utc(moment) == whole and utc(moment).tzinfo is UTC
    else:
        with pytest.raises(ValueError):
            utc(moment)
        with pytest.raises(ValueError):
            to_text(moment)


@given(any_moment, st.integers(0, 10**12))
def test_adding_seconds_gives_the_later_time_or_none_once_past_the_end_and_never_raises(
    moment: datetime, seconds: int
) -> None:
    assume(0 <= utc_microseconds(moment) <= LAST_MICROSECOND)
    start = utc(moment)
    fits = (start - EARLIEST) + timedelta(seconds=seconds) <= LATEST - EARLIEST
    later = plus_seconds(start, seconds)
    assert (later is not None) == fits
    assert later is None or later - start == timedelta(seconds=seconds)
