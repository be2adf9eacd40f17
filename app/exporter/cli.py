"""``schedtop exporter --connect … [--connect …]``: the command line, checked before anything starts (exit 2 with a
message for a bad one), then the fleet and its server until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine.alerts.alertmanager import AlertmanagerSender

from ..cli import _alertmanager_url, _max_rps, remote_targets
from ..config import ConfigError, load_config
from ..sources.budget import DEFAULT_RATE
from ..sources.remote import BACKENDS, DEFAULT_BACKEND, remote_source
from .fleet import DEFAULT_REFRESH, Fleet, Watched, watched
from .server import Exporter

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9808


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"--port must be 0…65535 (0 picks a free one), got {text!r}")
    return int(text)


def _refresh(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError("--refresh must be between 0.1 and 3600 seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schedtop exporter",
        description="Watch schedtop servers, CubeFS schedulers and ScyllaDB nodes without a UI and serve their "
        "metrics (GET /metrics) and alerts (GET /api/alerts) for Prometheus, labelled by cluster and node.",
    )
    parser.add_argument(
        "--connect",
        metavar="URL",
        action="append",
        help="a server to watch: URL, NAME=URL or a [clusters] NAME of the config file (repeatable; default: "
        "every [clusters] entry). NAME is its cluster label",
    )
    parser.add_argument("--backend", choices=tuple(BACKENDS), default=DEFAULT_BACKEND, help="what --connect talks to")
    parser.add_argument("--token", help="bearer token for the servers (or $SCHEDTOP_TOKEN); the exporter only reads")
    parser.add_argument(
        "--max-rps",
        type=_max_rps,
        metavar="N",
        help=f"requests a second sent to each server (default {DEFAULT_RATE:g}; a cluster's max_rps wins)",
    )
    parser.add_argument(
        "--refresh",
        type=_refresh,
        default=DEFAULT_REFRESH,
        metavar="S",
        help=f"seconds between polls of each server (default {DEFAULT_REFRESH:g})",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to serve on (default: loopback 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument(
        "--alertmanager",
        type=_alertmanager_url,
        metavar="URL",
        help="post firing and resolved alerts to this Prometheus Alertmanager (its v2 API)",
    )
    parser.add_argument("--config", type=Path, metavar="PATH", help="settings file ([clusters], [alerts])")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser


class UsageError(Exception):
    """A command line the exporter refuses; the message says why."""


def make_fleet(args: argparse.Namespace) -> Fleet:
    """The sources the command line names, unopened; :class:`UsageError` for a bad one."""
    try:
        config = load_config(args.config)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    try:
        targets = remote_targets(args.connect or [], config.clusters)
    except SystemExit as error:  # remote_targets words its refusal for the dashboard's CLI
        raise UsageError(str(error.code).removeprefix("schedtop: ")) from None
    if not targets:
        raise UsageError(
            "nothing to watch: give --connect URL (repeatable) or a [clusters] table in the config file; "
            "the exporter has no embedded engine"
        )
    token = args.token or os.environ.get("SCHEDTOP_TOKEN")
    sources: list[Watched] = []
    for name, entry in targets:
        try:
            source = remote_source(
                entry.url,
                backend=entry.backend or args.backend,
                token=entry.token or token,
                label=name,
                max_rps=entry.max_rps or args.max_rps,
            )
        except ValueError as error:
            raise UsageError(str(error)) from None
        sources.append(watched(name, entry.url, source, config.alerts))
    sender = AlertmanagerSender(args.alertmanager) if args.alertmanager else None
    return Fleet(sources, refresh=args.refresh, rules=config.alerts, alertmanager=sender)


def main(argv: Sequence[str]) -> int:
    """Entry point of ``schedtop exporter``; the exit status (2 for a refused command line)."""
    args = build_parser().parse_args(list(argv))
    try:
        fleet = make_fleet(args)
    except UsageError as error:
        print(f"schedtop exporter: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    exporter = Exporter(fleet, args.host, args.port, log_level=args.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(exporter.run(announce=True))
    return 0
