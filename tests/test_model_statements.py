"""The CREATE TASK / CANCEL TASK parser accepts every example of the Ocient seed and names what is wrong."""

import pytest

from engine.model import CancelTaskRequest, CreateTaskRequest, DistributedType, LocationKind
from engine.statements import StatementError, parse_statement

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
