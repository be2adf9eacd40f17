"""The real ``schedtop`` command in a real terminal (tmux): it starts, shows live data, reacts to keys, quits."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.app_support import Tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SCHEDTOP = Path(sys.executable).with_name("schedtop")


def test_schedtop_runs_in_tmux_and_answers_keys(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("refresh = 0.5\n")
    # COLUMNS/LINES from the test run would override the pane size
    command = (
        f"env -u COLUMNS -u LINES SCHEDTOP_CONFIG={config} TERM=screen-256color "
        f"{SCHEDTOP} --seed 3; echo schedtop-exited-$?; sleep 5"
    )
    tmux = Tmux()
    try:
        tmux.start("main", command)
        tmux.wait_for("main", "task types")  # the 120×40 layout, after any resize
        screen = tmux.wait_for("main", "sim-3 · embedded", plain=True)  # a capture may catch a half-drawn frame
        assert "connected" in screen and "task types" in screen
        tmux.keys("main", "p")
        tmux.wait_for("main", "PAUSED")
        tmux.keys("main", "?")
        tmux.wait_for("main", "schedtop keys")
        tmux.keys("main", "Escape")
        time.sleep(0.3)
        tmux.keys("main", "3")
        tmux.wait_for("main", "minutes ago")
        tmux.keys("main", "q")
        tmux.wait_for("main", "schedtop-exited-0")
    finally:
        tmux.close()


def test_keys_sent_in_one_burst_after_slash_all_land_in_the_filter(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("refresh = 0.5\nscreen = 2\n")
    command = (
        f"env -u COLUMNS -u LINES SCHEDTOP_CONFIG={config} TERM=screen-256color "
        f"{SCHEDTOP} --seed 3; echo schedtop-exited-$?; sleep 5"
    )
    tmux = Tmux()
    try:
        tmux.start("burst", command)
        tmux.wait_for("burst", "sort: ", plain=True)  # the tasks screen's summary line
        tmux.keys("burst", "/a", "Enter")  # one send-keys: the terminal delivers "/a\r" in one read
        screen = tmux.wait_for("burst", "filter: 'a'", plain=True)
        assert "Abort task" not in screen and "sort: " in screen
        tmux.keys("burst", "/zq")
        screen = tmux.wait_for("burst", "filter: 'zq'", plain=True)
        assert "schedtop-exited" not in screen and "sort: " in screen
        tmux.keys("burst", "Enter", "q")  # Enter hands the keys back to the task view, where q quits
        tmux.wait_for("burst", "schedtop-exited-0")
    finally:
        tmux.close()
