"""``schedtop web``: options, the shared engine, the web server, and a clean stop on Ctrl+C or SIGTERM.

Each browser session runs ``schedtop --connect URL`` (textual-serve starts one per WebSocket): URL is the shared
engine's when ``web`` runs one, else the ``--connect`` servers. The sessions are ``--read-only`` unless ``web``
has a token; the token reaches the engine and the sessions through ``$SCHEDTOP_TOKEN``, never a command line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from ..cli import DEFAULT_DEMO_SPEED, remote_targets
from ..cli import build_parser as dashboard_parser
from ..config import ConfigError, load_config
from .shared_engine import EngineStartError, SharedEngine
from .site import DashboardSite

TOKEN_ENV = "SCHEDTOP_TOKEN"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9801
DEFAULT_MAX_SESSIONS = 20
MIN_TOKEN = 16  # as `schedtop serve` asks of its token


class WebError(Exception):
    """A configuration ``schedtop web`` refuses (exit 2); the message says how to fix it."""


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"--port must be 0…65535, got {text!r}")
    return int(text)


def _sessions(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        raise argparse.ArgumentTypeError(f"--max-sessions must be 1…1000, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = dashboard_parser()
    parser.prog = "schedtop web"
    parser.description = (
        "Serve the dashboard to web browsers (textual-serve): each browser tab runs its own dashboard, all of "
        "them on the same cluster. Without --connect, one embedded engine is started for them all (a "
        "`schedtop serve` on a free loopback port, stopped with this command). Sessions are read-only unless a "
        f"token is given (--token or ${TOKEN_ENV})."
    )
    parser.epilog = "The dashboard's keys work in the browser; ? shows them."
    group = parser.add_argument_group("web server")
    group.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default: loopback {DEFAULT_HOST})")
    group.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    group.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name browsers may use for this server, besides localhost, --host and IP addresses "
        "(repeatable; a guard against DNS rebinding)",
    )
    group.add_argument(
        "--max-sessions",
        type=_sessions,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"browser sessions at once, each a dashboard process (default {DEFAULT_MAX_SESSIONS}); past it, 503",
    )
    group.add_argument(
        "--token-file",
        type=Path,
        metavar="PATH",
        help=f"file holding the token (first line); better than --token, which other users see in ps (else ${TOKEN_ENV})",
    )
    return parser


def session_argv(args: argparse.Namespace, connect: Sequence[str], *, read_only: bool) -> list[str]:
    """The command line of one browser session's dashboard."""
    argv = [sys.executable, "-m", "app"]
    for url in connect:
        argv += ["--connect", url]
    if args.connect:
        argv += ["--backend", args.backend]
    if args.max_rps is not None:
        argv += ["--max-rps", f"{args.max_rps:g}"]
    if args.refresh is not None:
        argv += ["--refresh", f"{args.refresh:g}"]
    if args.theme:
        argv += ["--theme", args.theme]
    if args.ansi:
        argv.append("--ansi")
    if args.screen is not None:
        argv += ["--screen", str(args.screen)]
    if args.config is not None:
        argv += ["--config", str(args.config.resolve())]
    if read_only:
        argv.append("--read-only")
    return argv


def engine_argv(args: argparse.Namespace) -> list[str]:
    """``schedtop serve`` options for the shared engine, with the dashboard's demo defaults."""
    demo = not args.no_faults
    speed = args.speed if args.speed is not None else (DEFAULT_DEMO_SPEED if demo else 1.0)
    argv = ["--seed", str(args.seed), "--speed", f"{speed:g}"]
    if demo:
        argv.append("--demo")
    if args.db is not None:
        argv += ["--db", str(args.db.resolve())]
    if args.disks:
        argv += ["--disks", str(args.disks)]
    if args.tasks:
        argv += ["--tasks", str(args.tasks)]
    return argv


def resolve_token(args: argparse.Namespace) -> str | None:
    """--token-file, else --token, else $SCHEDTOP_TOKEN; None when none gives one."""
    from engine.http.serve import ServeError, read_token

    if args.token_file is None and args.token:
        return str(args.token)
    try:
        return read_token(args.token_file)
    except ServeError as error:
        raise WebError(str(error)) from None


def check(args: argparse.Namespace, token: str | None) -> None:
    if args.connect and (args.disks or args.tasks or args.db or args.no_faults or args.speed is not None):
        raise WebError(
            "--db, --speed, --no-faults, --disks and --tasks shape the engine web starts; not with --connect"
        )
    if not args.connect and token is not None and len(token) < MIN_TOKEN:
        raise WebError(f"the token is too short: use at least {MIN_TOKEN} characters")
    if args.connect:
        try:
            remote_targets(args.connect, load_config(args.config).clusters)
        except ConfigError as error:
            raise WebError(str(error)) from None
        except SystemExit as error:  # remote_targets' message for a bad --connect
            raise WebError(str(error).removeprefix("schedtop: ")) from None


def main(argv: Sequence[str]) -> int:
    """Entry point for ``schedtop web``; an exit status (2 for options it refuses)."""
    args = build_parser().parse_args(list(argv))
    try:
        token = resolve_token(args)
        check(args, token)
    except WebError as error:
        print(f"schedtop web: {error}", file=sys.stderr)
        return 2
    # Both children read the token from the environment: a command line is visible to every user of the machine.
    if token is None:
        os.environ.pop(TOKEN_ENV, None)
    else:
        os.environ[TOKEN_ENV] = token
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_run(args, token))
    return 0


async def _run(args: argparse.Namespace, token: str | None) -> int:
    from engine.http.security import is_loopback

    engine: SharedEngine | None = None
    if not args.connect:
        try:
            engine = await SharedEngine.start(engine_argv(args))
        except EngineStartError as error:
            print(f"schedtop web: the shared engine did not start:\n{error}", file=sys.stderr)
            return 2 if error.status == 2 else 1  # 2: serve refused the options passed on
    try:
        connect = [engine.url] if engine is not None else list(args.connect)
        read_only = token is None or bool(args.read_only)
        command = shlex.join(session_argv(args, connect, read_only=read_only))
        title = f"schedtop · {', '.join(connect)}"
        site = DashboardSite(
            command, title=title, allowed_hosts=[args.host, *args.allow_host], max_sessions=args.max_sessions
        )
        runner = web.AppRunner(await site.make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        try:
            tcp = web.TCPSite(runner, args.host, args.port)
            try:
                await tcp.start()
            except OSError as error:
                reason = error.strerror or str(error)
                print(f"schedtop web: cannot listen on {args.host} port {args.port}: {reason}", file=sys.stderr)
                return 1
            _announce(runner, engine, read_only=read_only, exposed=not is_loopback(args.host))
            return await _until_stopped(engine)
        finally:
            await runner.cleanup()
    finally:
        if engine is not None:
            await engine.stop()


def _announce(runner: web.AppRunner, engine: SharedEngine | None, *, read_only: bool, exposed: bool) -> None:
    for address in runner.addresses[:1]:  # the bound port: what --port 0 picked
        shown = f"[{address[0]}]" if ":" in str(address[0]) else address[0]
        source = f"shared engine {engine.url}" if engine is not None else "the --connect servers"
        mode = "read-only" if read_only else "changes allowed"
        print(f"schedtop web: listening on http://{shown}:{address[1]} ({source}, {mode})", file=sys.stderr, flush=True)
    if exposed:
        print(f"schedtop web: WARNING: {exposure_warning(read_only)}", file=sys.stderr, flush=True)


def exposure_warning(read_only: bool) -> str:
    """What binding a non-loopback address means: the page asks for no password, the token only unlocks changes."""
    what = "see the cluster" if read_only else "see and CHANGE the cluster: the page itself asks for no token"
    return f"bound to a non-loopback address: anyone who can reach it can {what}"


async def _until_stopped(engine: SharedEngine | None) -> int:
    """Serve until SIGINT/SIGTERM (0), or until the shared engine dies (1)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    waits: set[asyncio.Task[object]] = {asyncio.create_task(stop.wait())}
    engine_exit = asyncio.create_task(engine.wait()) if engine is not None else None
    if engine_exit is not None:
        waits.add(engine_exit)
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
    if engine_exit is not None and engine_exit.done() and not engine_exit.cancelled() and not stop.is_set():
        print(f"schedtop web: the shared engine stopped (exit status {engine_exit.result()})", file=sys.stderr)
        return 1
    return 0
