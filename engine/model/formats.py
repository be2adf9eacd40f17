"""Wire encodings the upstream systems use that JSON has no type for.

CubeFS serialises its per-minute counters with Go's ``fmt.Sprint`` (``"[0 0 … 0]"``) and byte amounts with
``bytesCntFormat`` (``"1.500KB"``); ScyllaDB prints times as ``YYYY-MM-DDTHH:MM:SSZ`` with the epoch meaning
"unset". The model keeps numbers and datetimes inside and uses these annotated types at the edge.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

SLOTS = 20
BYTE_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")
EPOCH_TEXT = "1970-01-01T00:00:00Z"
_BYTE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|TB|PB)\s*$")


def format_bytes(amount: int) -> str:
    """Format a byte count exactly as CubeFS's ``bytesCntFormat`` does (1024-based, ``%.3f`` + unit)."""
    if amount < 0:
        raise ValueError("a byte amount cannot be negative")
    whole = int(amount)
    value = float(amount)
    unit = 0
    while whole // 1024 > 0 and unit < len(BYTE_UNITS) - 1:
        whole //= 1024
        value /= 1024
        unit += 1
    return f"{value:.3f}{BYTE_UNITS[unit]}"


def parse_bytes(text: str) -> int:
    """Parse one ``bytesCntFormat`` value back to bytes (rounded, since three decimals lose precision)."""
    match = _BYTE_RE.match(text)
    if not match:
        raise ValueError(f"not a byte amount: {text!r} (expected e.g. '1.500KB')")
    number, unit = match.groups()
    scale: int = 1024 ** BYTE_UNITS.index(unit)  # int ** int is typed Any; the exponent is never negative
    return round(float(number) * scale)


def _split_go_array(text: str) -> list[str]:
    stripped = text.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        raise ValueError(f"not a Go-printed array: {text[:40]!r} (expected '[v1 v2 …]')")
    return stripped[1:-1].split()


def _parse_counts(value: object) -> list[int]:
    if isinstance(value, str):
        try:
            return [int(item) for item in _split_go_array(value)]
        except ValueError as error:
            raise ValueError(f"bad per-minute series: {error}") from None
    if isinstance(value, list | tuple):
        return [int(item) for item in value]
    raise ValueError("a per-minute series must be a '[v1 v2 …]' string or a list of integers")


def _parse_amounts(value: object) -> list[int]:
    if isinstance(value, str):
        return [parse_bytes(item) for item in _split_go_array(value)]
    if isinstance(value, list | tuple):
        return [parse_bytes(item) if isinstance(item, str) else int(item) for item in value]
    raise ValueError("a byte series must be a '[1.000KB …]' string or a list of byte counts")


def format_counts(values: list[int]) -> str:
    return "[" + " ".join(str(int(v)) for v in values) + "]"


def format_amounts(values: list[int]) -> str:
    return "[" + " ".join(format_bytes(int(v)) for v in values) + "]"


def _parse_time(value: object) -> datetime | None:
    if value is None or value == "" or value == EPOCH_TEXT:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            parsed = datetime.fromisoformat(value)
        moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return None if moment.timestamp() == 0 else moment
    raise ValueError(f"not a time: {value!r} (expected YYYY-MM-DDTHH:MM:SSZ)")


def format_time(value: datetime | None) -> str:
    if value is None:
        return EPOCH_TEXT
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_go_time(value: datetime) -> str:
    """Go's ``time.Now().String()`` shape, which CubeFS uses for ctime/mtime."""
    local = value.astimezone(UTC)
    return local.strftime("%Y-%m-%d %H:%M:%S.%f") + " +0000 UTC"


PerMinute = Annotated[
    list[int],
    BeforeValidator(_parse_counts),
    PlainSerializer(format_counts, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["[0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0]"]}),
]
"""20 per-minute counts, oldest first; the last one is the current, partial minute."""

PerMinuteBytes = Annotated[
    list[int],
    BeforeValidator(_parse_amounts),
    PlainSerializer(format_amounts, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["[0.000B 1.500KB 3.000MB]"]}),
]
"""20 per-minute byte amounts, serialised with CubeFS's 1024-based ``%.3f`` units."""

ScyllaTime = Annotated[
    datetime | None,
    BeforeValidator(_parse_time),
    PlainSerializer(format_time, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["2024-10-13T10:20:30Z", EPOCH_TEXT]}),
]
"""A UTC time printed as ``YYYY-MM-DDTHH:MM:SSZ``; ``None`` travels as the epoch, which means unset."""


def zeros() -> list[int]:
    return [0] * SLOTS
