"""Times the supervisor takes at its API and keeps in its store: one conversion, one accepted range.

The store keeps ``'YYYY-MM-DD HH:MM:SS'`` UTC text, because the scheduler admin seed's SQL compares its literals
against that text directly; the model carries aware UTC datetimes of whole seconds. Every time is normalised the
same way: an offset is converted to UTC, a naive time is taken as UTC, and fractions of a second are dropped.

The accepted range is :data:`EARLIEST` to :data:`LATEST` (0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z) *after*
normalising to UTC — what Python's datetime can hold in UTC. ``9999-12-31T23:59:59-01:00`` is a valid datetime
but leaves the range once in UTC (``astimezone`` would raise OverflowError); here it is a ValueError naming the
range, and a request field of type :data:`ApiTime` refuses it at validation.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
"""The earliest time accepted, in UTC."""
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
"""The latest time accepted, in UTC (any fraction of its second is dropped, so ``23:59:59.999999Z`` is in)."""

EARLIEST_TEXT = "0001-01-01T00:00:00Z"
LATEST_TEXT = "9999-12-31T23:59:59Z"
RANGE_TEXT = f"{EARLIEST_TEXT} to {LATEST_TEXT}"
STORED_FORM = "YYYY-MM-DD HH:MM:SS"

_SECOND = timedelta(seconds=1)
# strftime('%Y') on glibc does not pad the year, which is how an older schedtop wrote years below 1000.
_UNPADDED_YEAR = re.compile(r"(\d{1,3})(-\d\d-\d\d \d\d:\d\d:\d\d)")


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime of whole seconds; ValueError when it is outside the accepted range."""
    if not isinstance(moment, datetime):
        raise ValueError(f"expected a datetime, got {type(moment).__name__}")
    aware = moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment
    # Aware datetimes subtract to a timedelta without ever building the UTC datetime, so this cannot overflow.
    if aware - EARLIEST < timedelta(0) or aware - LATEST >= _SECOND:
        raise ValueError(f"{moment.isoformat()} is out of range: times must be from {RANGE_TEXT} once in UTC")
    return aware.astimezone(UTC).replace(microsecond=0)


def to_text(moment: datetime) -> str:
    """The stored form, ``YYYY-MM-DD HH:MM:SS`` in UTC with a 4-digit year; ValueError when out of range."""
    return utc(moment).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


def from_text(text: str) -> datetime:
    """Read a stored time; tolerant of the ISO variants an operator may type (``T``, fractions, an offset).

    Anything that is not a time in the accepted range is a ValueError (never an OverflowError).
    """
    try:
        parsed = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a time '{STORED_FORM}'") from None
    return utc(parsed)


def unpadded_year_fixed(text: str) -> str | None:
    """The padded form of a time an older schedtop stored with an unpadded year (``'1-01-01 00:00:00'``), else None."""
    match = _UNPADDED_YEAR.fullmatch(str(text))
    if match is None:
        return None
    fixed = f"{int(match[1]):04d}{match[2]}"
    try:
        from_text(fixed)
    except ValueError:
        return None  # not a time even padded (e.g. month 13): nothing an older version would have written
    return fixed


def plus_seconds(moment: datetime, seconds: int) -> datetime | None:
    """``moment`` (in range) plus ``seconds`` (>= 0), or None when that would be past :data:`LATEST`."""
    start = utc(moment)
    step = timedelta(seconds=seconds)
    if step > LATEST - start:
        return None
    return start + step


class _Range:
    """Validation and JSON schema of :data:`ApiTime`: a date-time refused outside the range, with the range in its
    schema as ``formatMinimum``/``formatMaximum`` (the keywords ajv-formats and similar validators read)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        checked = core_schema.no_info_after_validator_function(_api_time, handler(source))
        return core_schema.no_info_before_validator_function(_text_only, checked)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(formatMinimum=EARLIEST_TEXT, formatMaximum=LATEST_TEXT)
        return json_schema


def _text_only(value: object) -> str | datetime:
    # pydantic would read a number as seconds since 1970; the schema says a date-time string, so a number is refused.
    if isinstance(value, str | datetime):
        return value
    raise PydanticCustomError("datetime_type", "a time must be ISO 8601 text, e.g. 2026-01-31T12:00:00Z")


def _api_time(moment: datetime) -> datetime:
    try:
        return utc(moment)
    except ValueError:
        # A custom error, so the message is ours alone; the HTTP layer prefixes the field's name.
        raise PydanticCustomError(
            "datetime_range",
            "{given} is out of range: times must be from {earliest} to {latest} once in UTC",
            {"given": moment.isoformat(), "earliest": EARLIEST_TEXT, "latest": LATEST_TEXT},
        ) from None


ApiTime = Annotated[datetime, _Range()]
"""A request's time: ISO 8601, normalised to aware UTC whole seconds, refused outside :data:`EARLIEST`–:data:`LATEST`."""
