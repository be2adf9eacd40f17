"""The CREATE TASK / CANCEL TASK parser accepts every example of the Ocient seed and names what is wrong."""

import pytest

from engine.model import (
    SEGMENT_GROUP_MAX,
    SEGMENT_GROUPS_MAX_ITEMS,
    CancelTaskRequest,
    CreateTaskRequest,
    DistributedType,
    LocationKind,
)
from engine.statements import NUMBER_MAX_DIGITS, StatementError, parse_statement

SEED_EXAMPLES = [
    "CREATE TASK TYPE rebuild LOCATION SYSTEM;",
    "CREATE TASK TYPE rebuild OPTIONS table_id = '529a2e9d-d06c-46cd-a93b-624d3bed1c08';",
    "CREATE TASK TYPE rebuild LOCATION CLUSTER my_lts_cluster1;",
    "CREATE TASK TYPE rebuild LOCATION CLUSTER my_lts_cluster1 OPTIONS node = 'my_node1';",
    "CREATE TASK TYPE rebuild LOCATION CLUSTER my_lts_cluster1 OPTIONS segment_groups = [ 53 ];",
    "CREATE TASK my_rebuild_task TYPE rebuild LOCATION CLUSTER my_lts_cluster1;",
    "CREATE TASK TYPE check_disk LOCATION NODE 'my_node1';",
    "CREATE TASK TYPE check_disk LOCATION CLUSTER my_lts_cluster1 OPTIONS sample = true;",
    "CREATE TASK TYPE check_disk LOCATION NODE 'my_node1' OPTIONS storage_ids = "
    "[ '529a2e9d-d06c-46cd-a93b-624d3bed1c08' ];",
    "CREATE TASK TYPE rebalance;",
]


@pytest.mark.parametrize("statement", SEED_EXAMPLES)
def test_every_create_task_example_of_the_seed_parses(statement: str) -> None:
    assert isinstance(parse_statement(statement), CreateTaskRequest)


def test_location_defaults_to_system() -> None:
    request = parse_statement("CREATE TASK TYPE rebalance;")
    assert request.location.kind is LocationKind.SYSTEM


def test_a_named_rebuild_on_a_cluster_keeps_name_location_and_options() -> None:
    request = parse_statement(
        "create task my_rebuild_task type rebuild location cluster my_lts_cluster1 "
        "options node = 'my_node1', segment_groups = [53, 54]"
    )
    assert isinstance(request, CreateTaskRequest)
    assert request.name == "my_rebuild_task"
    assert request.type is DistributedType.REBUILD
    assert (request.location.kind, request.location.name) == (LocationKind.CLUSTER, "my_lts_cluster1")
    assert request.options == {"node": "my_node1", "segment_groups": [53, 54]}


def test_check_disk_options_are_typed_and_defaulted() -> None:
    request = parse_statement("CREATE TASK TYPE check_disk LOCATION NODE 'n1' OPTIONS sample = true;")
    assert isinstance(request, CreateTaskRequest)
    assert request.options == {"fix": False, "sample": True, "only_unhealthy": False}


def test_the_seed_cancel_example_parses() -> None:
    assert parse_statement("CANCEL TASK 'my_task';") == CancelTaskRequest(task="my_task")


def test_a_statement_round_trips_through_its_text() -> None:
    request = parse_statement("CREATE TASK t1 TYPE check_disk LOCATION NODE 'n1' OPTIONS storage_ids = ['a', 'b'];")
    assert isinstance(request, CreateTaskRequest)
    assert parse_statement(request.to_statement()) == request


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("", "empty statement"),
        ("DROP TASK 'x'", "unknown statement 'DROP'"),
        ("CREATE TASK", "expected a task name or TYPE"),
        ("CREATE TASK TYPE", "expected a task type"),
        ("CREATE TASK TYPE rebuilt", "unknown task type 'rebuilt'"),
        ("CREATE TASK TYPE REBUILD", "case sensitive"),
        ("CREATE TASK TYPE rebuild LOCATION", "expected SYSTEM, CLUSTER name or NODE name"),
        ("CREATE TASK TYPE rebuild LOCATION CLUSTER", "expected a cluster name"),
        ("CREATE TASK TYPE rebuild LOCATION GALAXY far", "after LOCATION"),
        ("CREATE TASK TYPE rebuild OPTIONS node 'x'", "expected '=' after option 'node'"),
        ("CREATE TASK TYPE rebuild OPTIONS node =", "expected a value for option 'node'"),
        ("CREATE TASK TYPE rebuild OPTIONS colour = 'red'", "unknown option 'colour' for rebuild"),
        ("CREATE TASK TYPE rebuild OPTIONS segment_groups = [ 53", "expected ',' or ']'"),
        ("CREATE TASK TYPE rebuild OPTIONS segment_groups = [ 53,", "expected a value or ']'"),
        ("CREATE TASK TYPE check_disk OPTIONS fix = 'maybe'", "fix"),
        ("CREATE TASK TYPE rebuild OPTIONS node = 'a', node = 'b'", "given twice"),
        ("CREATE TASK TYPE rebuild; extra", "should end here"),
        ("CREATE TASK TYPE rebuild OPTIONS node = 'open", "unterminated string"),
        ("CANCEL TASK", "expected the task's name or id"),
        ("CANCEL 'x'", "expected TASK after CANCEL"),
        ("CREATE TASK TYPE rebuild @", "unexpected character '@'"),
    ],
)
def test_a_bad_statement_is_rejected_with_a_message_naming_the_problem(statement: str, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        parse_statement(statement)


HUGE = "9" * 5000


@pytest.mark.parametrize(
    "statement",
    [
        f"CREATE TASK TYPE rebuild LOCATION SYSTEM OPTIONS segment_groups = [{HUGE}];",
        f"CREATE TASK TYPE rebuild OPTIONS node = {HUGE};",
        f"CREATE TASK TYPE rebuild OPTIONS node = -{HUGE}.5;",
        f"CREATE TASK TYPE rebuild OPTIONS node = 1.{HUGE};",
    ],
)
def test_a_number_with_too_many_digits_is_refused_naming_the_limit(statement: str) -> None:
    with pytest.raises(StatementError, match=f"at most {NUMBER_MAX_DIGITS} digits"):
        parse_statement(statement)


def test_a_number_of_the_most_digits_allowed_is_still_a_number() -> None:
    with pytest.raises(StatementError, match="segment_groups"):
        parse_statement(f"CREATE TASK TYPE rebuild OPTIONS segment_groups = [{'9' * NUMBER_MAX_DIGITS}];")


@pytest.mark.parametrize("group", ["-1", str(SEGMENT_GROUP_MAX + 1)])
def test_a_segment_group_outside_its_range_is_refused(group: str) -> None:
    with pytest.raises(StatementError, match="segment_groups"):
        parse_statement(f"CREATE TASK TYPE rebuild OPTIONS segment_groups = [{group}];")


def test_the_largest_segment_group_is_accepted() -> None:
    request = parse_statement(f"CREATE TASK TYPE rebuild OPTIONS segment_groups = [0, {SEGMENT_GROUP_MAX}];")
    assert isinstance(request, CreateTaskRequest)
    assert request.options == {"segment_groups": [0, SEGMENT_GROUP_MAX]}


def test_more_segment_groups_than_the_limit_are_refused_naming_it() -> None:
    groups = ", ".join("1" for _ in range(SEGMENT_GROUPS_MAX_ITEMS + 1))
    with pytest.raises(StatementError, match=f"at most {SEGMENT_GROUPS_MAX_ITEMS} items"):
        parse_statement(f"CREATE TASK TYPE rebuild OPTIONS segment_groups = [{groups}];")


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TASK 'evil\x00' TYPE rebuild;",
        "CREATE TASK 'red\x1b[31m' TYPE rebuild;",
        'CREATE TASK "tab\there" TYPE rebuild;',
        "CREATE TASK 'txt\u202egpj.exe' TYPE rebuild;",
        "CREATE TASK 'isolate\u2066' TYPE rebuild;",
        "CANCEL TASK 'bell\x07';",
        "CANCEL TASK 'override\u202d';",
    ],
)
def test_a_task_name_with_a_control_or_bidi_character_is_refused(statement: str) -> None:
    with pytest.raises(StatementError, match="printable"):
        parse_statement(statement)


def test_a_location_name_with_a_control_character_is_refused_naming_the_field() -> None:
    with pytest.raises(StatementError, match=r"location\.name: .*printable"):
        parse_statement("CREATE TASK TYPE check_disk LOCATION NODE 'n1\x1b[2J';")


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TASK TYPE rebuild OPTIONS node = 'n\x1b';",
        "CREATE TASK TYPE rebuild OPTIONS table_id = 't\u2069';",
        "CREATE TASK TYPE check_disk OPTIONS storage_ids = ['ok', 'bad\x00'];",
    ],
)
def test_an_identifier_option_with_a_control_character_is_refused(statement: str) -> None:
    with pytest.raises(StatementError, match="printable"):
        parse_statement(statement)


def test_a_name_with_spaces_and_accents_is_printable_and_accepted() -> None:
    assert parse_statement("CANCEL TASK 'nuit d''été';") == CancelTaskRequest(task="nuit d'été")


@pytest.mark.parametrize(
    "statement",
    [
        "CANCEL TASK 'a' 'b\x1b[2J';",
        "CREATE TASK TYPE rebuild LOCATION '\u202eevil';",
        "CREATE TASK \x1b",
    ],
)
def test_an_error_message_never_carries_a_control_character_from_the_statement(statement: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(statement)
    assert str(caught.value).isprintable()


def test_an_error_message_shows_a_long_value_shortened() -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(f"CANCEL TASK 'a' '{'x' * 5000}';")
    assert len(str(caught.value)) < 200
