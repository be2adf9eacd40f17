"""Properties of every request model: any value, Python or JSON text, validates or is a pydantic ValidationError.

A request model is one that refuses unknown fields (``extra="forbid"``): the bodies of the HTTP API and what they
nest. They are found in ``engine.model``, so a new one is covered without listing it here. The examples are
derandomized, so a run is reproducible.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

import engine.model

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

REQUEST_MODELS: list[type[BaseModel]] = [
    model
    for model in (getattr(engine.model, name) for name in engine.model.__all__)
    if isinstance(model, type) and issubclass(model, BaseModel) and model.model_config.get("extra") == "forbid"
]
IDS = [model.__name__ for model in REQUEST_MODELS]

# Python refuses to turn an int of more than 4300 digits into text, and so would a careless validator.
# Built from a digit count: hypothesis shows a strategy with repr(), which a huge int literal would break.
HUGE_INTEGERS = st.one_of(
    st.sampled_from([10, 19, 20, 4300, 4301, 5000]), st.integers(min_value=19, max_value=6000)
).flatmap(lambda digits: st.sampled_from([10**digits - 1, 10**digits, -(10**digits)]))
TRICKY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "9" * 5000,
        "-1",
        "1e400",
        "NaN",
        "\x00",
        "a\x1b[31m",
        "\u202eevil",
        "\ud800",
        "x" * 10_000,
        "0001-01-01T00:00:00-14:00",
        "9999-12-31T23:59:59+14:00",
        "2024-02-30T00:00:00",
        "+275760-09-13T00:00:00Z",
        "rebuild",
        "check_disk",
        "CLUSTER",
        "NODE",
        "volume_inspect",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    HUGE_INTEGERS,
    st.floats(),
    st.text(max_size=20),
    TRICKY_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=10,
)
# Values shaped like the nested parts of a request (a location, options), to get past the first refusal.
FIELD_VALUES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({}, optional={"kind": TRICKY_TEXT, "name": JSON_VALUES}),
    st.fixed_dictionaries(
        {},
        optional={
            key: JSON_VALUES
            for key in ("node", "segment_groups", "table_id", "fix", "sample", "only_unhealthy", "storage_ids")
        },
    ),
    st.lists(st.one_of(HUGE_INTEGERS, st.integers(), TRICKY_TEXT), max_size=5),
)


def field_dicts(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={name: FIELD_VALUES for name in model.model_fields})


def json_text(value: object) -> str:
    """``value`` as JSON text, even an int that Python will not turn into text in one piece."""
    if isinstance(value, bool) or value is None or isinstance(value, float | str):
        return json.dumps(value)
    if isinstance(value, int):
        return integer_text(value)
    if isinstance(value, list):
        return "[" + ",".join(json_text(item) for item in value) + "]"
    assert isinstance(value, dict)
    return "{" + ",".join(f"{json.dumps(str(key))}:{json_text(item)}" for key, item in value.items()) + "}"


def integer_text(value: int) -> str:
    chunk = 10**1000
    sign, rest, parts = ("-" if value < 0 else ""), abs(value), []
    while rest >= chunk:
        rest, part = divmod(rest, chunk)
        parts.append(f"{part:01000d}")
    return sign + str(rest) + "".join(reversed(parts))


def validates_or_refuses(model: type[BaseModel], value: object) -> None:
    """``value`` as a Python object and as JSON text: either validates, or the refusal is a ValidationError."""
    for validate, given_value in ((model.model_validate, value), (model.model_validate_json, json_text(value))):
        try:
            validate(given_value)
        except ValidationError as error:
            assert error.title == model.__name__


def test_every_request_model_is_covered() -> None:
    assert {"CreateTaskRequest", "CancelTaskRequest", "ManualMigrateRequest", "AddJobRequest"} <= set(IDS)


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=IDS)
@SETTINGS
@given(value=JSON_VALUES)
def test_any_value_validates_or_is_a_validation_error(model: type[BaseModel], value: object) -> None:
    validates_or_refuses(model, value)


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_the_fields_with_any_values_validate_or_are_a_validation_error(
    model: type[BaseModel], data: st.DataObject
) -> None:
    validates_or_refuses(model, data.draw(field_dicts(model)))


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=IDS)
@SETTINGS
@given(body=st.binary(max_size=64))
def test_any_bytes_validate_or_are_a_validation_error(model: type[BaseModel], body: bytes) -> None:
    try:
        model.model_validate_json(body)
    except ValidationError as error:
        assert error.title == model.__name__


@pytest.mark.parametrize("model", REQUEST_MODELS, ids=IDS)
def test_json_nested_too_deep_is_a_validation_error(model: type[BaseModel]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate_json("[" * 100_000 + "]" * 100_000)
