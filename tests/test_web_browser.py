"""``schedtop web`` in a real headless browser (Debian's Chromium): the page shows the dashboard and answers keys.

One ``schedtop web`` (with its shared engine) and one page serve the first tests; each test checks one thing on
them. What the terminal shows is read from the bytes the page's WebSocket receives (see tests/web_support.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import sync_playwright

from .web_support import CHROMIUM_ARGS, BrowserTerminal, RunningWeb, chromium_path, contains_all, header, lacks

MAIN_SCREEN = ("task types", "disk migrations")
TASKS_SCREEN = ("sort:", "shown")
TOKEN = "a-token-of-twenty-chars"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def web() -> Iterator[RunningWeb]:
    with RunningWeb() as running:
        yield running


@pytest.fixture(scope="module")
def dashboard(browser: Any, web: RunningWeb) -> Iterator[BrowserTerminal]:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    terminal = BrowserTerminal(page, web.url).open()
    terminal.wait_for(contains_all(*MAIN_SCREEN), "the main screen")
    yield terminal
    page.close()


def test_the_page_shows_the_dashboard_and_a_key_changes_the_screen(dashboard: BrowserTerminal) -> None:
    before = dashboard.wait_for(contains_all(*MAIN_SCREEN), "the main screen")
    assert lacks(before, TASKS_SCREEN)
    dashboard.press("2")
    after = dashboard.wait_for(
        lambda text: contains_all(*TASKS_SCREEN)(text) and lacks(text, MAIN_SCREEN), "the tasks screen"
    )
    print(f"before '2':\n{before}\n\nafter '2':\n{after}")  # shown with -s: what the browser displayed
    assert dashboard.page.locator("body.-first-byte").count() == 1  # xterm.js drew the output, not only received it


def test_the_page_needs_nothing_but_the_server_itself(dashboard: BrowserTerminal, web: RunningWeb) -> None:
    assert dashboard.requests, "the page made no request"
    assert all(url.startswith(f"{web.url}/") for url in dashboard.requests), dashboard.requests
    assert dashboard.failed == []
    assert any(url.endswith(".ttf") for url in dashboard.requests)  # the font is served, not fetched from a CDN


def test_without_a_token_every_session_is_read_only(dashboard: BrowserTerminal) -> None:
    assert "read-only" in header(dashboard.screen_text)


def test_every_session_watches_the_one_shared_engine(browser: Any, web: RunningWeb, dashboard: BrowserTerminal) -> None:
    assert web.engine_url is not None
    node = web.engine_url.removeprefix("http://")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        second = BrowserTerminal(page, web.url).open()
        second.wait_for(lambda text: node in header(text), f"the shared engine {node} in the header")
    finally:
        page.close()
    assert node in header(dashboard.screen_text)


def test_with_a_token_sessions_may_change_and_the_engine_asks_for_the_token(browser: Any) -> None:
    with RunningWeb(env={"SCHEDTOP_TOKEN": TOKEN}) as web:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        try:
            terminal = BrowserTerminal(page, web.url).open()
            text = terminal.wait_for(contains_all(*MAIN_SCREEN), "the main screen")
            assert "read-only" not in header(text)
        finally:
            page.close()
        assert web.engine_url is not None
        refused = httpx.post(f"{web.engine_url}/task_manager/ttl", params={"ttl": 5})
        allowed = httpx.post(
            f"{web.engine_url}/task_manager/ttl", params={"ttl": 5}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert (refused.status_code, allowed.status_code) == (401, 200)
    with pytest.raises(httpx.ConnectError):  # stopping web stopped the engine it started
        httpx.get(f"{web.engine_url}/api/health")
