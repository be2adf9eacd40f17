"""JSON text for the store's hot path, byte-for-byte what ``json.dumps`` writes, at a fraction of its cost.

Every flush writes the record and the work payload of each changed task (thousands per tick under load). Encoding
them was most of a flush: ``json.dumps`` builds a new encoder per call, and a payload's identity half never
changes. So a payload caches the JSON of its fixed fields and appends its changing fields with these helpers;
tests compare the result with ``json.dumps`` of the same dict.
"""

from __future__ import annotations

import json
import json.encoder
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

json_str: Callable[[str], str] = json.encoder.encode_basestring_ascii
"""A JSON string literal, as ``json.dumps`` (``ensure_ascii``) writes it."""


def _make_encode() -> Callable[[Any], str]:
    encoder = json.JSONEncoder(check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    try:
        iterencode = make(None, encoder.default, json_str, None, ": ", ", ", False, False, True)
        join = "".join
        probe = {"a": [1, 2.5, None, True, 'é"']}
        if join(iterencode(probe, 0)) != json.dumps(probe):
            return encoder.encode
    except TypeError:  # a CPython whose private encoder signature differs
        return encoder.encode
    return lambda value: join(iterencode(value, 0))


encode: Callable[[Any], str] = _make_encode()
"""``json.dumps`` (default options) with its C encoder built once rather than per call; no cycle check."""


def json_num(value: float | None) -> str:
    """A number as ``json.dumps`` writes it (``null`` for None; NaN/Infinity and bools through ``encode``)."""
    kind = value.__class__
    if kind is int or (kind is float and math.isfinite(value)):  # type: ignore[arg-type]
        return repr(value)
    if value is None:
        return "null"
    return encode(value)


_ISO_TEXTS: dict[datetime, str] = {}
"""The JSON text of recent UTC times: a flush writes the same few clock readings for thousands of tasks (every task
that started or ended in a turn), and ``isoformat`` was a tenth of the store's hot path."""
_ISO_KEPT = 4096


def json_time(moment: datetime | None) -> str:
    """An optional datetime stored as its ISO text (``null`` for None)."""
    if moment is None:
        return "null"
    if moment.tzinfo is not UTC:  # equal instants in other zones write other text: not cached
        return f'"{moment.isoformat()}"'
    text = _ISO_TEXTS.get(moment)
    if text is None:
        if len(_ISO_TEXTS) >= _ISO_KEPT:
            _ISO_TEXTS.clear()
        text = _ISO_TEXTS[moment] = f'"{moment.isoformat()}"'
    return text


def json_bool(flag: bool) -> str:
    return "true" if flag else "false"


def object_head(fields: dict[str, Any]) -> str:
    """The JSON of ``fields`` without its closing brace, followed by ``, ``: a prefix to append more members to."""
    return encode(fields)[:-1] + ", "
