"""``schedtop web`` without a browser: the options it refuses, a port in use, and its guard against other sites.

Most run ``web --connect`` to an address nobody serves: no engine starts, and no session starts either until a
browser opens the page.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from app.web.command import build_parser as web_parser
from app.web.command import engine_argv, exposure_warning, resolve_token, session_argv

from .web_support import RunningWeb, run_web

NOBODY = "http://127.0.0.1:9"  # the discard port: no schedtop there, and none needed to serve the page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port must be 0…65535"),
        (["--token", "short"], "the token is too short"),
        (["--connect", NOBODY, "--disks", "10"], "not with --connect"),
        (["--connect", "ftp://example"], "--connect needs an http:// or https:// URL"),
        (["--refresh", "0"], "refresh must be between"),
        (["--max-sessions", "0"], "--max-sessions must be 1…1000"),
        (["--token-file", "/nonexistent/token"], "cannot read the token file"),
        (["--db", "/proc/nonexistent/store.db"], "the shared engine did not start"),
    ],
)
def test_an_option_it_refuses_is_a_message_and_exit_2(args: list[str], message: str) -> None:
    done = run_web(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_token_file_wins_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDTOP_TOKEN", "from-the-environment")
    (tmp_path / "token").write_text("from-the-file-of-twenty\n")
    assert (
        resolve_token(web_parser().parse_args(["--token-file", str(tmp_path / "token")])) == "from-the-file-of-twenty"
    )
    assert resolve_token(web_parser().parse_args([])) == "from-the-environment"


def test_a_port_in_use_is_a_message_and_exit_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_web("--connect", NOBODY, "--port", str(port))
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1 port {port}" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def web() -> Iterator[RunningWeb]:
    with RunningWeb("--connect", NOBODY, "--max-sessions", "1") as running:
        yield running


def test_the_page_comes_from_the_package_with_no_address_of_elsewhere(web: RunningWeb) -> None:
    page = httpx.get(web.url)
    assert page.status_code == 200
    assert "https://" not in page.text and "googleapis" not in page.text
    for asset in ("/static/js/textual.js", "/static/css/xterm.css", "/static/fonts/RobotoMono-VariableFont_wght.ttf"):
        assert httpx.get(f"{web.url}{asset}").status_code == 200, asset


def test_a_host_name_it_does_not_answer_to_is_421(web: RunningWeb) -> None:
    answer = httpx.get(web.url, headers={"Host": "rebound.example"})
    assert answer.status_code == 421
    assert "--allow-host rebound.example" in answer.text


def test_a_session_opened_by_another_sites_page_is_403(web: RunningWeb) -> None:
    # The page's own origin gets through: the browser tests open their sessions that way.
    foreign = httpx.get(f"{web.url}/ws", headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403


async def test_a_session_past_max_sessions_is_503(web: RunningWeb) -> None:
    address = f"{web.url.replace('http://', 'ws://')}/ws?width=80&height=24"
    async with aiohttp.ClientSession() as http, http.ws_connect(address, origin=web.url) as first:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(address, origin=web.url)
        assert refused.value.status == 503
        await first.close()


def test_it_says_read_only_and_what_it_watches_when_it_listens(web: RunningWeb) -> None:
    assert f"listening on {web.url} (the --connect servers, read-only)" in web.said()


def test_sessions_get_read_only_and_the_display_options_but_never_the_token() -> None:
    args = web_parser().parse_args(["--connect", NOBODY, "--token", "x" * 20, "--refresh", "2", "--screen", "tasks"])
    argv = session_argv(args, args.connect, read_only=True)
    assert argv[-9:] == ["--connect", NOBODY, "--backend", "schedtop", "--refresh", "2", "--screen", "2", "--read-only"]
    assert "x" * 20 not in " ".join(argv)


def test_the_shared_engine_gets_the_dashboards_demo_defaults() -> None:
    assert engine_argv(web_parser().parse_args([])) == ["--seed", "1", "--speed", "30", "--demo"]
    quiet = web_parser().parse_args(["--no-faults", "--seed", "7"])
    assert engine_argv(quiet) == ["--seed", "7", "--speed", "1"]


def test_a_non_loopback_address_warns_louder_when_changes_are_allowed() -> None:
    assert "can see the cluster" in exposure_warning(read_only=True)
    assert "CHANGE" in exposure_warning(read_only=False)
