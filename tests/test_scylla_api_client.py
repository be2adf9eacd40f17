"""ScyllaDB's own REST client, ``scylla-api-client``, works unchanged against a real ``schedtop serve``.

The client first reads ``GET /api-doc/`` and ``GET /api-doc/task_manager/`` (Swagger 1.2) and builds its commands
from them: ``scylla-api-client -a HOST -p PORT task_manager <command path> [GET|POST] [--param value …]``, the
command path as the declaration spells it (``task_status/{task_id}``). It prints a 200 body as it came and any
other answer as the JSON error body (a Python dict), and exits 0 either way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.test_faults_shutdown import start_server, terminate

CLIENT = Path(sys.executable).parent / "scylla-api-client"


class Scylla:
    """The client pointed at one server."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.address = ["-a", str(parts.hostname), "-p", str(parts.port)]
        self.http = httpx.Client(base_url=url, timeout=10)

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [str(CLIENT), *self.address, *args], capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 0 and "Service is down" not in done.stderr, done.stderr
        return done.stdout.strip()

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args))

    def start(self, task_type: str = "rebalance") -> str:
        return str(self.http.post("/api/tasks", json={"type": task_type}).json()["task_id"])


@pytest.fixture(scope="module")
def scylla(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scylla]:
    process, url = start_server(tmp_path_factory.mktemp("serve") / "engine.db", "--speed", "0.01")
    client = Scylla(url)
    try:
        yield client
    finally:
        client.http.close()
        terminate(process)


def consumer(scylla: Scylla) -> str:
    """The shard_repair consumer: runs for ever, not abortable."""
    return str(scylla.json("task_manager", "list_module_tasks/{module}", "--module", "shard_repair")[0]["task_id"])


def test_the_client_finds_the_task_manager_and_its_commands_drain_and_user_ttl_included(scylla: Scylla) -> None:
    assert "task_manager" in scylla.run("--list-modules").splitlines()
    commands = scylla.run("--list-module-commands", "task_manager")
    for command in ("list_modules", "task_status_recursive/{task_id}", "user_ttl", "drain/{module}"):
        assert f"task_manager {command}:" in commands


def test_list_modules_and_list_tasks(scylla: Scylla) -> None:
    assert {"disk_repair", "shard_repair", "distributed"} <= set(scylla.json("task_manager", "list_modules"))
    [task] = scylla.json("task_manager", "list_module_tasks/{module}", "--module", "shard_repair")
    assert (task["type"], task["state"]) == ("shard_repair", "running")
    internal = scylla.json(
        "task_manager", "list_module_tasks/{module}", "--module", "distributed", "--internal", "true"
    )
    assert isinstance(internal, list)


def test_status_and_recursive_status(scylla: Scylla) -> None:
    root = scylla.start()
    status = scylla.json("task_manager", "task_status/{task_id}", "--task_id", root)
    assert (status["id"], status["type"], status["state"]) == (root, "rebalance", "running")
    tree = scylla.json("task_manager", "task_status_recursive/{task_id}", "--task_id", root)
    assert tree[0]["id"] == root and len(tree) > 1  # node tasks that finished meanwhile are gone (TTL 0)
    assert {t["parent_id"] for t in tree[1:]} == {root}
    assert {t["id"] for t in tree[1:]} <= {child["task_id"] for child in status["children_ids"]}


def test_abort_refused_for_a_non_abortable_task_shows_the_403(scylla: Scylla) -> None:
    task_id = consumer(scylla)
    shown = scylla.run("task_manager", "abort_task/{task_id}", "--task_id", task_id)
    assert shown == f"{{'message': 'task with id {task_id} cannot be aborted', 'code': 403}}"


def test_abort_then_wait_gives_the_failed_status(scylla: Scylla) -> None:
    root = scylla.start()
    assert scylla.run("task_manager", "abort_task/{task_id}", "--task_id", root) == "null"
    status = scylla.json("task_manager", "wait_task/{task_id}", "--task_id", root, "--timeout", "5")
    assert (status["state"], status["error"]) == ("failed", "aborted")


def test_wait_with_a_timeout_shows_the_408(scylla: Scylla) -> None:
    shown = scylla.run("task_manager", "wait_task/{task_id}", "--task_id", consumer(scylla), "--timeout", "1")
    assert "'code': 408" in shown and "did not finish within 1s" in shown


def test_an_unknown_task_id_shows_the_400(scylla: Scylla) -> None:
    shown = scylla.run("task_manager", "task_status/{task_id}", "--task_id", "no-such-task")
    assert shown == "{'message': 'task with id no-such-task not found', 'code': 400}"


def test_ttl_and_user_ttl_get_and_set(scylla: Scylla) -> None:
    before = scylla.json("task_manager", "ttl", "GET")
    assert scylla.json("task_manager", "ttl", "POST", "--ttl", "42") == before
    assert scylla.json("task_manager", "ttl", "GET") == 42
    assert scylla.json("task_manager", "user_ttl", "POST", "--user_ttl", "7200") == 3600
    assert scylla.json("task_manager", "user_ttl", "GET") == 7200


def test_drain_unregisters_the_finished_tasks_and_refuses_an_unknown_module(scylla: Scylla) -> None:
    finished = scylla.start("check_disk")
    scylla.run("task_manager", "abort_task/{task_id}", "--task_id", finished)
    listed = {
        t["task_id"]: t["state"]
        for t in scylla.json("task_manager", "list_module_tasks/{module}", "--module", "distributed")
    }
    assert listed[finished] == "failed"
    assert scylla.run("task_manager", "drain/{module}", "--module", "distributed") == "null"
    after = scylla.json("task_manager", "list_module_tasks/{module}", "--module", "distributed")
    assert finished not in {t["task_id"] for t in after} and all(t["state"] == "running" for t in after)
    shown = scylla.run("task_manager", "drain/{module}", "--module", "compaction")
    assert "'code': 400" in shown and "unknown module 'compaction'" in shown
