"""Who may change things: the bearer token on mutating endpoints, the body limit, and serve's refusal to expose."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engine.http.security import is_loopback
from engine.http.serve import main as serve_main
from engine.http.serve import read_token

from .http_support import ServedEngine
from .test_faults_shutdown import start_server, terminate

TOKEN = "s3cret-token-0123456789abcdef"


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine(token=TOKEN, max_body_bytes=4096) as served:
        yield served


def test_read_only_endpoints_stay_open_without_a_token(served: ServedEngine) -> None:
    with served.client() as http:
        assert http.get("/stats").status_code == 200
        assert http.get("/task_manager/ttl").status_code == 200


def test_a_change_without_a_token_is_401_in_the_endpoints_error_shape(served: ServedEngine) -> None:
    with served.client() as http:
        scylla = http.post("/task_manager/ttl", params={"ttl": 5})
        cubefs = http.post("/manual/migrate/task/add", json={"vuid": 1})
    assert (scylla.status_code, scylla.json()["code"]) == (401, 401)
    assert (cubefs.status_code, set(cubefs.json())) == (401, {"error", "code"})
    assert scylla.headers["www-authenticate"].startswith("Bearer")


def test_a_change_with_a_wrong_token_is_403(served: ServedEngine) -> None:
    with served.client(token="not-the-token") as http:
        assert http.post("/api/supervisor/halt").status_code == 403


def test_editing_or_removing_a_job_without_the_token_is_401_and_changes_nothing(served: ServedEngine) -> None:
    with served.client(token=TOKEN) as http:
        job = http.post(
            "/api/supervisor/jobs", json={"name": "guarded", "task_type": "balance", "interval_seconds": 60}
        )
        job_id = job.json()["id"]
    with served.client() as http:
        assert http.patch(f"/api/supervisor/jobs/{job_id}", json={"enabled": False}).status_code == 401
        assert http.delete(f"/api/supervisor/jobs/{job_id}").status_code == 401
        (listed,) = [j for j in http.get("/api/supervisor/jobs").json()["jobs"] if j["id"] == job_id]
    assert listed["enabled"] is True


def test_a_change_with_the_token_goes_through(served: ServedEngine) -> None:
    with served.client(token=TOKEN) as http:
        before = http.get("/task_manager/ttl").json()
        assert http.post("/task_manager/ttl", params={"ttl": before}).status_code == 200


def test_a_body_over_the_limit_is_413(served: ServedEngine) -> None:
    with served.client(token=TOKEN) as http:
        answer = http.post("/api/statements", content=b"x" * 5000, headers={"content-type": "text/plain"})
    assert answer.status_code == 413


def test_a_streamed_body_over_the_limit_is_413(served: ServedEngine) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"y" * 1000

    with served.client(token=TOKEN) as http:
        answer = http.post("/api/statements", content=chunks(), headers={"content-type": "text/plain"})
    assert answer.status_code == 413


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
        ("::", False),
        ("storage-01", False),
    ],
)
def test_loopback_addresses_are_recognised(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_serve_refuses_a_non_loopback_address_without_a_token(monkeypatch, capsys) -> None:
    monkeypatch.delenv("SCHEDTOP_TOKEN", raising=False)
    assert serve_main(["--host", "0.0.0.0", "--port", "0"]) == 2
    assert "needs a bearer token" in capsys.readouterr().err


def test_serve_refuses_a_token_that_is_too_short(monkeypatch, capsys) -> None:
    monkeypatch.setenv("SCHEDTOP_TOKEN", "short")
    assert serve_main(["--host", "0.0.0.0"]) == 2
    assert "too short" in capsys.readouterr().err


def test_serve_refuses_an_empty_token_file(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "token"
    empty.write_text("\n")
    assert serve_main(["--host", "0.0.0.0", "--token-file", str(empty)]) == 2
    assert "empty" in capsys.readouterr().err


def test_the_token_file_wins_over_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\nignored second line\n")
    assert read_token(path, {"SCHEDTOP_TOKEN": "from-the-environment"}) == TOKEN


def test_the_served_command_guards_changes_and_never_logs_the_token(tmp_path: Path) -> None:
    env = {**os.environ, "SCHEDTOP_TOKEN": TOKEN}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine.http.serve",
            "--port",
            "0",
            "--db",
            str(tmp_path / "s.db"),
            "--log-level",
            "info",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        url = _listening_url(process)
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/api/health").json() == {"status": "ok"}
            assert http.post("/api/supervisor/halt").status_code == 401
            authorised = {"Authorization": f"Bearer {TOKEN}"}
            assert http.post("/task_manager/user_ttl", params={"user_ttl": 60}, headers=authorised).status_code == 200
            wrong = {"Authorization": "Bearer x"}
            assert http.post("/task_manager/user_ttl", params={"user_ttl": 60}, headers=wrong).status_code == 403
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "POST /task_manager/user_ttl" in output  # the access log is on, and still the token is nowhere
    assert TOKEN not in output


def _listening_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "listening on" in line:
            return line.rsplit(" ", 1)[-1].strip()
        if not line and process.poll() is not None:
            break
    raise AssertionError("schedtop serve did not start")


def test_serve_refuses_a_connection_cap_below_one(capsys) -> None:
    assert serve_main(["--max-connections", "0"]) == 2
    assert "--max-connections" in capsys.readouterr().err


def test_the_served_snapshot_names_the_node_by_its_real_address_and_allowed_names_are_answered(
    tmp_path: Path,
) -> None:
    process, url = start_server(tmp_path / "s.db", "--allow-host", "sched-01.example")
    try:
        port = url.rsplit(":", 1)[1]
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/api/snapshot").json()["cluster"]["node"] == f"127.0.0.1:{port}"
            named = http.get("/api/health", headers={"host": f"sched-01.example:{port}"})
            other = http.get("/api/health", headers={"host": f"sched-02.example:{port}"})
    finally:
        terminate(process)
    assert (named.status_code, other.status_code) == (200, 421)
