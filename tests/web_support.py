"""A real ``schedtop web`` for tests, and a headless Chromium that reads what its terminal shows.

:class:`RunningWeb` starts ``python -m app web --port 0 …`` and waits for the line that says where it listens.
:class:`BrowserTerminal` opens the page in Debian's Chromium (driven by Playwright, no browser download) and keeps a
copy of the terminal the page draws: xterm.js paints on a canvas, so the bytes the page's WebSocket receives are
fed to a terminal emulator (pyte) sized as the page sized its xterm, and :meth:`BrowserTerminal.wait_for` polls
that screen for a condition.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pyte
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LISTENING = re.compile(r"listening on (http://\S+) \((?:shared engine (http://\S+), )?")
START_TIMEOUT = 30.0


def chromium_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        found = shutil.which("chromium")
        if found is None:
            pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
        return found
    return CHROMIUM


class RunningWeb:
    """``schedtop web`` in a child process; ``url`` is its page, ``engine_url`` the shared engine's (if any)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.env = {**os.environ, **(env or {})}
        if env is None or "SCHEDTOP_TOKEN" not in env:
            self.env.pop("SCHEDTOP_TOKEN", None)
        self.lines: list[str] = []
        self.url = ""
        self.engine_url: str | None = None
        self._listening = threading.Event()

    def __enter__(self) -> RunningWeb:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "web", "--port", "0", *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._listening.wait(START_TIMEOUT):
            self.stop()
            raise AssertionError(f"schedtop web did not listen; it said: {self.said()}")
        return self

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip())
            if match := LISTENING.search(line):
                self.url, self.engine_url = match.group(1), match.group(2)
                self._listening.set()
        self._listening.set()  # exited: no need to wait on

    def said(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=20)
        self._reader.join(timeout=5)
        return code

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_web(*args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """``schedtop web ARGS`` to its end, for options it refuses."""
    env = {key: value for key, value in os.environ.items() if key != "SCHEDTOP_TOKEN"}
    return subprocess.run(
        [sys.executable, "-m", "app", "web", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


class BrowserTerminal:
    """One page of ``schedtop web`` in a browser, with the text its terminal shows (``screen_text``)."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.requests: list[str] = []
        self.failed: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", lambda request: self.failed.append(request.url))
        page.on("websocket", self._watch)

    def _watch(self, websocket: Any) -> None:
        websocket.on("framereceived", self._received)
        websocket.on("framesent", self._sent)

    def _received(self, payload: bytes | str) -> None:
        if isinstance(payload, bytes):  # terminal output; text frames are the relay's own (pong, …)
            self.stream.feed(payload)

    def _sent(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            message = json.loads(payload)
            if message[0] == "resize":
                self.screen.resize(message[1]["height"], message[1]["width"])

    def open(self) -> BrowserTerminal:
        self.page.goto(self.url)
        return self

    @property
    def screen_text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        """Poll the screen until ``condition(text)`` holds (the browser's events are handled meanwhile)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen_text
            if condition(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never showed {what}; it shows:\n{text}")
            self.page.wait_for_timeout(50)

    def press(self, key: str) -> None:
        """A key typed into the terminal (xterm reads keys from its hidden textarea)."""
        self.page.focus(".xterm-helper-textarea")
        self.page.keyboard.press(key)


def header(text: str) -> str:
    return text.splitlines()[0] if text else ""


def contains_all(*parts: str) -> Callable[[str], bool]:
    return lambda text: all(part in text for part in parts)


def lacks(text: str, parts: Sequence[str]) -> bool:
    return not any(part in text for part in parts)
