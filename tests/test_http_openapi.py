"""The OpenAPI document and the methods tell the truth: 400 (never 422), every status an operation can answer,
task types as enums, a correct ``Allow``, HEAD on every GET and OPTIONS everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .http_support import ServedEngine


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


@pytest.fixture(scope="module")
def document(served: ServedEngine) -> dict[str, Any]:
    with served.client() as http:
        return http.get("/openapi.json").json()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def test_no_operation_documents_422(document: dict[str, Any]) -> None:
    assert [(p, m) for p, m, op in operations(document) if "422" in op["responses"]] == []
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_operation_with_inputs_documents_400_with_an_error_body(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if operation.get("parameters") or operation.get("requestBody"):
            schema = operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
            expected = "ScyllaError" if path.startswith("/task_manager") else "Error"
            assert schema.endswith("/" + expected), (method, path)


def test_every_change_documents_the_token_and_cross_site_answers(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if method in ("POST", "PATCH", "DELETE") or path.startswith("/task_manager/wait_task"):
            assert {"401", "403", "421"} <= set(operation["responses"]), (method, path)


def test_the_deliberate_500_is_documented_and_the_only_one(document: dict[str, Any]) -> None:
    with500 = [path for path, _, op in operations(document) if "500" in op["responses"]]
    assert with500 == ["/stats/disk/migrating"]


def enum_of(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema.get("enum", [])


def parameter(document: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    return next(p for p in document["paths"][path][method]["parameters"] if p["name"] == name)


@pytest.mark.parametrize(
    ("path", "method", "name", "expected"),
    [
        ("/task/detail/{task_type}/{task_id}", "get", "task_type", {"disk_repair", "balance", "disk_drop"}),
        ("/stats/disk/migrating", "get", "task_type", {"disk_repair", "disk_drop"}),
        ("/api/task_types/{task_type}/enable", "post", "task_type", {"balance", "rebuild"}),
        ("/api/faults/fail_next", "post", "task_type", {"disk_repair", "check_disk"}),
    ],
)
def test_task_type_parameters_are_enums(
    document: dict[str, Any], path: str, method: str, name: str, expected: set[str]
) -> None:
    assert expected <= set(enum_of(document, parameter(document, path, method, name)["schema"]))


def test_a_jobs_task_type_is_an_enum(document: dict[str, Any]) -> None:
    schema = document["components"]["schemas"]["AddJobRequest"]["properties"]["task_type"]
    assert {"volume_inspect", "balance", "check_disk"} <= set(enum_of(document, schema))


def test_options_lists_every_method_of_the_path(served: ServedEngine) -> None:
    with served.client() as http:
        answer = http.options("/task_manager/ttl")
    assert answer.status_code == 204
    assert set(answer.headers["allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_options_of_a_post_only_route_says_post(served: ServedEngine) -> None:
    with served.client() as http:
        answer = http.options("/api/statements")
    assert (answer.status_code, answer.headers["allow"]) == (204, "OPTIONS, POST")
    assert "access-control-allow-origin" not in answer.headers


def test_a_wrong_method_is_405_with_the_full_allow_header(served: ServedEngine) -> None:
    with served.client() as http:
        answer = http.delete("/api/supervisor/jobs")
    assert answer.status_code == 405
    assert set(answer.headers["allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_head_on_a_get_route_answers_its_headers_without_a_body(served: ServedEngine) -> None:
    with served.client() as http:
        got = http.get("/stats")
        head = http.head("/stats")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content)


def test_an_unknown_path_is_404_for_options_too(served: ServedEngine) -> None:
    with served.client() as http:
        assert http.options("/no/such/path").status_code == 404


def test_the_snapshot_names_the_node_by_its_real_port(served: ServedEngine) -> None:
    # The in-thread server names its node as `schedtop serve` does once it knows the port.
    served.engine.node_name = f"127.0.0.1:{served.port}"
    with served.client() as http:
        assert http.get("/api/snapshot").json()["cluster"]["node"] == f"127.0.0.1:{served.port}"
