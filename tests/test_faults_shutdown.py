"""SIGTERM stops ``python -m engine`` and ``schedtop serve`` cleanly: the store is consistent and a restart shows
the same tasks, with the same states and progress."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from engine.engine import Engine
from tests.faults_support import read_store, resume_config
from tests.metrics_support import sample

ROOT = Path(__file__).resolve().parent.parent
SCHEDTOP = Path(sys.executable).parent / "schedtop"


def terminate(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the process did not stop within 15 s of SIGTERM") from None
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""


def assert_closed_cleanly(db: Path) -> dict[str, Any]:
    assert not db.with_name(db.name + "-wal").exists(), "the last connection checkpointed and removed its WAL"
    stored = read_store(db)  # (a read-only reader leaves an empty WAL behind: check before reading)
    assert stored["integrity"] == "ok"
    assert stored["duplicate_runs"] == []
    return stored


def statuses(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["status"]["id"]: row["status"] for row in rows}


def run_engine_until_repairing_then_sigterm(db: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", "--db", str(db), "--demo", "--speed", "60", "--seed", "4"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while "chunk migrations queued" not in process.stdout.readline():  # a disk broke: repairs are running
            assert process.poll() is None and time.monotonic() < deadline, "no repair started within 30 s"
        time.sleep(0.5)
    finally:
        terminate(process)


async def test_sigterm_to_python_m_engine_leaves_a_store_that_reopens_with_the_same_tasks(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    run_engine_until_repairing_then_sigterm(db)
    stored = assert_closed_cleanly(db)
    assert any(record["module"] == "disk_repair" for record, _ in stored["tasks"].values())

    engine = await Engine.open(resume_config(db))
    try:
        assert set(engine.tm.tasks) == set(stored["tasks"])
        for task_id, (record, _) in stored["tasks"].items():
            task = engine.tm.tasks[task_id]
            assert (task.state.value, task.progress_completed, task.error) == (
                record["state"],
                record["progress_completed"],
                record["error"],
            )
    finally:
        await engine.close()


def start_server(db: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [str(SCHEDTOP), "serve", "--db", str(db), "--port", "0", *(options or ("--speed", "0.01"))],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"listening on (http://\S+)", line)
    if found is None:
        process.kill()
        raise AssertionError(f"schedtop serve did not start: {line!r}")
    return process, found.group(1)


def test_sigterm_to_schedtop_serve_keeps_every_task_for_the_next_start(tmp_path: Path) -> None:
    db = tmp_path / "engine.db"
    process, url = start_server(db)
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            http.post("/api/disks/101/break").raise_for_status()
            statement = http.post("/api/statements", json={"statement": "CREATE TASK TYPE rebalance LOCATION SYSTEM;"})
            statement.raise_for_status()
            deadline = time.monotonic() + 10
            while True:  # the tick after the break builds the repair tree
                before = http.get("/api/snapshot", params={"since": 0}).json()
                if sum(row["module"] == "disk_repair" for row in before["tasks"]) > 1:
                    break
                assert time.monotonic() < deadline, "the repair tree never appeared"
                time.sleep(0.05)
    finally:
        terminate(process)
    stored = assert_closed_cleanly(db)

    process, url = start_server(db)
    try:
        with httpx.Client(base_url=url, timeout=10) as http:
            after = http.get("/api/snapshot", params={"since": 0}).json()
    finally:
        terminate(process)
    assert set(statuses(after["tasks"])) == set(stored["tasks"])
    shown_before, shown_after = statuses(before["tasks"]), statuses(after["tasks"])
    assert set(shown_after) == set(shown_before), "the restart shows the same tasks"
    for task_id, status in shown_before.items():
        for field in ("state", "type", "parent_id", "sequence_number", "entity", "progress_total", "error"):
            assert shown_after[task_id][field] == status[field], (task_id, field)
        assert shown_after[task_id]["progress_completed"] >= status["progress_completed"]


def open_waits(http: httpx.Client) -> int:
    return int(sample(http.get("/metrics").text, "schedtop_http_open_waits"))


def test_sigterm_with_waits_open_answers_them_503_and_stops_at_once_without_a_traceback(tmp_path: Path) -> None:
    process, url = start_server(tmp_path / "engine.db")
    answers: list[httpx.Response] = []
    with httpx.Client(base_url=url, timeout=30) as http:
        task_id = http.post("/api/statements", json={"statement": "CREATE TASK TYPE rebalance;"}).json()["task_id"]
        waiters = [
            threading.Thread(
                target=lambda: answers.append(httpx.get(f"{url}/task_manager/wait_task/{task_id}", timeout=30))
            )
            for _ in range(3)
        ]
        for waiter in waiters:
            waiter.start()
        deadline = time.monotonic() + 10
        while open_waits(http) < 3:
            assert time.monotonic() < deadline, "the waits never opened"
            time.sleep(0.02)
    sent = time.monotonic()
    terminate(process)
    stopped_after = time.monotonic() - sent
    for waiter in waiters:
        waiter.join(timeout=10)
    assert [answer.status_code for answer in answers] == [503, 503, 503]
    assert "shutting down" in answers[0].json()["message"]
    assert stopped_after < 2.5, f"stopped {stopped_after:.2f} s after SIGTERM (uvicorn's own limit is 3 s)"
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()
