"""The ``schedtop`` command: the dashboard on the embedded demo engine (default), on a store, or on a server.

``schedtop serve …`` runs the engine headless behind the HTTP API (see ``schedtop serve --help``);
``schedtop web …`` serves the dashboard to browsers (see ``schedtop web --help``);
``schedtop exporter …`` serves remote sources' metrics and alerts for Prometheus (``schedtop exporter --help``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .sources.budget import DEFAULT_RATE
from .sources.remote import BACKENDS, DEFAULT_BACKEND

if TYPE_CHECKING:  # the CLI imports the sources only once it knows which it needs (start-up time)
    from .config import ClusterEntry
    from .sources.base import Source
    from .sources.embedded import EmbeddedSource

DEFAULT_DEMO_SPEED = 30.0


def _refresh(text: str) -> float:
    # app.config (pydantic and the shared model) is imported inside main, once the collector is paused: ~15 ms
    from .config import MAX_REFRESH, MIN_REFRESH

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not MIN_REFRESH <= value <= MAX_REFRESH:
        raise argparse.ArgumentTypeError(f"refresh must be between {MIN_REFRESH} and {MAX_REFRESH} seconds")
    return value


def _max_rps(text: str) -> float:
    from .config import MAX_RPS

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of requests a second: {text!r}") from None
    if not 0 < value <= MAX_RPS:
        raise argparse.ArgumentTypeError(f"--max-rps must be above 0 and at most {MAX_RPS:g}")
    return value


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError("speed must be above 0 and at most 10000")
    return value


def _disks(text: str) -> int:
    from engine.config import MAX_DISKS, count_option  # only when asked for: the engine's modules are not cheap

    try:
        return count_option(text, MAX_DISKS)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _tasks(text: str) -> int:
    from engine.config import MAX_WAVE_TASKS, count_option

    try:
        return count_option(text, MAX_WAVE_TASKS)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _alertmanager_url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"--alertmanager needs an http:// or https:// URL, got {text!r}")
    return text


def _screen(text: str) -> int:
    from .config import SCREENS

    if text in SCREENS:
        return SCREENS.index(text) + 1
    if text.isdigit() and 1 <= int(text) <= len(SCREENS):
        return int(text)
    raise argparse.ArgumentTypeError(f"screen is 1…{len(SCREENS)} or one of {', '.join(SCREENS)}")


def _talks_to() -> str:
    """The backends' descriptions as one phrase ("schedtop's own API, …, or a ScyllaDB node") for --help."""
    *others, last = (backend.talks_to for backend in BACKENDS.values())
    return f"{', '.join(others)}, or {last}" if others else last


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schedtop",
        description=(
            "A full-screen dashboard for a storage cluster's background tasks. Without options it runs an "
            "embedded demo cluster in which disks break, repairs and balances start, progress and finish. "
            "`schedtop serve --help` describes the HTTP server, `schedtop exporter --help` the Prometheus exporter."
        ),
        epilog=(
            "Keys: ? shows them all. Settings file: ~/.config/schedtop/config.toml (or $SCHEDTOP_CONFIG) with "
            "refresh, theme, screen, read_only, a [keys] table and a [clusters] table of named servers; flags "
            "override it."
        ),
    )
    engine = parser.add_argument_group("embedded engine")
    engine.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="persistent SQLite store for the embedded engine (created if missing; default: in memory)",
    )
    engine.add_argument("--seed", type=int, default=1, help="seed of the simulated cluster (default: 1)")
    engine.add_argument(
        "--speed",
        type=_speed,
        default=None,
        help=f"simulated seconds per real second (default: {DEFAULT_DEMO_SPEED:g} for the demo, 1 with --no-faults)",
    )
    engine.add_argument(
        "--no-faults",
        action="store_true",
        help="do not inject demo faults (disks breaking, workers failing); the cluster stays quiet",
    )
    engine.add_argument(
        "--disks",
        type=_disks,
        metavar="N",
        help="a cluster of N disks (1 … 200 000; 4 IDCs of 20-disk hosts when big, ~28 chunks a disk) instead of "
        "the demo's 48; only a new store is generated: a --db that already has a cluster keeps it",
    )
    engine.add_argument(
        "--tasks",
        type=_tasks,
        metavar="N",
        help="a failure wave of N tasks at start-up (1 … 2 000 000): disk repairs and drops with their chunk "
        "children, a balance round and manual migrations; without --disks the cluster gets max(48, N/10) disks. "
        "Only on an empty store: a --db that already has tasks keeps them. The demo faults come on top",
    )
    remote = parser.add_argument_group("remote scheduler")
    remote.add_argument(
        "--connect",
        metavar="URL",
        action="append",
        help=(
            "watch a server over HTTP instead (e.g. http://127.0.0.1:9800); also NAME=URL, or a NAME from the "
            "config file's [clusters]. Repeatable: every server is watched, n switches between them and screen 5 "
            "shows them side by side. Without --connect, the [clusters] of the config file are watched if any"
        ),
    )
    remote.add_argument("--token", help="bearer token for mutating calls to --connect (or $SCHEDTOP_TOKEN)")
    remote.add_argument(
        "--backend",
        choices=tuple(BACKENDS),
        default=DEFAULT_BACKEND,
        help=f"what --connect talks to: {_talks_to()}",
    )
    remote.add_argument(
        "--max-rps",
        type=_max_rps,
        metavar="N",
        help=f"requests a second schedtop may send each server (default: {DEFAULT_RATE:g}; a cluster's max_rps wins)",
    )
    parser.add_argument(
        "--alertmanager",
        metavar="URL",
        type=_alertmanager_url,
        help="post every node's firing and resolved alerts to this Prometheus Alertmanager (its v2 API, e.g. "
        "http://127.0.0.1:9093); its trouble shows as a notification, never stops the dashboard",
    )
    ui = parser.add_argument_group("display")
    ui.add_argument("--refresh", type=_refresh, metavar="S", help="seconds between refreshes (default: 1)")
    ui.add_argument("--read-only", action="store_true", default=None, help="no action that changes the cluster")
    ui.add_argument("--theme", metavar="NAME", help="Textual theme, e.g. textual-dark, nord, gruvbox, ansi-dark")
    ui.add_argument(
        "--ansi",
        action="store_true",
        help="use the terminal's own 16-colour ANSI palette (the ansi-dark theme unless --theme says otherwise)",
    )
    ui.add_argument(
        "--screen", type=_screen, metavar="N", help="screen to start on: 1 main, 2 tasks, 3 plot, 4 jobs, 5 nodes"
    )
    ui.add_argument("--config", type=Path, metavar="PATH", help="settings file to read instead of the default")
    recording = parser.add_argument_group("record and replay (`schedtop record --help` records without a screen)")
    recording.add_argument("--record", type=Path, metavar="FILE", help="record what the dashboard receives to FILE")
    recording.add_argument("--replay", type=Path, metavar="FILE", help="replay a recording (read-only)")
    return parser


def serve(argv: Sequence[str]) -> int:
    try:
        from engine.http.serve import main as serve_main  # imported late: the dashboard never needs the server
    except ImportError as error:
        print(f"schedtop serve is not available in this build: {error}", file=sys.stderr)
        return 2
    return serve_main(list(argv))


def remote_targets(connect: Sequence[str], clusters: Mapping[str, ClusterEntry]) -> list[tuple[str, ClusterEntry]]:
    """``--connect`` values (URL, NAME=URL or a [clusters] NAME) → named entries; none → every [clusters] entry."""
    from .config import ClusterEntry

    if not connect:
        return list(clusters.items())
    targets: list[tuple[str, ClusterEntry]] = []
    for value in connect:
        name, _, url = value.partition("=") if "=" in value.split("://", 1)[0] else ("", "", value)
        if not url.startswith(("http://", "https://")):
            if value in clusters:
                targets.append((value, clusters[value]))
                continue
            known = f" (known clusters: {', '.join(clusters)})" if clusters else ""
            raise SystemExit(
                f"schedtop: --connect needs an http:// or https:// URL, NAME=URL or a [clusters] name, got {value!r}{known}"
            )
        targets.append((name or urlsplit(url).netloc or url, ClusterEntry(url)))
    names: dict[str, int] = {}
    unique: list[tuple[str, ClusterEntry]] = []
    for name, entry in targets:
        names[name] = names.get(name, 0) + 1
        unique.append((name if names[name] == 1 else f"{name}#{names[name]}", entry))
    return unique


def _remote_sources(args: argparse.Namespace, clusters: Mapping[str, ClusterEntry]) -> list[tuple[str, Source]]:
    from .sources.remote import remote_source

    token = args.token or os.environ.get("SCHEDTOP_TOKEN")
    sources: list[tuple[str, Source]] = []
    for name, entry in remote_targets(args.connect or [], clusters):
        try:
            source = remote_source(
                entry.url,
                backend=entry.backend or args.backend,
                token=entry.token or token,
                max_rps=entry.max_rps or args.max_rps,
            )
        except ValueError as error:
            raise SystemExit(f"schedtop: {error}") from None
        sources.append((name, source))
    return sources


def _embedded_source(args: argparse.Namespace) -> EmbeddedSource:
    from engine.engine import EngineConfig

    from .sources.embedded import EmbeddedSource

    demo = not args.no_faults
    speed = args.speed if args.speed is not None else (DEFAULT_DEMO_SPEED if demo else 1.0)
    config = EngineConfig(
        db_path=args.db,
        seed=args.seed,
        speed=speed,
        demo=demo,
        demo_schedule=demo,
        disks=args.disks,
        wave_tasks=args.tasks or 0,
    )
    return EmbeddedSource(config)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        return serve(argv[1:])
    if argv[:1] == ["web"]:
        from .web.command import main as web_main  # imported late: only `schedtop web` needs aiohttp

        return web_main(argv[1:])
    if argv[:1] == ["exporter"]:
        from .exporter.cli import main as exporter_main  # no UI: Textual is never imported

        return exporter_main(argv[1:])
    if argv[:1] == ["record"]:
        from .recording.record_command import main as record_main

        return record_main(argv[1:])
    args = build_parser().parse_args(argv)
    # Start-up allocates a great deal and frees little: cyclic collections would only delay the first frame.
    # The app resumes the collector once that frame is drawn; an early return restores what it found.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _dashboard(args)
    finally:
        if collecting:
            gc.enable()


def _dashboard(args: argparse.Namespace) -> int:
    """Open the source and run the app; an exit status."""
    from .config import ConfigError, load_config

    try:
        config = load_config(args.config)
        config = config.with_overrides(
            refresh=args.refresh, theme=args.theme, screen=args.screen, read_only=args.read_only
        )
    except ConfigError as error:
        print(f"schedtop: {error}", file=sys.stderr)
        return 2
    if args.replay is not None:
        from .recording.replay_app import run_replay

        return run_replay(args.replay, config, ansi=args.ansi)
    from .bindings import KeymapError
    from .schedtop_app import SchedtopApp

    source: list[tuple[str, Source]] | EmbeddedSource
    remote = bool(args.connect or config.clusters)
    if remote and (args.disks or args.tasks):
        print("schedtop: --disks and --tasks shape the embedded engine; use them on `schedtop serve`", file=sys.stderr)
        return 2
    if remote:
        source = _remote_sources(args, config.clusters)
    else:
        source = embedded = _embedded_source(args)
        # Open the store before the screen takes over, so a corrupt or read-only file is a plain message.
        from engine.errors import EngineError, InvalidArgument

        try:
            asyncio.run(embedded.open())
        except InvalidArgument as error:  # e.g. --tasks more than the cluster has chunks for
            print(
                f"schedtop: cannot start {args.tasks} tasks: {error.message} (more --disks give room)", file=sys.stderr
            )
            return 2
        except EngineError as error:
            print(f"schedtop: cannot open the engine: {error.message}", file=sys.stderr)
            return 1
        except OSError as error:
            print(f"schedtop: cannot open the engine: {error}", file=sys.stderr)
            return 1
    recorder = None  # --record: every snapshot the dashboard receives also goes to the file
    if args.record is not None:
        from .recording.format import RecordingError
        from .recording.writer import recorded

        try:
            source, recorder = recorded(args.record, source, refresh=config.refresh)
        except RecordingError as error:
            print(f"schedtop: {error}", file=sys.stderr)
            return 2
    try:
        app = SchedtopApp(source, config, ansi_color=args.ansi, alertmanager=args.alertmanager, prefetch_on_load=remote)
    except KeymapError as error:
        print(f"schedtop: {error}", file=sys.stderr)
        return 2
    if config.theme and config.theme not in app.available_themes:
        names = ", ".join(sorted(app.available_themes))
        print(f"schedtop: unknown theme {config.theme!r}; available: {names}", file=sys.stderr)
        return 2
    if not remote:
        asyncio.run(app.prefetch())
    app.run()
    if recorder is not None:
        recorder.close()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
