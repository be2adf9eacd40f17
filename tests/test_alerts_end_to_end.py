"""One alert end to end, over real sockets: a served engine whose supervisor stays halted past the threshold fires
``supervisor_halted`` at an Alertmanager stand-in, and the restart sends it resolved with ``endsAt``.

The engine runs on a manual clock (the 15 minutes are simulated); the test waits on what the stand-in has received.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from .fake_upstreams import FakeAlertmanager, ServedApp
from .http_support import ServedEngine


def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.02)


@pytest.fixture
def alertmanager() -> Iterator[tuple[FakeAlertmanager, str]]:
    fake = FakeAlertmanager()
    with ServedApp(fake.app()) as served:
        yield fake, served.url


def halted(fake: FakeAlertmanager) -> list[dict[str, Any]]:
    return [alert for alert in fake.alerts() if alert["labels"]["alertname"] == "supervisor_halted"]


def test_a_halted_supervisor_fires_at_the_alertmanager_and_resolves_after_the_restart(
    alertmanager: tuple[FakeAlertmanager, str],
) -> None:
    fake, url = alertmanager
    with ServedEngine(alertmanager=url) as served, served.client() as http:
        http.post(
            "/api/supervisor/jobs",
            json={"name": "balance", "task_type": "balance", "interval_seconds": 600, "start": "2015-03-11 00:28:00"},
        )
        http.post("/api/supervisor/halt")
        http.get("/api/alerts")  # the hold counts from when an evaluation first sees the halt (serve: within 5 s)
        served.advance(899)
        http.get("/api/alerts")
        served.advance(1)
        assert [a["rule"] for a in http.get("/api/alerts").json()["firing"]] == ["supervisor_halted"]
        eventually(lambda: len(halted(fake)) == 1)
        http.post("/api/supervisor/restart")
        served.advance(5)
        assert http.get("/api/alerts").json()["firing"] == []
        eventually(lambda: len(halted(fake)) == 2)
    firing, resolved = halted(fake)
    print("firing:", json.dumps(firing, indent=2), "resolved:", json.dumps(resolved, indent=2), sep="\n")
    assert firing["labels"] == resolved["labels"]
    assert firing["labels"]["severity"] == "critical" and firing["labels"]["cluster"]
    assert firing["startsAt"] == "2015-03-11T00:43:00Z" and "endsAt" not in firing
    assert resolved["endsAt"] == "2015-03-11T00:43:05Z"
    assert "restart the supervisor" in firing["annotations"]["action"]


def test_a_down_alertmanager_leaves_the_server_answering(alertmanager: tuple[FakeAlertmanager, str]) -> None:
    fake, url = alertmanager
    fake.fail_with = 503
    with ServedEngine(alertmanager=url) as served, served.client() as http:
        disk = next(d for d in http.get("/api/disks").json() if d["status"] == "normal" and d["chunk_count"] > 0)
        http.post(f"/api/disks/{disk['disk_id']}/break")
        http.post("/api/task_types/disk_repair/disable")
        assert http.get("/api/alerts").json()["firing"]
        eventually(lambda: fake.refused >= 1)
        assert http.get("/metrics").status_code == 200 and http.get("/api/alerts").status_code == 200
        assert served.alertmanager is not None and "answered 503" in served.alertmanager.status
    assert fake.received == []


def test_serve_refuses_an_alertmanager_url_that_is_not_http(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.http.serve import main

    assert main(["--alertmanager", "alertmanager:9093"]) == 2
    assert "--alertmanager needs an http" in capsys.readouterr().err


def test_the_stand_in_refuses_a_body_that_is_not_a_list(alertmanager: tuple[FakeAlertmanager, str]) -> None:
    _, url = alertmanager
    assert httpx.post(f"{url}/api/v2/alerts", json={"labels": {}}).status_code == 400
