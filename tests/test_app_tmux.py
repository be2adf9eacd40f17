"""The real ``schedtop`` command in a real terminal (tmux): it starts, shows live data, reacts to keys, quits."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SCHEDTOP = Path(sys.executable).with_name("schedtop")


def capture(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True, check=True
    ).stdout


def wait_for(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} did not appear; the screen shows:\n{screen}")


def test_schedtop_runs_in_tmux_and_answers_keys(tmp_path: Path) -> None:
    session = f"schedtop-test-{uuid.uuid4().hex[:8]}"
    config = tmp_path / "config.toml"
    config.write_text("refresh = 0.5\n")
    command = (
        f"env -u COLUMNS -u LINES SCHEDTOP_CONFIG={config} TERM=screen-256color "
        f"{SCHEDTOP} --seed 3; echo schedtop-exited-$?; sleep 5"
    )
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True)
    # COLUMNS/LINES from the test run would override the pane size; and a running tmux server may size new
    # windows its own way: pin this one to 120×40.
    subprocess.run(["tmux", "set-option", "-t", session, "window-size", "manual"], capture_output=True)
    subprocess.run(["tmux", "resize-window", "-t", session, "-x", "120", "-y", "40"], capture_output=True)
    try:
        screen = wait_for(session, "task types")  # the 120×40 layout, after any resize
        assert "sim-3/" in screen and "connected" in screen and "task types" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "p"], check=True)
        wait_for(session, "PAUSED")
        subprocess.run(["tmux", "send-keys", "-t", session, "?"], check=True)
        wait_for(session, "schedtop keys")
        subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
        time.sleep(0.3)
        subprocess.run(["tmux", "send-keys", "-t", session, "3"], check=True)
        wait_for(session, "minutes ago")
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        wait_for(session, "schedtop-exited-0")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
