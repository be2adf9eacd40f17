"""The Alertmanager sender over a real socket, against a stand-in that records what it receives: firing alerts with
their labels, re-sent while they fire, resolved ones once with endsAt, and an Alertmanager down or failing costing a
message and a retry, never an exception. Time is a fake clock: no test waits for a resend."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from engine.alerts import AlertEvaluator
from engine.alerts.alertmanager import AlertmanagerSender
from engine.model import AlertRules, AlertsView

from .fake_time import FakeTime
from .fake_upstreams import FakeAlertmanager, ServedApp

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def manager() -> Iterator[tuple[FakeAlertmanager, str]]:
    fake = FakeAlertmanager()
    with ServedApp(fake.app()) as served:
        yield fake, served.url


def down_url() -> str:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


class Rig:
    """One node's evaluator (node_down fires at once) and a sender on a fake clock."""

    def __init__(self, url: str, messages: list[str] | None = None) -> None:
        self.time = FakeTime()
        self.wall = T0
        self.messages: list[str] = messages if messages is not None else []
        self.sender = AlertmanagerSender(
            url, monotonic=self.time.clock, wall=lambda: self.wall, log=self.messages.append
        )
        self.evaluator = AlertEvaluator(AlertRules(node_down_seconds=0))

    def node(self, up: bool, *, after: float = 0.0, source: str = "a") -> AlertsView:
        self.time.now += after
        self.wall += timedelta(seconds=after)
        view = self.evaluator.observe(nodes={"db-1": up}, now=self.wall)
        self.sender.observe(source, view.firing, view.history, generator_url="http://db-1:9800/api/alerts")
        return view


async def test_a_firing_alert_arrives_with_its_labels_and_annotations(manager: tuple[FakeAlertmanager, str]) -> None:
    fake, url = manager
    rig = Rig(url)
    rig.node(up=False)
    assert await rig.sender.flush()
    [[alert]] = fake.received
    assert alert["labels"] == {
        "alertname": "node_down",
        "severity": "critical",
        "node": "db-1",
        "alert_id": "node_down:node/db-1",
        "subject": "node db-1",
    }
    assert alert["annotations"]["summary"] == "node db-1 does not answer"
    assert "network" in alert["annotations"]["action"] and alert["annotations"]["description"]
    assert alert["startsAt"] == "2026-11-30T12:00:00Z" and "endsAt" not in alert
    assert alert["generatorURL"] == "http://db-1:9800/api/alerts"
    await rig.sender.close()


async def test_a_firing_alert_is_sent_again_only_once_the_resend_time_has_passed(
    manager: tuple[FakeAlertmanager, str],
) -> None:
    fake, url = manager
    rig = Rig(url)
    rig.node(up=False)
    await rig.sender.flush()
    rig.node(up=False, after=30)
    assert rig.sender.due() == []
    rig.node(up=False, after=30)
    await rig.sender.flush()
    assert [len(batch) for batch in fake.received] == [1, 1]
    await rig.sender.close()


async def test_a_cleared_alert_is_sent_once_resolved_with_ends_at(manager: tuple[FakeAlertmanager, str]) -> None:
    fake, url = manager
    rig = Rig(url)
    rig.node(up=False)
    await rig.sender.flush()
    rig.node(up=True, after=20)
    await rig.sender.flush()
    await rig.sender.flush()
    firing, resolved = fake.alerts()
    assert resolved["labels"] == firing["labels"]
    assert resolved["startsAt"] == "2026-11-30T12:00:00Z" and resolved["endsAt"] == "2026-11-30T12:00:20Z"
    assert len(fake.received) == 2
    await rig.sender.close()


async def test_two_sources_with_the_same_alert_send_two_alerts(manager: tuple[FakeAlertmanager, str]) -> None:
    fake, url = manager
    rig = Rig(url)
    view = rig.node(up=False, source="cluster-a")
    rig.sender.observe("cluster-b", [a.model_copy(update={"cluster": "b"}) for a in view.firing])
    await rig.sender.flush()
    assert sorted(alert["labels"].get("cluster", "") for alert in fake.alerts()) == ["", "b"]
    await rig.sender.close()


async def test_an_alertmanager_answering_500_gets_a_message_and_the_alerts_later(
    manager: tuple[FakeAlertmanager, str],
) -> None:
    fake, url = manager
    fake.fail_with = 500
    rig = Rig(url)
    rig.node(up=False)
    assert not await rig.sender.flush()
    rig.node(up=True, after=1)
    assert not await rig.sender.flush()
    [message] = rig.messages
    assert "answered 500" in message and "stand-in told to fail" in message and "retrying" in message
    assert "answered 500" in rig.sender.status
    fake.fail_with = None
    rig.time.now += 60
    assert await rig.sender.flush()
    [resolved] = fake.alerts()
    assert resolved["endsAt"] == "2026-11-30T12:00:01Z"
    assert "reachable again" in rig.messages[-1] and rig.sender.status == ""
    await rig.sender.close()


async def test_a_down_alertmanager_costs_a_message_and_a_backed_off_retry_never_an_exception() -> None:
    rig = Rig(down_url())
    rig.node(up=False)
    first = rig.sender.kick()
    assert first is not None and not await first
    assert "cannot reach it" in rig.sender.status
    assert rig.sender.kick() is None  # backing off: no new attempt before the retry time
    rig.time.now += 10
    second = rig.sender.kick()
    assert second is not None and not await second
    assert len(rig.messages) == 1  # one message per kind of trouble, not one per retry
    await rig.sender.close()


def test_a_url_that_is_not_http_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="--alertmanager needs an http"):
        AlertmanagerSender("alertmanager:9093")
