"""Distributed tasks over a real socket: CREATE/CANCEL TASK as JSON and as the seed's statement text."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .http_support import ServedEngine


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


@pytest.fixture
def http(served: ServedEngine) -> Iterator[httpx.Client]:
    with served.client() as client:
        yield client


def statement(http: httpx.Client, text: str) -> httpx.Response:
    return http.post("/api/statements", content=text.encode(), headers={"content-type": "text/plain"})


def test_a_task_created_as_json_appears_in_the_task_manager(http: httpx.Client) -> None:
    answer = http.post("/api/tasks", json={"type": "rebalance", "location": {"kind": "CLUSTER", "name": "z0"}})
    assert answer.status_code == 200
    created = answer.json()
    assert created["action"] == "create"
    listed = http.get("/task_manager/list_module_tasks/distributed").json()
    assert created["task_id"] in {task["task_id"] for task in listed}


def test_a_rebuild_on_a_node_location_is_refused_with_400(http: httpx.Client) -> None:
    answer = http.post("/api/tasks", json={"type": "rebuild", "location": {"kind": "NODE", "name": "10.0.0.1"}})
    assert answer.status_code == 400
    assert "NODE" in answer.json()["error"]


def test_an_option_the_type_does_not_have_is_400_naming_it(http: httpx.Client) -> None:
    answer = http.post("/api/tasks", json={"type": "check_disk", "options": {"table_id": "t1"}})
    assert answer.status_code == 400
    assert "table_id" in answer.json()["error"]


def test_a_create_statement_as_text_starts_the_task(http: httpx.Client) -> None:
    answer = statement(http, "CREATE TASK my_check TYPE check_disk LOCATION CLUSTER z1 OPTIONS sample = true;")
    assert answer.status_code == 200
    assert answer.json()["name"] == "my_check"


def test_a_cancel_statement_cancels_the_task_by_name(http: httpx.Client) -> None:
    statement(http, "CREATE TASK to_cancel TYPE rebalance;")
    answer = statement(http, "CANCEL TASK 'to_cancel';")
    assert answer.status_code == 200
    assert answer.json()["action"] == "cancel"


def test_a_statement_may_come_as_json(http: httpx.Client) -> None:
    answer = http.post("/api/statements", json={"statement": "CREATE TASK TYPE rebuild LOCATION CLUSTER z2;"})
    assert answer.status_code == 200


def test_a_statement_that_does_not_parse_is_400_saying_where(http: httpx.Client) -> None:
    answer = statement(http, "CREATE TASK TYPO rebuild;")
    assert answer.status_code == 400
    assert "column" in answer.json()["error"]


def test_an_empty_statement_is_400(http: httpx.Client) -> None:
    assert statement(http, "   ").status_code == 400


def test_a_statement_that_is_not_utf8_is_400(http: httpx.Client) -> None:
    answer = http.post("/api/statements", content=b"\xff\xfe", headers={"content-type": "text/plain"})
    assert answer.status_code == 400


def test_cancelling_a_task_that_does_not_exist_is_404(http: httpx.Client) -> None:
    answer = http.post("/api/tasks/cancel", json={"task": "no_such_task"})
    assert answer.status_code == 404
    assert "no_such_task" in answer.json()["error"]


def test_a_task_created_by_statement_answers_the_same_action_as_one_created_as_json(http: httpx.Client) -> None:
    by_statement = statement(http, "CREATE TASK TYPE rebalance LOCATION CLUSTER z0;").json()
    by_json = http.post("/api/tasks", json={"type": "rebalance", "location": {"kind": "CLUSTER", "name": "z0"}}).json()
    assert by_statement["action"] == by_json["action"] == "create"


def test_a_task_cancelled_as_json_answers_the_statement_verb(http: httpx.Client) -> None:
    statement(http, "CREATE TASK json_cancel TYPE rebalance;")
    answer = http.post("/api/tasks/cancel", json={"task": "json_cancel"})
    assert answer.json()["action"] == "cancel"


def test_the_openapi_document_lists_the_actions_of_a_statement_result(http: httpx.Client) -> None:
    schemas = http.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["StatementResult"]["properties"]["action"]["enum"] == ["create", "cancel"]


def test_a_statement_with_a_5000_digit_number_is_400_naming_the_limit(http: httpx.Client) -> None:
    answer = statement(http, f"CREATE TASK TYPE rebuild LOCATION SYSTEM OPTIONS segment_groups = [{'9' * 5000}];")
    assert answer.status_code == 400
    assert "at most 20 digits" in answer.json()["error"]


def test_a_negative_segment_group_as_json_is_400(http: httpx.Client) -> None:
    answer = http.post("/api/tasks", json={"type": "rebuild", "options": {"segment_groups": [-1]}})
    assert answer.status_code == 400
    assert "segment_groups" in answer.json()["error"]


@pytest.mark.parametrize("name", ["esc\u001b[2J", "nul\u0000", "rtl\u202egpj"])
def test_a_task_name_with_a_control_or_bidi_character_is_400_as_json(http: httpx.Client, name: str) -> None:
    answer = http.post("/api/tasks", json={"type": "rebalance", "name": name})
    assert answer.status_code == 400
    assert "printable" in answer.json()["error"]


def test_a_cancel_of_a_name_with_an_escape_character_is_400(http: httpx.Client) -> None:
    answer = http.post("/api/tasks/cancel", json={"task": "x\x1b[31m"})
    assert answer.status_code == 400
    assert "printable" in answer.json()["error"]


def test_a_statement_naming_a_task_with_a_bidi_override_is_400(http: httpx.Client) -> None:
    answer = statement(http, "CREATE TASK 'txt\u202egpj.exe' TYPE rebalance;")
    assert answer.status_code == 400
    assert "printable" in answer.json()["error"]


def test_cancelling_a_task_that_already_finished_is_409_saying_so(served: ServedEngine, http: httpx.Client) -> None:
    task_id = statement(http, "CREATE TASK finished_already TYPE rebalance;").json()["task_id"]
    for _ in range(60):
        if served.engine.tm.get(task_id).finished:
            break
        served.advance(30)
    for answer in (
        statement(http, "CANCEL TASK 'finished_already';"),
        http.post("/api/tasks/cancel", json={"task": "finished_already"}),
    ):
        assert answer.status_code == 409
        assert "already finished" in answer.json()["error"]


@pytest.mark.parametrize("path", ["/api/tasks/cancel", "/api/statements"])
def test_the_openapi_document_lists_409_for_cancelling_a_finished_task(http: httpx.Client, path: str) -> None:
    responses = http.get("/openapi.json").json()["paths"][path]["post"]["responses"]
    assert "409" in responses and "finished" in responses["409"]["description"]
