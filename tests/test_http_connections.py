"""Idle, slow and abandoned connections do not last: a deadline for request heads, short keep-alive, a cap on
connections with /api/health still answered, and waits that end when their client leaves."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from engine.http.server import ConnectionLimits

from .http_support import ServedEngine
from .metrics_support import sample

LIMITS = ConnectionLimits(head_timeout=0.6, keep_alive=0.3, max_connections=4)


@pytest.fixture(scope="module")
def served() -> Iterator[ServedEngine]:
    with ServedEngine(limits=LIMITS) as served:
        yield served


def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.02)


def connect(served: ServedEngine) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Reads until the server closes; True when it did (an answer before the close is allowed)."""
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    return True


def open_connections(served: ServedEngine) -> int:
    return len(served.server.server_state.connections)


def test_a_connection_that_sends_nothing_is_closed_after_the_head_deadline(served: ServedEngine) -> None:
    with connect(served) as sock:
        assert closed_by_server(sock)


def test_headers_sent_a_byte_at_a_time_are_cut_off_at_the_head_deadline(served: ServedEngine) -> None:
    head = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    with connect(served) as sock:
        started = time.monotonic()
        sock.settimeout(0.05)
        for byte in head:
            try:
                sock.send(bytes([byte]))
            except OSError:
                break  # the server closed the connection
            try:
                if sock.recv(1) == b"":
                    break
            except TimeoutError:
                continue
        # 200 bytes at ~20 a second would take 10 s; the deadline is 0.6 s.
        assert time.monotonic() - started < 8


def test_an_idle_keep_alive_connection_is_closed_after_a_few_seconds(served: ServedEngine) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert closed_by_server(sock)


def test_a_slow_request_in_flight_is_not_cut_by_the_head_deadline(served: ServedEngine) -> None:
    with served.client() as http:
        task_id = http.post(
            "/api/statements", content="CREATE TASK TYPE rebalance;", headers={"content-type": "text/plain"}
        ).json()["task_id"]
        answer = http.get(f"/task_manager/wait_task/{task_id}", params={"timeout": 1.0})
    assert answer.status_code == 408  # it waited its full second, past the 0.6 s head deadline


def test_past_the_connection_cap_requests_get_503_but_health_is_answered(served: ServedEngine) -> None:
    hogs = [connect(served) for _ in range(LIMITS.max_connections)]
    try:
        eventually(lambda: open_connections(served) >= LIMITS.max_connections)
        with httpx.Client(base_url=served.url, timeout=5) as http:
            busy = http.get("/stats")
            health = http.get("/api/health")
        assert (busy.status_code, busy.json()["code"]) == (503, "Busy")
        assert busy.headers["retry-after"] == "1"
        assert health.status_code == 200
    finally:
        for hog in hogs:
            hog.close()


def open_waits(http: httpx.Client) -> int:
    return int(sample(http.get("/metrics").text, "schedtop_http_open_waits"))


def test_a_wait_ends_when_its_client_goes_away(served: ServedEngine) -> None:
    with served.client() as http:
        task_id = http.post(
            "/api/statements", content="CREATE TASK TYPE rebalance;", headers={"content-type": "text/plain"}
        ).json()["task_id"]
        sock = connect(served)
        sock.sendall(f"GET /task_manager/wait_task/{task_id} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        eventually(lambda: open_waits(http) == 1)
        sock.close()
        eventually(lambda: open_waits(http) == 0)


def test_a_client_leaving_mid_body_logs_no_error(served: ServedEngine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    eventually(lambda: open_connections(served) == 0)  # earlier tests' connections are gone
    with connect(served) as sock:
        sock.sendall(
            b"POST /api/statements HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 1000\r\n\r\nCREATE TASK"
        )
        eventually(lambda: open_connections(served) == 1)
    eventually(lambda: open_connections(served) == 0)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []


def test_a_bug_is_one_logged_500_and_the_keep_alive_connection_survives(
    served: ServedEngine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> None:
        raise RuntimeError("a bug in the engine")

    caplog.set_level(logging.WARNING)
    monkeypatch.setattr(served.engine, "stats", broken)
    with served.client() as http:
        answer = http.get("/stats")
        monkeypatch.undo()
        after = http.get("/stats")  # the same pooled connection
    assert (answer.status_code, answer.json()) == (500, {"error": "internal error: RuntimeError", "code": "Internal"})
    assert after.status_code == 200
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1 and "unexpected error on GET /stats" in errors[0].getMessage()
