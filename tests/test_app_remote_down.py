"""The dashboard against ``schedtop serve`` in another process: the server dies, the UI says so, the server comes
back on the same port, and the UI reconnects by itself."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.config import Config
from app.schedtop_app import SchedtopApp
from app.sources.remote import remote_source
from tests.app_support import Tmux, screen_text

SCHEDTOP = Path(sys.executable).with_name("schedtop")
LISTENING = re.compile(r"listening on (http://[\d.]+:(\d+))")
RECONNECT_WITHIN = 5.0


class Server:
    """``schedtop serve`` on a loopback port with a store file, as a real separate process."""

    def __init__(self, db: Path, port: int = 0) -> None:
        self.db = db
        self.port = port
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self, timeout: float = 20.0) -> str:
        self.process = subprocess.Popen(
            [str(SCHEDTOP), "serve", "--port", str(self.port), "--db", str(self.db), "--seed", "3", "--demo"],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + timeout
        assert self.process.stderr is not None
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            match = LISTENING.search(line)
            if match:
                self.url, self.port = match.group(1), int(match.group(2))
                return self.url
            if not line and self.process.poll() is not None:
                break
        raise AssertionError(f"schedtop serve did not start (exit code {self.process.poll()})")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # like a crash: no clean shutdown
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def wait_until(pilot: object, condition: Callable[[], bool], timeout: float) -> float:
    """Let the app run until ``condition`` holds; returns how long it took."""
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > timeout:
            raise AssertionError(f"not within {timeout} s")
        await pilot.pause(0.1)  # type: ignore[attr-defined]
    return time.monotonic() - began


async def test_the_ui_survives_the_server_going_away_and_reconnects_when_it_returns(tmp_path: Path) -> None:
    server = Server(tmp_path / "store.db")
    url = server.start()
    app = SchedtopApp(remote_source(url), Config(refresh=0.2))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: app.connection == "connected" and bool(app.model.rows), 10)
            tasks_before = set(app.model.rows)
            server.kill()
            await wait_until(pilot, lambda: app.connection == "disconnected", 5)
            await pilot.pause(1.2)
            text = screen_text(app)
            assert "✖ disconnected" in text
            age = re.search(r"age (\d+)s", text)
            assert age is not None and int(age.group(1)) >= 1  # the data's age keeps counting during the outage
            assert set(app.model.rows) == tasks_before  # the last data stays on screen
            assert "disk_repair" in text
            server.start()  # same port, same store
            took = await wait_until(pilot, lambda: app.connection == "connected", RECONNECT_WITHIN)
            await pilot.pause()
            assert "● connected" in screen_text(app) and "age 0s" in screen_text(app)
            assert took <= RECONNECT_WITHIN
    finally:
        server.stop()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_real_command_in_tmux_rides_out_a_server_restart(tmp_path: Path) -> None:
    server = Server(tmp_path / "store.db")
    url = server.start()
    config = tmp_path / "config.toml"
    config.write_text("refresh = 0.5\n")
    tmux = Tmux()
    try:
        tmux.start("dashboard", f"env -u COLUMNS -u LINES SCHEDTOP_CONFIG={config} {SCHEDTOP} --connect {url}; sleep 5")
        tmux.wait_for("dashboard", "● connected", timeout=20)
        server.kill()
        tmux.wait_for("dashboard", "disconnected", timeout=10)
        server.start()
        tmux.wait_for("dashboard", "● connected", timeout=RECONNECT_WITHIN + 1)  # the same process, reconnected
    finally:
        tmux.close()
        server.stop()
