"""Shared helpers for the dashboard tests: a deterministic engine, a fixed clock, and the screen as text."""

from __future__ import annotations

import html
import re
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from rich.cells import cell_len
from textual.app import App

from app.config import Config
from app.schedtop_app import SchedtopApp
from app.sources.embedded import EmbeddedSource
from engine.clock import ManualClock
from engine.engine import Engine, EngineConfig

FIXED_NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_NOW


async def open_engine(seed: int = 1, advance: float = 120.0, demo: bool = True) -> Engine:
    engine = await Engine.open(EngineConfig(seed=seed, demo=demo, clock=ManualClock(), autorun=False))
    if advance:
        await engine.advance(advance)
    return engine


def make_app(engine: Engine, config: Config | None = None, **kwargs: object) -> SchedtopApp:
    source = EmbeddedSource(engine=engine, label="embedded test engine")
    return SchedtopApp(source, config or Config(), clock=fixed_clock, auto_refresh=False, **kwargs)  # type: ignore[arg-type]


@asynccontextmanager
async def running(
    config: Config | None = None, size: tuple[int, int] = (120, 40), advance: float = 120.0, **kwargs: object
) -> AsyncIterator[tuple[SchedtopApp, object, Engine]]:
    """An app on a fresh deterministic engine, with its first snapshot applied."""
    engine = await open_engine(advance=advance)
    app = make_app(engine, config, **kwargs)
    try:
        async with app.run_test(size=size) as pilot:
            await app.refresh_data()
            await pilot.pause()
            yield app, pilot, engine
    finally:
        await engine.close()


_SVG_TEXT = re.compile(
    r'<text [^>]*\bx="(?P<x>[0-9.e+-]+)"[^>]*\btextLength="(?P<length>[0-9.e+-]+)"'
    r'[^>]*\bclip-path="url\(#[^)]*-line-(?P<line>\d+)\)"[^>]*>(?P<text>[^<]*)</text>'
)


def screen_text(app: App[object]) -> str:
    """What the terminal shows, as plain text lines (trailing blanks stripped).

    Read from Textual's public ``App.export_screenshot`` (an SVG, rendered like the real terminal, with the
    screens below a modal one showing through): every ``<text>`` element carries its line and its x offset, which
    at a fixed cell width gives its column.
    """
    width, height = app.size
    cells = [[" "] * width for _ in range(height)]
    for match in _SVG_TEXT.finditer(app.export_screenshot()):
        text = html.unescape(match["text"]).replace("\xa0", " ")
        column = round(float(match["x"]) / (float(match["length"]) / len(text)))
        row = cells[int(match["line"])]
        for char in text:
            if column < width:
                row[column] = char
            column += max(cell_len(char), 1)
            if cell_len(char) == 2 and column - 1 < width:
                row[column - 1] = ""  # the right half of a wide character
    return "\n".join("".join(row).rstrip() for row in cells)


def valid_vuid(engine: Engine) -> int:
    """A chunk that sits on a normal disk and is not being migrated."""
    for volume in engine.cluster.volumes.values():
        for vuid, disk_id in volume.units:
            disk = engine.cluster.disks[disk_id]
            if disk.status.value == "normal" and engine.migrations.busy(vuid) is None:
                return vuid
    raise AssertionError("no free chunk in the test cluster")


def first_row(app: SchedtopApp, **wanted: object):
    """The first task in the client model whose status fields equal ``wanted`` (``internal`` on the row)."""
    for row in app.model.rows.values():
        fields = {"internal": row.internal, "module": row.module, **row.status.model_dump()}
        if all(fields.get(key) == value for key, value in wanted.items()):
            return row
    raise AssertionError(f"no task with {wanted}")


async def add_schedule(engine: Engine) -> None:
    await engine.add_job("nightly inspect", "volume_inspect", 120)


class Tmux:
    """A private tmux server (its own socket), so other tmux users on the machine never touch these sessions."""

    def __init__(self) -> None:
        self.socket = f"schedtop-test-{uuid.uuid4().hex[:8]}"
        self.socket_path = ""

    def __call__(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False).stdout

    def start(self, name: str, command: str) -> None:
        self("new-session", "-d", "-s", name, "-x", "120", "-y", "40", command)
        self.socket_path = self("display-message", "-p", "#{socket_path}").strip() or self.socket_path
        self("set-option", "-t", name, "window-size", "manual")
        self("resize-window", "-t", name, "-x", "120", "-y", "40")

    def wait_for(self, name: str, text: str, timeout: float = 25.0, plain: bool = False) -> str:
        """Wait until ``text`` is on the screen; returns the screen (with its colour codes unless ``plain``)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self("capture-pane", "-t", name, "-p")
            if text in screen:
                return screen if plain else self("capture-pane", "-t", name, "-p", "-e")
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear in {name}; the screen shows:\n{screen}")

    def keys(self, name: str, *keys: str) -> None:
        self("send-keys", "-t", name, *keys)

    def close(self) -> None:
        self("kill-server")
        if self.socket_path:  # tmux leaves its socket file behind
            Path(self.socket_path).unlink(missing_ok=True)
