"""Alerts on screen: the header's count, the ``!`` list with how to act, acknowledging, and the history.

The embedded engine runs on a manual clock, so a rule's hold time passes exactly when the test advances it; the
``[alerts]`` table of the config sets the thresholds (low ones here) and switches the rules not under test off.
"""

from __future__ import annotations

import socket
from pathlib import Path

from rich.style import Style
from textual.app import App, ComposeResult

from app.config import Config
from app.schedtop_app import SchedtopApp
from app.sources.remote import remote_source
from engine.engine import Engine
from engine.model import AlertRules, Severity
from tests.app_support import add_schedule, running, screen_text
from tests.fake_upstreams import FakeAlertmanager, ServedApp
from tests.test_app_remote_down import Server, wait_until
from widgets.status_bar import StatusBar, StatusInfo

ONLY_HALTED = AlertRules(
    supervisor_halted_seconds=60,
    disabled=[
        "supervisor_run_hanging",
        "root_task_failed",
        "repair_stalled",
        "error_rate_high",
        "task_type_disabled_with_broken_disks",
        "node_down",
    ],
)


async def halt(engine: Engine) -> None:
    await add_schedule(engine)  # the supervisor halts only with a schedule to run
    await engine.supervisor_halt()


def header(app: object) -> str:
    return screen_text(app).splitlines()[0]  # type: ignore[arg-type]


async def test_a_halted_supervisor_alerts_in_the_header_the_list_and_the_history() -> None:
    async with running(Config(alerts=ONLY_HALTED)) as (app, pilot, engine):
        assert "alert" not in header(app)  # nothing fires: the header says nothing of alerts
        await halt(engine)
        await engine.advance(30)
        await app.refresh_data()
        await pilot.pause()
        assert "alert" not in header(app)  # HALTED, but not yet for the threshold
        await engine.advance(60)
        await app.refresh_data()
        await pilot.pause()
        assert "⚠ 1 alert " in header(app)
        assert app.status_info().alerts_severity is not None and app.status_info().alerts_severity.value == "critical"

        await pilot.press("exclamation_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "supervisor_halted" in text and "critical" in text
        assert "How to act:" in text and "restart the supervisor" in text

        await pilot.press("a")  # acknowledge the selected (only) alert
        await pilot.pause()
        assert "acknowledged" in screen_text(app)
        assert "alert" not in header(app)  # seen: it no longer counts, though it fires on
        (node,) = app.nodes
        (firing,) = node.alerts.view().firing
        assert firing.acknowledged

        await engine.supervisor_restart()
        await engine.advance(1)
        await app.refresh_data()
        await pilot.pause()
        text = screen_text(app)
        assert "no alert fires" in text  # the list follows the refreshes while open
        assert "History" in text and "supervisor_halted" in text  # …and the cleared alert stays in the history
        assert [alert.rule for alert in node.alerts.view().history] == ["supervisor_halted"]

        await pilot.press("escape")
        await pilot.pause()
        assert "schedtop alerts" not in screen_text(app)


async def test_the_count_takes_the_colour_of_the_worst_severity() -> None:
    class Bar(App[None]):
        def compose(self) -> ComposeResult:
            yield StatusBar(StatusInfo(alerts=2, alerts_severity=Severity.WARNING))

    app = Bar()
    async with app.run_test(size=(120, 3)) as pilot:
        bar = app.query_one(StatusBar)

        def count_style() -> Style:
            (piece,) = [text for _, text in bar._parts() if "alert" in text.plain]
            assert isinstance(piece.style, Style)
            return piece.style

        assert "⚠ 2 alerts" in bar.render().plain and count_style() == bar._style("warn")
        bar.show(StatusInfo(alerts=1, alerts_severity=Severity.CRITICAL))
        await pilot.pause()
        assert "⚠ 1 alert " in bar.render().plain and count_style() == bar._style("bad")
        assert bar._style("warn").color != bar._style("bad").color
        bar.show(StatusInfo())
        await pilot.pause()
        assert "alert" not in bar.render().plain


async def test_the_alerts_key_works_read_only_and_can_be_remapped() -> None:
    config = Config(read_only=True, keys={"alerts": "A", "alert_ack": "k"}, alerts=ONLY_HALTED)
    async with running(config) as (app, pilot, engine):
        await halt(engine)
        await app.refresh_data()  # the rules measure HALTED from the refresh that first sees it
        await engine.advance(61)
        await app.refresh_data()
        await pilot.pause()
        assert "⚠ 1 alert " in header(app)
        await pilot.press("A")
        await pilot.pause()
        assert "k acknowledges" in screen_text(app)
        await pilot.press("k")
        await pilot.pause()
        assert "alert" not in header(app)


async def test_node_down_fires_for_a_remote_node_that_stays_down_and_resolves_when_it_returns(tmp_path: Path) -> None:
    server = Server(tmp_path / "store.db")
    url = server.start()
    rules = AlertRules(node_down_seconds=0.5, disabled=[name for name in ONLY_HALTED.disabled if name != "node_down"])
    app = SchedtopApp(remote_source(url), Config(refresh=0.2, alerts=rules))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.connection == "connected" and bool(app.model.rows), 10)
            assert app.status_info().alerts == 0
            server.kill()
            await wait_until(pilot, lambda: app.status_info().alerts == 1, 10)
            await pilot.pause(0.3)
            assert "⚠ 1 alert " in header(app)
            await pilot.press("exclamation_mark")
            await pilot.pause()
            text = screen_text(app)
            assert "node_down" in text and "does not answer" in text and "critical" in text
            server.start()  # the same port: the node answers again and the alert clears into the history
            await wait_until(pilot, lambda: app.status_info().alerts == 0, 10)
            await pilot.pause(0.3)
            assert [alert.rule for alert in app.node.alerts.view().history] == ["node_down"]
            assert "no alert fires" in screen_text(app)
    finally:
        server.stop()


async def test_the_dashboard_posts_a_firing_and_then_a_resolved_alert_to_the_alertmanager() -> None:
    fake = FakeAlertmanager()
    with ServedApp(fake.app()) as alertmanager:
        async with running(Config(alerts=ONLY_HALTED), alertmanager=alertmanager.url) as (app, pilot, engine):
            await halt(engine)
            await app.refresh_data()
            await engine.advance(60)
            await app.refresh_data()
            await wait_until(pilot, lambda: len(fake.alerts()) == 1, 10)
            await engine.supervisor_restart()
            await app.refresh_data()
            await wait_until(pilot, lambda: len(fake.alerts()) == 2, 10)
    firing, resolved = fake.alerts()
    assert firing["labels"]["alertname"] == "supervisor_halted" and firing["labels"]["node"]
    assert "endsAt" not in firing and resolved["labels"] == firing["labels"] and "endsAt" in resolved


async def test_a_down_alertmanager_is_a_notification_and_the_dashboard_runs_on() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with running(Config(alerts=ONLY_HALTED), alertmanager=nowhere) as (app, pilot, engine):
        await halt(engine)
        await app.refresh_data()
        await engine.advance(60)
        await app.refresh_data()
        await wait_until(pilot, lambda: any("cannot reach it" in m for m in app.notification_messages), 10)
        await app.refresh_data()
        assert "⚠ 1 alert " in header(app)
