"""``schedtop serve``: the engine headless behind uvicorn, on loopback unless a token guards the changes.

Binding anywhere but loopback needs a bearer token (``SCHEDTOP_TOKEN`` or ``--token-file``); without one the
command refuses to start. The token is never printed or logged. Once listening, one line on stderr gives the URL
(useful with ``--port 0``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..alerts.alertmanager import AlertmanagerSender
from ..config import MAX_DISKS, MAX_WAVE_TASKS, count_option
from ..errors import EngineError, InvalidArgument
from .app import create_app
from .connections import DEFAULT_HEAD_TIMEOUT, DEFAULT_MAX_CONNECTIONS
from .security import DEFAULT_MAX_BODY_BYTES, is_loopback
from .server import ConnectionLimits, Server, make_server

if TYPE_CHECKING:
    from ..engine import Engine

TOKEN_ENV = "SCHEDTOP_TOKEN"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9800
ALERT_EVERY = 5.0
"""Seconds between evaluations of the alert rules while serving (requests and scrapes evaluate them too)."""


class ServeError(Exception):
    """A configuration the server refuses to start with; the message says how to fix it."""


def _count(most: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            return count_option(text, most)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schedtop serve", description="Serve schedtop's engine over HTTP (CubeFS, ScyllaDB, supervisor APIs)."
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default: loopback 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 9800; 0 picks a free one)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite store (default: in memory, lost on exit)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated cluster")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--demo", action="store_true", help="inject faults now and then so there is always action")
    parser.add_argument(
        "--disks",
        type=_count(MAX_DISKS),
        metavar="N",
        help="a cluster of N disks (1 … 200 000; 4 IDCs of 20-disk hosts when big, ~28 chunks a disk) instead of "
        "the demo's 48; only a new store is generated: a --db that already has a cluster keeps it",
    )
    parser.add_argument(
        "--tasks",
        type=_count(MAX_WAVE_TASKS),
        metavar="N",
        help="a failure wave of N tasks at start-up (1 … 2 000 000): disk repairs and drops with their chunk "
        "children, a balance round and manual migrations; without --disks the cluster gets max(48, N/10) disks. "
        "Only on an empty store: a --db that already has tasks keeps them",
    )
    parser.add_argument(
        "--token-file", type=Path, default=None, help=f"file holding the bearer token (else ${TOKEN_ENV})"
    )
    parser.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY_BYTES, help="request body limit in bytes")
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the Host header may carry, besides localhost and IP addresses (repeatable)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=DEFAULT_MAX_CONNECTIONS,
        help=f"open connections served; past it, 503 except /api/health (default {DEFAULT_MAX_CONNECTIONS})",
    )
    parser.add_argument(
        "--alertmanager",
        metavar="URL",
        help="post firing and resolved alerts to this Prometheus Alertmanager (its v2 API, e.g. http://127.0.0.1:9093)",
    )
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser


def read_token(token_file: Path | None, environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The token from ``--token-file`` (first line) or the environment; None when neither gives one."""
    if token_file is not None:
        try:
            text = token_file.read_text(encoding="utf-8")
        except OSError as error:
            raise ServeError(f"cannot read the token file {token_file}: {error.strerror or error}") from None
        token = text.strip().splitlines()[0].strip() if text.strip() else ""
        if not token:
            raise ServeError(f"the token file {token_file} is empty")
        return token
    token = environ.get(TOKEN_ENV, "").strip()
    return token or None


def check_exposure(host: str, token: str | None) -> None:
    if not is_loopback(host) and token is None:
        raise ServeError(
            f"refusing to bind {host}: a non-loopback address needs a bearer token for changes; "
            f"set {TOKEN_ENV} or pass --token-file"
        )
    if token is not None and len(token) < 16:
        raise ServeError("the bearer token is too short: use at least 16 characters")


async def serve(args: argparse.Namespace, token: str | None) -> None:
    from ..engine import Engine, EngineConfig  # the engine is only needed once we really serve

    engine = await Engine.open(
        EngineConfig(
            db_path=args.db,
            seed=args.seed,
            speed=args.speed,
            demo=args.demo,
            demo_schedule=args.demo,
            autorun=True,
            disks=args.disks,
            wave_tasks=args.tasks or 0,
        )
    )
    if args.tasks:
        # The wave lives as long as the server: out of the collector's sight, or every full collection walks it
        # (~1 s each with a million tasks).
        gc.freeze()
    try:
        allowed = [*args.allow_host]
        if not is_loopback(args.host):
            allowed.append(args.host)  # a name to bind is a name to answer to (an address is always accepted)
        sender = AlertmanagerSender(args.alertmanager) if args.alertmanager else None
        app = create_app(
            engine,
            token=token,
            max_body_bytes=args.max_body,
            allowed_hosts=allowed,
            alert_every=ALERT_EVERY,
            alertmanager=sender,
        )
        if args.tasks:
            # a big wave: every row's compact text ready before the first answer, so that the first dashboard to
            # connect is not the one kept waiting while 100 000 rows are converted
            app.state.compact_bodies.row_texts(engine.snapshot(0, compact=True))
        limits = ConnectionLimits(head_timeout=DEFAULT_HEAD_TIMEOUT, max_connections=args.max_connections)
        server = make_server(app, args.host, args.port, limits=limits, log_level=args.log_level)
        announcer = asyncio.create_task(_announce(server, engine))
        try:
            await server.serve()
        finally:
            announcer.cancel()
    finally:
        await engine.close()


async def _announce(server: Server, engine: Engine) -> None:
    while not server.started:  # noqa: ASYNC110 - uvicorn has no "started" event to wait on
        await asyncio.sleep(0.02)
    for listener in server.servers:
        for sock in listener.sockets:
            address = sock.getsockname()
            shown = f"[{address[0]}]" if ":" in str(address[0]) else address[0]
            engine.node_name = f"{shown}:{address[1]}"
            print(f"schedtop serve: listening on http://{shown}:{address[1]}", file=sys.stderr, flush=True)
            return


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``schedtop serve``; returns the exit code (2 for a refused configuration)."""
    args = build_parser().parse_args(argv)
    try:
        if not 0 <= args.port <= 65535:
            raise ServeError(f"--port must be 0..65535, got {args.port}")
        if args.max_body < 1024:
            raise ServeError("--max-body must be at least 1024 bytes")
        if args.max_connections < 1:
            raise ServeError("--max-connections must be at least 1")
        if args.alertmanager and not args.alertmanager.startswith(("http://", "https://")):
            raise ServeError(f"--alertmanager needs an http:// or https:// URL, got {args.alertmanager!r}")
        token = read_token(args.token_file)
        check_exposure(args.host, token)
    except ServeError as error:
        print(f"schedtop serve: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args, token))
    except InvalidArgument as error:  # e.g. --tasks more than the cluster has chunks for
        print(
            f"schedtop serve: cannot start {args.tasks} tasks: {error.message} (more --disks give room)",
            file=sys.stderr,
        )
        return 2
    except EngineError as error:  # e.g. a corrupt or read-only store: a message, not a traceback
        print(f"schedtop serve: cannot open the engine: {error.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
