"""A bounded, seeded fuzz run against our own OpenAPI document: odd paths, parameters and bodies never give a 5xx.

Every operation is called with values drawn from a pool of awkward inputs (empty, huge, negative, non-ASCII,
wrong JSON types, nested junk) and with bodies shaped like its schema but with random field values. No extra
dependency: the document drives the cases and a seeded RNG keeps the run reproducible.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .http_support import ServedEngine

# `make fuzz` raises this (and varies the seed) for a longer run than `make test` can afford.
CASES_PER_OPERATION = int(os.environ.get("SCHEDTOP_FUZZ_CASES", "12"))
AWKWARD_TEXT = [
    "",
    "x",
    "0",
    "-1",
    "1",
    "18446744073709551616",
    "9" * 40,
    "1e309",
    "NaN",
    "true",
    "%00",
    "..",
    "balance-1-2-x",
    "ü✓",
    "a" * 300,
    " ",
    "null",
    "[1]",
    "{}",
]
AWKWARD_JSON: list[Any] = [
    None,
    True,
    0,
    -1,
    2**64,
    2**70,
    1.5,
    -0.0,
    "",
    "x",
    "2015-03-11 00:28:00",
    [],
    {},
    [None],
    {"a": {"b": [1, {"c": None}]}},
    "a" * 2000,
]


def random_value(rng: random.Random, schema: dict[str, Any], depth: int = 0) -> Any:
    if rng.random() < 0.5 or depth > 3:
        return rng.choice(AWKWARD_JSON)
    if schema.get("type") == "object" or "properties" in schema:
        return {
            key: random_value(rng, sub, depth + 1)
            for key, sub in schema.get("properties", {}).items()
            if rng.random() < 0.8
        }
    return rng.choice(AWKWARD_JSON)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def cases(document: dict[str, Any], rng: random.Random) -> Iterator[tuple[str, str, dict, Any]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for _ in range(CASES_PER_OPERATION):
                url = path
                params: dict[str, str] = {}
                for parameter in operation.get("parameters", []):
                    value = rng.choice(AWKWARD_TEXT)
                    if parameter["in"] == "path":
                        url = url.replace("{" + parameter["name"] + "}", httpx.URL(value or "x").raw_path.decode())
                    elif parameter["in"] == "query" and rng.random() < 0.8:
                        params[parameter["name"]] = value
                if path.startswith("/task_manager/wait_task"):
                    params["timeout"] = "0.05"  # never hang the run
                body: Any = None
                content = operation.get("requestBody", {}).get("content", {})
                if "application/json" in content:
                    body = random_value(rng, resolve(document, content["application/json"]["schema"]))
                yield method.upper(), url, params, body


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine() as served:
        yield served


def test_no_request_built_from_our_openapi_document_gets_a_5xx(served: ServedEngine) -> None:
    rng = random.Random(int(os.environ.get("SCHEDTOP_FUZZ_SEED", "20150311")))
    failures: list[str] = []
    with served.client() as http:
        document = http.get("/openapi.json").json()
        count = 0
        for method, url, params, body in cases(document, rng):
            answer = (
                http.request(method, url, params=params, json=body)
                if body is not None
                else http.request(method, url, params=params)
            )
            count += 1
            no_schedule = url.startswith("/api/supervisor/") and answer.status_code == 503
            if answer.status_code >= 500 and not no_schedule:
                failures.append(f"{method} {url} {params} {body!r:.80} -> {answer.status_code} {answer.text[:120]}")
    assert count >= 300
    assert failures == []
