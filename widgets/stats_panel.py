"""Per-task-type panels: enabled flag, queue counts and 20-minute sparklines with the latest rate in human units.

A panel renders into whatever height the layout gives it: its full form (counts and one sparkline a series) when it
has room, a single summary line when the screen is short. Anything odd in the data shows inside the panel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from engine.model import (
    BalanceStats,
    DiskDropStats,
    DiskRepairStats,
    ErrorRateStats,
    MigrateTasksStat,
    TasksStat,
    TaskType,
)

from .formatting import human_bytes, human_count, keep_spaces_apart, text_segments
from .sparkline import spark_text


@dataclass(frozen=True)
class Series:
    label: str
    field: str
    """Attribute of the section, or ``stats_per_min.<name>`` for the migrate types."""
    unit: Callable[[float], str]


def _count_rate(value: float) -> str:
    return f"{human_count(value)}/min"


def _byte_rate(value: float) -> str:
    return f"{human_bytes(value)}/min"


_MIGRATE_SERIES = (
    Series("tasks", "stats_per_min.finished_cnt", _count_rate),
    Series("shards", "stats_per_min.shard_cnt", _count_rate),
    Series("bytes", "stats_per_min.data_amount_byte", _byte_rate),
)
SERIES: dict[TaskType, tuple[Series, ...]] = {
    TaskType.DISK_REPAIR: _MIGRATE_SERIES,
    TaskType.DISK_DROP: _MIGRATE_SERIES,
    TaskType.BALANCE: _MIGRATE_SERIES,
    TaskType.MANUAL_MIGRATE: _MIGRATE_SERIES,
    TaskType.VOLUME_INSPECT: (
        Series("done", "finished_per_min", _count_rate),
        Series("timeout", "time_out_per_min", _count_rate),
    ),
    TaskType.SHARD_REPAIR: (
        Series("success", "success_per_min", _count_rate),
        Series("failed", "failed_per_min", _count_rate),
    ),
    TaskType.BLOB_DELETE: (
        Series("success", "success_per_min", _count_rate),
        Series("failed", "failed_per_min", _count_rate),
    ),
}
VALUE_WIDTH = 13
"""Room for the longest rate, ``1023.9 GiB/min``."""

QUEUED_SECTIONS = (DiskRepairStats, DiskDropStats, BalanceStats, MigrateTasksStat)
"""The sections with a queue (preparing / doing / finishing counts): the migrate types'."""
PRIMARY_SERIES = {kind: (2 if len(series) == 3 else 0) for kind, series in SERIES.items()}
"""Which series the one-line form shows: bytes for migrations, the first one otherwise."""


def series_values(section: object, series: Series) -> list[int]:
    value: object = section
    for part in series.field.split("."):
        value = getattr(value, part)
    if not isinstance(value, list):  # the model's per-minute fields are lists; anything else is bad data
        raise TypeError(f"{series.field} is a {type(value).__name__}, not a list of per-minute values")
    return list(value)


def latest_rate(values: Sequence[int]) -> int:
    """The last complete minute; the final slot is the current, partial minute and would read low."""
    if len(values) >= 2:
        return values[-2]
    return values[-1] if values else 0


class TaskTypePanel(Widget):
    """One task type's counters and sparklines."""

    DEFAULT_CSS = """
    TaskTypePanel {
        height: 6;
        border: round $primary 50%;
        border-title-color: $text-accent;
        border-title-style: bold;
        padding: 0 1;
    }
    TaskTypePanel.-disabled { border: round $panel-lighten-2; }
    TaskTypePanel.-disabled > .task-type-panel--spark { color: $text-muted; }
    TaskTypePanel > .task-type-panel--spark { color: $accent; }
    TaskTypePanel > .task-type-panel--zero { color: $text-muted 40%; }
    TaskTypePanel > .task-type-panel--label { color: $text-muted; }
    TaskTypePanel > .task-type-panel--value { text-style: bold; }
    TaskTypePanel > .task-type-panel--error { color: $text-error; }
    TaskTypePanel > .task-type-panel--off { color: $text-warning; }
    """

    COMPONENT_CLASSES = {
        "task-type-panel--spark",
        "task-type-panel--zero",
        "task-type-panel--label",
        "task-type-panel--value",
        "task-type-panel--error",
        "task-type-panel--off",
    }

    def __init__(self, task_type: TaskType, *, id: str | None = None) -> None:
        super().__init__(id=id or f"panel-{task_type.value}")
        self.task_type = task_type
        self.section: object | None = None
        self.note = "waiting for data"
        self.border_title = task_type.value
        self._styles: dict[str, Style] = {}
        self._series_memo: dict[str, tuple[tuple[int, tuple[int, ...]], Text]] = {}
        """Each series' line as last built, with the width and values it was built for."""
        self._texts: list[Text] | None = None
        """The panel's lines as last drawn (a list, so line y is ``self._texts[y]``)."""
        self._strips: list[Strip | None] | None = None
        self._width = 0
        self._base: Style | None = None
        self._subtitle: str | None = None
        """The border's subtitle as last set: setting it repaints the whole panel, borders and all."""
        self.suspended = 0
        """This type's suspended tasks (the type is switched off), shown in the border when there are any."""

    def show(self, section: object | None, note: str = "", suspended: int = 0) -> None:
        """Show a stats section (``None`` with a note when this node does not report the type)."""
        if section == self.section and note == self.note and suspended == self.suspended:
            return
        self.section = section
        self.note = note
        self.suspended = suspended
        enabled = getattr(section, "enable", True) if section is not None else None
        self.set_class(enabled is False, "-disabled")
        subtitle = "" if enabled is None else ("[$text-success]on[/]" if enabled else "[$text-warning]off[/]")
        if suspended:  # in the border: the counts line is full on a narrow panel
            subtitle = f"[$text-warning]⏸ {suspended} suspended[/] · {subtitle}"
        if subtitle != self._subtitle:  # not border_subtitle: it reads back as other markup ([/] → [/$text-success])
            self._subtitle = self.border_subtitle = subtitle
        self._repaint_changed_lines()

    def _repaint_changed_lines(self) -> None:
        """Repaint only the lines whose text changed (usually the counts and one or two sparklines)."""
        old = self._texts
        texts = self._texts = self._lines()
        if old is None or len(old) != len(texts) or self._strips is None:
            self._strips = None
            self.refresh()
            return
        width = self.content_region.width
        for y, (before, after) in enumerate(zip(old, texts, strict=True)):
            if before != after:
                self._strips[y] = None
                self.refresh(Region(0, y, width, 1))

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(f"task-type-panel--{name}")
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}
        self._series_memo = {}
        self._strips = None
        self._base = None

    def _base_style(self) -> Style:
        """``rich_style`` walks every ancestor; once per style change is enough."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def on_resize(self) -> None:
        self._strips = None

    def render_line(self, y: int) -> Strip:
        """Line API: the panel's few lines are drawn straight to strips (no markup, no Content round trip)."""
        width = self.content_region.width
        base = self._base_style()
        if self._strips is None or self._texts is None or self._width != width:
            texts = self._texts = self._lines()
            self._strips = [None] * len(texts)
            self._width = width
        if y >= len(self._texts or ()):
            return Strip.blank(width, base)
        strip = self._strips[y]
        if strip is None:
            segments = [
                Segment(seg.text, base + seg.style if seg.style else base)
                for seg in text_segments((self._texts or [])[y], self.app.console)
            ]
            strip = self._strips[y] = Strip(keep_spaces_apart(segments)).adjust_cell_length(width, base)
        return strip

    def render(self) -> Text:
        return Text("\n").join(self._lines())

    def _lines(self) -> list[Text]:
        """The panel's lines: the counts and a sparkline a series, the one-line form, or the note."""
        try:
            return self._section_lines()
        except Exception as error:  # a malformed section must not take the dashboard down
            return list(Text(f"⚠ {type(error).__name__}: {error}", self._style("error")).split("\n", allow_blank=True))

    def _section_lines(self) -> list[Text]:
        width = max(1, self.content_region.width or 40)
        height = max(1, self.content_region.height or 4)
        section = self.section
        if section is None:
            note = Text(self.note, self._style("label") if not self.note.startswith("⚠") else self._style("error"))
            return list(note.split("\n", allow_blank=True))
        if height == 1:
            return list(self._one_line(section, width).split("\n", allow_blank=True))
        counts = self._counts_line(section)
        counts.truncate(width, overflow="ellipsis")
        return [counts, *(self._series_line(section, series, width) for series in SERIES[self.task_type][: height - 1])]

    def _counts_line(self, section: object) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        label = self._style("label")
        if isinstance(section, QUEUED_SECTIONS):
            queue = (
                ("prep", section.preparing_cnt),
                ("doing", section.worker_doing_cnt),
                ("fin", section.finishing_cnt),
            )
            for name, count in queue:
                text.append(f"{name} ", label)
                text.append(f"{count}  ", self._style("value"))
            if isinstance(section, DiskRepairStats | DiskDropStats):
                done = section.repaired_tasks_cnt if isinstance(section, DiskRepairStats) else section.dropped_tasks_cnt
                text.append("done ", label)
                text.append(f"{done}/{section.total_tasks_cnt}", self._style("value"))
        elif isinstance(section, ErrorRateStats):
            text.append("errors ", label)
            text.append(f"{section.total_err_cnt}", self._style("value"))
            top = (section.err_stats or [])[:1]
            if top:
                text.append(f"  {top[0]}", label)
        else:
            total = sum(series_values(section, SERIES[self.task_type][0]))
            text.append("inspected (20 min) ", label)
            text.append(human_count(total), self._style("value"))
        if getattr(section, "enable", True) is False:
            text.append("  disabled", self._style("off"))
        return text

    def _series_block(self, section: object, series: Series, spark_width: int, values: list[int] | None = None) -> Text:
        """``label ▁▂▃▅ value``: a fixed-width block so the rows' columns line up."""
        if values is None:
            values = series_values(section, series)
        # complete minutes only, like the value: the current minute is still filling up and would read as a dip
        # (and would redraw the line every refresh)
        complete = values[:-1] if len(values) >= 2 else values
        text = Text(f"{series.label:<7} ", self._style("label"), no_wrap=True)
        text.append_text(spark_text(complete, spark_width, self._style("spark"), self._style("zero")))
        text.append(f" {series.unit(latest_rate(values)):>{VALUE_WIDTH}}", self._style("value"))
        return text

    def _series_line(self, section: object, series: Series, width: int) -> Text:
        """A series' line, built again only when its values or the width changed: at most one or two of a panel's
        series move between two refreshes, and building sparklines was most of a refresh's cost here."""
        spark_width = max(0, min(20, width - 8 - VALUE_WIDTH - 1))
        values = series_values(section, series)
        key = (width, tuple(values))
        memo = self._series_memo.get(series.field)
        if memo is not None and memo[0] == key:
            return memo[1]
        line = self._series_block(section, series, spark_width, values)
        line.truncate(width, overflow="ellipsis")
        self._series_memo[series.field] = (key, line)
        return line

    def _one_line(self, section: object, width: int) -> Text:
        """Name, switch, queue counts, then as many series blocks as fit (the primary one first)."""
        text = Text(f"{self.task_type.value:<15}", no_wrap=True, overflow="ellipsis")
        if getattr(section, "enable", True) is False:
            text.append("off ", self._style("off"))
        else:
            text.append("on  ", self._style("label"))

        if isinstance(section, QUEUED_SECTIONS):
            counts = f"{section.preparing_cnt}/{section.worker_doing_cnt}/{section.finishing_cnt}"
            text.append(f"{counts:<10}", self._style("value"))
        elif isinstance(section, ErrorRateStats):
            text.append(f"{'err ' + str(section.total_err_cnt):<10}", self._style("value"))
        else:
            text.append(" " * 10)
        all_series = SERIES[self.task_type]
        primary = PRIMARY_SERIES[self.task_type]
        ordered = [all_series[primary], *(s for i, s in enumerate(all_series) if i != primary)]
        room = width - text.cell_len
        fixed = 7 + 1 + 1 + VALUE_WIDTH + 2
        count = max(1, min(len(ordered), room // (fixed + 8)))
        spark_width = max(0, min(20, room // count - fixed))
        for index, series in enumerate(ordered[:count]):
            if index:
                text.append("  ")
            text.append_text(self._series_block(section, series, spark_width))
        return text


class StatsPanels(Widget):
    """The seven task-type panels; the screen's CSS decides whether they sit in a grid or in a list."""

    DEFAULT_CSS = """
    StatsPanels {
        layout: grid;
        grid-size: 1;
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._panels: list[TaskTypePanel] = []

    def compose(self) -> ComposeResult:
        for task_type in TaskType:
            yield TaskTypePanel(task_type)

    def show(
        self,
        stats: TasksStat | None,
        is_leader: bool = True,
        error: str = "",
        suspended: Mapping[str, int] | None = None,
    ) -> None:
        """``suspended``: suspended tasks by task type (``Snapshot.suspended``)."""
        if not self._panels:
            self._panels = list(self.query(TaskTypePanel))
        for panel in self._panels:
            if error:
                panel.show(None, f"⚠ {error}")
                continue
            section = getattr(stats, panel.task_type.value, None) if stats is not None else None
            note = "" if section is not None else ("waiting for data" if stats is None else "not on this node")
            if section is None and stats is not None and not is_leader:
                note = "leader only (this node follows)"
            panel.show(section, note, (suspended or {}).get(panel.task_type.value, 0))
