"""The distributed-task request models: names are printable, numbers and lists have limits, actions have one word."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from engine.model import (
    NAME_MAX_LENGTH,
    SEGMENT_GROUP_MAX,
    SEGMENT_GROUPS_MAX_ITEMS,
    STORAGE_IDS_MAX_ITEMS,
    CancelTaskRequest,
    CreateTaskRequest,
    StatementResult,
)

UNPRINTABLE = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u00a0", "\u200b"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", UNPRINTABLE + BIDI, ids=[f"U+{ord(c):04X}" for c in UNPRINTABLE + BIDI])
def test_a_task_name_with_an_unprintable_character_is_refused(char: str) -> None:
    with pytest.raises(ValidationError, match="printable"):
        CreateTaskRequest.model_validate({"type": "rebalance", "name": f"task{char}x"})


def test_a_task_name_with_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValidationError, match="unicode"):
        CreateTaskRequest.model_validate({"type": "rebalance", "name": "task\ud800"})


@pytest.mark.parametrize("char", ["\x1b", "\u202e"])
def test_a_cancelled_task_name_with_an_unprintable_character_is_refused(char: str) -> None:
    with pytest.raises(ValidationError, match="printable"):
        CancelTaskRequest.model_validate({"task": f"task{char}"})


def test_the_refusal_names_the_character_by_code_point_and_position() -> None:
    with pytest.raises(ValidationError, match=r"character 3 is U\+001B"):
        CreateTaskRequest.model_validate({"type": "rebalance", "name": "ab\x1b[31m"})


def test_a_task_name_may_hold_spaces_punctuation_and_any_script() -> None:
    name = "nightly rebuild #2 — zone ü / 東京"
    assert CreateTaskRequest.model_validate({"type": "rebalance", "name": name}).name == name


def test_a_cancelled_task_name_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match=f"at most {NAME_MAX_LENGTH} characters"):
        CancelTaskRequest.model_validate({"task": "x" * (NAME_MAX_LENGTH + 1)})


def test_a_location_name_with_an_unprintable_character_is_refused() -> None:
    location = {"kind": "CLUSTER", "name": "z1\x00"}
    with pytest.raises(ValidationError, match="printable"):
        CreateTaskRequest.model_validate({"type": "rebalance", "location": location})


@pytest.mark.parametrize("option", ["node", "table_id"])
def test_a_rebuild_identifier_option_with_an_unprintable_character_is_refused(option: str) -> None:
    with pytest.raises(ValidationError, match="printable"):
        CreateTaskRequest.model_validate({"type": "rebuild", "options": {option: "x\u2066"}})


@pytest.mark.parametrize("group", [-1, SEGMENT_GROUP_MAX + 1, 10**5000], ids=["negative", "above", "5000 digits"])
def test_a_segment_group_outside_0_to_the_maximum_is_refused(group: int) -> None:
    with pytest.raises(ValidationError, match="segment_groups"):
        CreateTaskRequest.model_validate({"type": "rebuild", "options": {"segment_groups": [group]}})


def test_a_negative_segment_group_in_a_json_body_is_refused() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        CreateTaskRequest.model_validate_json('{"type": "rebuild", "options": {"segment_groups": [-5]}}')


@pytest.mark.parametrize("group", [True, 1.0, "7"])
def test_a_segment_group_must_be_an_integer_not_a_bool_float_or_text(group: object) -> None:
    with pytest.raises(ValidationError, match="segment_groups"):
        CreateTaskRequest.model_validate({"type": "rebuild", "options": {"segment_groups": [group]}})


def test_segment_groups_up_to_the_limit_are_accepted() -> None:
    groups = list(range(SEGMENT_GROUPS_MAX_ITEMS))
    request = CreateTaskRequest.model_validate({"type": "rebuild", "options": {"segment_groups": groups}})
    assert request.options["segment_groups"] == groups


def test_more_segment_groups_than_the_limit_are_refused_naming_it() -> None:
    groups = [1] * (SEGMENT_GROUPS_MAX_ITEMS + 1)
    with pytest.raises(ValidationError, match=f"at most {SEGMENT_GROUPS_MAX_ITEMS} items"):
        CreateTaskRequest.model_validate({"type": "rebuild", "options": {"segment_groups": groups}})


def test_more_storage_ids_than_the_limit_are_refused_naming_it() -> None:
    ids = ["d"] * (STORAGE_IDS_MAX_ITEMS + 1)
    with pytest.raises(ValidationError, match=f"at most {STORAGE_IDS_MAX_ITEMS} items"):
        CreateTaskRequest.model_validate({"type": "check_disk", "options": {"storage_ids": ids}})


@pytest.mark.parametrize(
    ("storage_id", "message"),
    [("", "at least 1 character"), ("d" * (NAME_MAX_LENGTH + 1), f"at most {NAME_MAX_LENGTH}"), ("d\x1b", "printable")],
)
def test_a_storage_id_must_be_a_short_printable_name(storage_id: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CreateTaskRequest.model_validate({"type": "check_disk", "options": {"storage_ids": [storage_id]}})


@pytest.mark.parametrize("action", ["create", "cancel"])
def test_a_statement_result_action_is_a_statement_verb(action: str) -> None:
    assert StatementResult(action=action, task_id="t").action == action  # type: ignore[arg-type]


@pytest.mark.parametrize("action", ["created", "cancelled", "delete", ""])
def test_a_statement_result_action_other_than_the_verbs_is_refused(action: str) -> None:
    with pytest.raises(ValidationError):
        StatementResult.model_validate({"action": action, "task_id": "t"})


def test_the_schema_of_a_statement_result_lists_the_actions() -> None:
    assert StatementResult.model_json_schema()["properties"]["action"]["enum"] == ["create", "cancel"]
