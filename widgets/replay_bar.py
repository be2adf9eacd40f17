"""The replay's timeline: play state and speed, the recorded time, and where it is between start and end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.widget import Widget


@dataclass(frozen=True)
class ReplayPosition:
    at: datetime
    start: datetime
    end: datetime
    playing: bool
    speed: float


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class ReplayBar(Widget):
    """One line under the header while a recording plays: ``▶ ×4  2026-11-30 16:50:12  ━━━●──  0:12:30 / 1:00:00``."""

    DEFAULT_CSS = """
    ReplayBar { height: 1; width: 1fr; background: $boost; color: $foreground; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.position: ReplayPosition | None = None

    def show(self, position: ReplayPosition) -> None:
        if position != self.position:
            self.position = position
            self.refresh()

    def render(self) -> Text:
        position = self.position
        if position is None:
            return Text(" replay")
        total = (position.end - position.start).total_seconds()
        done = (position.at - position.start).total_seconds()
        state = "▶" if position.playing else "❚❚"
        left = Text.assemble((f" {state} ×{position.speed:g} ", "bold"), f" {position.at:%Y-%m-%d %H:%M:%S} UTC  ")
        right = Text(f"  {_duration(done)} / {_duration(total)} ")
        width = max(3, self.size.width - left.cell_len - right.cell_len)
        fraction = done / total if total > 0 else 1.0
        filled = round(max(0.0, min(1.0, fraction)) * (width - 1))
        line = left
        line.append("━" * filled, "bold")
        line.append("●", "bold")
        line.append("─" * (width - 1 - filled), "dim")
        line.append_text(right)
        return line
