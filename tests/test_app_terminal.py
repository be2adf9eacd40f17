"""Terminals: resizing while the data updates, NO_COLOR, ``--ansi`` and a 256-colour ``screen`` terminal in tmux."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from textual.errors import NoWidget
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarCorner
from textual.widget import Widget

from app.screens.base import MIN_HEIGHT, MIN_WIDTH
from tests.app_support import Tmux, running, screen_text

SCHEDTOP = Path(sys.executable).with_name("schedtop")
SIZES = [(200, 60), (160, 48), (120, 40), (100, 30), (80, 24), (70, 22), (60, 20), (59, 17), (80, 24), (200, 60)]
SGR = re.compile(r"\x1b\[([0-9;]*)m")
GREYS = {0, 7, 8, 15, 16, 231, *range(232, 256)}


def leaf_regions(app: object) -> list[tuple[Widget, object]]:
    """What each visible leaf widget covers on screen (scrollbars belong to their widget's region), from the public
    ``Screen.find_widget`` (its region on screen and the clip of its containers) for every widget of the screen."""
    screen = app.screen  # type: ignore[attr-defined]
    visible: dict[Widget, Region] = {}
    for widget in screen.walk_children(with_self=False):
        try:
            geometry = screen.find_widget(widget)
        except NoWidget:  # not laid out: hidden, or inside something hidden
            continue
        if screen.region.overlaps(geometry.region) and geometry.clip.overlaps(geometry.region):
            visible[widget] = geometry.region.intersection(geometry.clip)
    leaves = []
    for widget, shown in visible.items():
        if isinstance(widget, ScrollBar | ScrollBarCorner):
            continue
        if any(child in visible for child in widget.children):
            continue
        if shown.area:
            leaves.append((widget, shown))
    return leaves


def overlaps(app: object) -> list[str]:
    leaves = leaf_regions(app)
    found = []
    for index, (first, a) in enumerate(leaves):
        for second, b in leaves[index + 1 :]:
            if a.intersection(b).area:  # type: ignore[attr-defined]
                found.append(f"{first!r} {a} overlaps {second!r} {b}")
    return found


async def test_resizing_from_200x60_to_60x20_and_back_while_updating_keeps_every_panel_apart() -> None:
    async with running(size=SIZES[0]) as (app, pilot, engine):
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await engine.advance(2)
            await app.refresh_data()
            await pilot.pause()
            text = screen_text(app)
            if width < MIN_WIDTH or height < MIN_HEIGHT:
                assert f"terminal too small: need {MIN_WIDTH}×{MIN_HEIGHT}, have {width}×{height}" in text
                assert "disk_repair" not in text
            else:
                assert "schedtop" in text.splitlines()[0] and "disk_repair" in text, (width, height)
                assert overlaps(app) == [], (width, height)
        assert app.is_running


def sgr_colours(screen: str) -> tuple[set[int], set[int], int]:
    """(256-colour indices, basic 30–37/90–97 style codes, truecolour uses) in tmux's ``capture-pane -e`` text."""
    indexed: set[int] = set()
    basic: set[int] = set()
    truecolour = 0
    for match in SGR.finditer(screen):
        params = [int(p) for p in match.group(1).split(";") if p.isdigit()]
        index = 0
        while index < len(params):
            code = params[index]
            if code in (38, 48) and index + 1 < len(params):
                if params[index + 1] == 5 and index + 2 < len(params):
                    indexed.add(params[index + 2])
                    index += 3
                    continue
                if params[index + 1] == 2:
                    truecolour += 1
                    index += 5
                    continue
            if 30 <= code <= 37 or 40 <= code <= 47 or 90 <= code <= 97 or 100 <= code <= 107:
                basic.add(code)
            index += 1
    return indexed, basic, truecolour


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_no_color_ansi_and_screen_256color_terminals_render_the_main_screen(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("refresh = 0.5\n")
    base = f"env -u COLUMNS -u LINES -u NO_COLOR -u COLORTERM SCHEDTOP_CONFIG={config}"
    runs = {
        "nocolor": f"{base} NO_COLOR=1 TERM=xterm-256color {SCHEDTOP} --seed 2",
        "ansi": f"{base} TERM=xterm-256color {SCHEDTOP} --seed 2 --ansi",
        "screen": f"{base} TERM=screen-256color {SCHEDTOP} --seed 2",
    }
    tmux = Tmux()
    try:
        for name, command in runs.items():  # all three start at once: the test waits once, not three times
            tmux.start(name, f"{command}; sleep 10")
        screens = {name: tmux.wait_for(name, "sim-2 · embedded") for name in runs}
        for name, screen in screens.items():
            plain = SGR.sub("", screen)
            assert "task types" in plain and "disk_repair" in plain and "● connected" in plain, name
        indexed, _, truecolour = sgr_colours(screens["nocolor"])
        assert truecolour == 0 and indexed <= GREYS, "NO_COLOR draws in greys only"
        indexed, basic, truecolour = sgr_colours(screens["ansi"])
        assert truecolour == 0 and all(i < 16 for i in indexed) and (basic or indexed), "--ansi: the 16 colours"
        indexed, _, truecolour = sgr_colours(screens["screen"])
        assert truecolour == 0 and indexed - GREYS, "screen-256color: 256 colours, not only greys"
    finally:
        tmux.close()
