"""The header line: cluster and node, leader/follower, supervisor badge, alerts, connection, data age, refresh, clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from engine.model import Severity, SupervisorState

from .formatting import exact_number, human_count, human_duration, keep_spaces_apart, text_segments

STALE_AFTER_REFRESHES = 2
"""Data older than this many refresh periods is shown as stale."""


@dataclass(frozen=True)
class StatusInfo:
    """Everything the status bar shows; the app builds one per second."""

    cluster: str = ""
    node: str = ""
    """The node shown: ``embedded`` for the in-process engine, else its name or ``host:port``."""
    node_position: tuple[int, int] | None = None
    """(this node, of how many) when several nodes are watched."""
    nodes_down: int = 0
    """Other watched nodes that are not answering."""
    is_leader: bool | None = None
    supervisor: SupervisorState | None = None
    supervisor_configured: bool = True
    connection: str = "connecting"
    """``connecting``, ``connected`` or ``disconnected``."""
    error: str = ""
    data_age: float | None = None
    refresh: float = 1.0
    paused: bool = False
    read_only: bool = False
    source: str = ""
    clock: datetime | None = None
    """The data's clock (the engine's, which may run fast), so that it agrees with every time on screen."""
    clock_speed: float = 1.0
    behind: int = 0
    """Items (task trees, disks) the source's request budget has left unread past their max age."""
    behind_oldest: float = 0.0
    """Seconds since the longest-unread of them was read."""
    alerts: int = 0
    """Firing alerts nobody has acknowledged yet (of every node watched)."""
    alerts_severity: Severity | None = None
    """The worst severity among them, which colours the count."""
    extras: tuple[str, ...] = field(default_factory=tuple)
    replay: bool = False
    """The data is a recording played back (``schedtop --replay``), not a live cluster."""


def is_stale(info: StatusInfo) -> bool:
    """The data on screen is not live: its node is down, or it is older than two refreshes (paused or late)."""
    if info.connection == "disconnected":
        return True
    return info.data_age is not None and info.data_age > max(STALE_AFTER_REFRESHES * info.refresh, 2.0)


class StatusBar(Widget):
    """One line at the top of every screen; it never hides the data's age or the PAUSED state."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $foreground;
    }
    StatusBar > .status-bar--running { background: $success; color: $text; text-style: bold; }
    StatusBar > .status-bar--halted { background: $warning; color: $text; text-style: bold; }
    StatusBar > .status-bar--finished { background: $secondary; color: $text; text-style: bold; }
    StatusBar > .status-bar--paused { background: $error; color: $text; text-style: bold; }
    StatusBar > .status-bar--replay { background: $accent; color: $text; text-style: bold; }
    StatusBar > .status-bar--bad { color: $text-error; text-style: bold; }
    StatusBar > .status-bar--warn { color: $text-warning; text-style: bold; }
    StatusBar > .status-bar--good { color: $text-success; }
    StatusBar > .status-bar--dim { color: $text-muted; }
    StatusBar > .status-bar--name { text-style: bold; color: $text-accent; }
    StatusBar > .status-bar--cluster { text-style: bold; }
    StatusBar > .status-bar--base { background: $panel; color: $foreground; }
    """

    COMPONENT_CLASSES = {
        "status-bar--running",
        "status-bar--halted",
        "status-bar--finished",
        "status-bar--paused",
        "status-bar--replay",
        "status-bar--bad",
        "status-bar--warn",
        "status-bar--good",
        "status-bar--dim",
        "status-bar--name",
        "status-bar--cluster",
        "status-bar--base",
    }

    def __init__(self, info: StatusInfo | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._info = info or StatusInfo()
        self._strip: Strip | None = None
        self._styles: dict[str, Style] = {}

    @property
    def info(self) -> StatusInfo:
        return self._info

    def show(self, info: StatusInfo) -> None:
        """Repaint only when something visible changed."""
        if info != self._info:
            self._info = info
            self._strip = None
            self.refresh()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"status-bar--{name}")
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._strip = None

    def on_resize(self) -> None:
        self._strip = None

    def render_line(self, y: int) -> Strip:
        """Line API: one line, drawn straight to a strip (and redrawn only when the information changed)."""
        width = self.content_region.width
        if self._strip is None or self._strip.cell_length != width:
            base = self._style("base")
            segments = [
                Segment(seg.text, base + seg.style if seg.style else base)
                for seg in text_segments(self.render(), self.app.console)
            ]
            self._strip = Strip(keep_spaces_apart(segments)).adjust_cell_length(width, base)
        return self._strip if y == 0 else Strip.blank(width, self._style("base"))

    def render(self) -> Text:
        """Lay out the parts by priority; on a narrow terminal the least important ones are dropped first."""
        parts = self._parts()
        width = self.size.width or 200
        kept = list(parts)
        while sum(piece.cell_len for _, piece in kept) > width and any(prio > 0 for prio, _ in kept):
            lowest = max(prio for prio, _ in kept)
            index = max(i for i, (prio, _) in enumerate(kept) if prio == lowest)
            del kept[index]
        text = Text(no_wrap=True, overflow="ellipsis")
        clock = next((piece for prio, piece in kept if prio == -1), None)
        for prio, piece in kept:
            if prio != -1:
                text.append_text(piece)
        if clock is not None:
            text.append(" " * max(1, width - text.cell_len - clock.cell_len))
            text.append_text(clock)
        return text

    def _parts(self) -> list[tuple[int, Text]]:
        """(priority, text) pairs; 0 is never dropped, higher numbers go first, -1 is the right-aligned clock."""
        info = self._info
        parts: list[tuple[int, Text]] = [(0, Text(" schedtop ", self._style("name")))]
        if info.replay:
            parts.append((0, Text(" REPLAY ", self._style("replay"))))
            parts.append((0, Text(" ")))
        if info.paused:
            parts.append((0, Text(" PAUSED ", self._style("paused"))))
            parts.append((0, Text(" ")))
        where = Text()
        if info.cluster:
            where.append(f"{info.cluster} ", self._style("cluster"))
            where.append("· ", self._style("dim"))
        if info.node:
            where.append((info.node if info.node == "embedded" else f"node {info.node}") + " ")
        if info.node_position is not None:
            where.append(f"({info.node_position[0]}/{info.node_position[1]}) ", self._style("dim"))
        if where:
            parts.append((3, where))
        if info.is_leader is not None:  # the node shown is the leader: say so beside its name
            parts.append((4, Text("leader " if info.is_leader else "follower ", self._style("dim"))))
        if info.nodes_down:
            down = f"· {info.nodes_down} other node{'s' if info.nodes_down > 1 else ''} down "
            parts.append((2, Text(down, self._style("bad"))))
        if info.supervisor is not None:
            badge = info.supervisor.value
            parts.append((1, Text(f" {badge} ", self._style(badge.lower()))))
            parts.append((1, Text(" ")))
        elif not info.supervisor_configured:
            parts.append((4, Text("no schedule ", self._style("dim"))))
        if info.alerts:
            # critical in the error colour, warning in the warning colour; info-only alerts stay quiet
            severity = info.alerts_severity
            style = "bad" if severity is Severity.CRITICAL else "warn" if severity is Severity.WARNING else "dim"
            count = f"⚠ {info.alerts} alert{'s' if info.alerts > 1 else ''} "
            parts.append((1, Text(count, self._style(style))))
        if info.connection == "connected":
            parts.append((2, Text("● connected ", self._style("good"))))
        elif info.connection == "disconnected":
            parts.append((0, Text("✖ disconnected ", self._style("bad"))))
            if info.error:
                parts.append((5, Text(f"({info.error}) ", self._style("bad"))))
        else:
            parts.append((0, Text("… connecting ", self._style("dim"))))
        age = info.data_age
        stale = is_stale(info)
        age_text = Text(" age ", self._style("dim"))
        age_text.append("–" if age is None else human_duration(age), self._style("bad") if stale else "")
        parts.append((0, age_text))
        if info.behind:
            lag = f"  {human_count(info.behind)} behind (oldest {human_duration(info.behind_oldest)})"
            parts.append((1, Text(lag, self._style("bad"))))
        parts.append((3, Text(f"  every {info.refresh:g}s", self._style("dim"))))
        if info.read_only:
            parts.append((2, Text("  read-only", self._style("dim"))))
        for extra in info.extras:
            parts.append((6, Text(f"  {extra}", self._style("dim"))))
        if info.source:
            parts.append((7, Text(f"  {info.source}", self._style("dim"))))
        if info.clock is not None:
            speed = f" ×{exact_number(info.clock_speed)}" if info.clock_speed != 1 else ""
            parts.append((-1, Text(info.clock.strftime("%H:%M:%S") + speed + " ")))
        return parts
