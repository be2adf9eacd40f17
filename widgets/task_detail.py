"""The selected task's full status: every task_status field, and for migrate tasks the CubeFS detail and stat.

The pane is laid out as plain lines of (text, style) pieces — a label column and a value column that folds long
values — and drawn with the line API, so a running task's once-a-second change (progress, elapsed time) costs a
few lines, not a table re-render and a screen re-layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from engine.model import CodeMode, MigrateState, MigrateTaskDetail, TaskRow, TaskState, TaskStatus, split_vuid

from .formatting import (
    bar_parts,
    elapsed_seconds,
    exact_number,
    foreground,
    human_bytes,
    human_duration,
    keep_spaces_apart,
    percent_text,
)
from .task_view import STATE_ICONS

STATUS_FIELDS = tuple(TaskStatus.model_fields)
BYTE_UNITS = frozenset({"bytes", "byte", "b"})
BELOW_INDENT = 2
"""Indent of a value line laid out below its label (see :func:`layout_section`)."""
SIDE_BY_SIDE_FROM = 96
"""Cells from which the status and the migrate detail sit next to each other instead of stacked."""

Piece = tuple[str, Style]
Line = list[Piece]
PLAIN_STYLE = Style()
PAD_STYLE = Style(italic=True)
"""Blank runs (continuation indents, the gap between columns) get a style of their own — invisible on spaces —
so they never merge into the text after them: SVG renderers drop a text run's leading spaces."""


@dataclass(frozen=True)
class DetailStyles:
    """The pane's colours, from the theme (component classes of :class:`TaskDetail`); plain defaults for tests."""

    title: Style = field(default_factory=lambda: Style(bold=True, reverse=True))
    label: Style = field(default_factory=lambda: Style(bold=True))
    error: Style = field(default_factory=lambda: Style(bold=True))
    note: Style = field(default_factory=lambda: Style(italic=True))
    bar: Style = field(default_factory=Style)
    track: Style = field(default_factory=Style)


PLAIN = DetailStyles()


@dataclass
class Section:
    """A titled two-column block: label → value pieces (a value may hold newlines)."""

    title: str
    rows: list[tuple[str, Line]] = field(default_factory=list)

    def add(self, label: str, value: str | Line, style: Style = PLAIN_STYLE) -> None:
        self.rows.append((label, [(value, style)] if isinstance(value, str) else value))


def _time(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _value(value: object) -> str:
    if isinstance(value, datetime) or value is None:
        return _time(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return exact_number(value)
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)


def _bar(fraction: float | None, label: str, styles: DetailStyles) -> Line:
    filled, empty = bar_parts(fraction, 20)
    return [(filled, styles.bar), (empty, styles.track), (" " + label, styles.bar)]


def code_mode_name(code: int) -> str:
    try:
        return f"{CodeMode(code).name} ({code})"
    except ValueError:
        return str(code)


def status_section(row: TaskRow, now: datetime | None, styles: DetailStyles = PLAIN) -> Section:
    status = row.status
    section = Section(f" {STATE_ICONS.get(status.state, '?')} {status.type} ")
    section.add("module", row.module + ("  (internal)" if row.internal else "") + ("  (user)" if row.user else ""))
    if row.gone:
        section.add("note", "finished and gone from the server; kept here", styles.note)
    if status.state is TaskState.SUSPENDED:
        section.add(
            "note",
            f"suspended: task type {status.type} is switched off; its progress is frozen until it is switched on",
            styles.error,
        )
    for name in STATUS_FIELDS:
        value = getattr(status, name)
        if name == "children_ids":
            # one child a line, with the node it runs on: ids are never split, and easy to pick out
            shown = "".join(f"\n{child.task_id} @ {child.node}" for child in value)
            section.add(name, f"{len(value)}:{shown}" if value else "none")
        elif name in ("progress_total", "progress_completed"):
            in_bytes = status.progress_units.lower() in BYTE_UNITS and value >= 1024
            section.add(name, _value(value) + (f"  ({human_bytes(value)})" if in_bytes else ""))
            if name == "progress_completed":
                section.add("progress", _bar(status.fraction, percent_text(status.fraction), styles))
        elif name == "error" and value:
            section.add(name, value, styles.error)
        else:
            section.add(name, _value(value))
    section.add("elapsed", human_duration(elapsed_seconds(status.start_time, status.end_time, now)))
    return section


def migrate_section(detail: MigrateTaskDetail, styles: DetailStyles = PLAIN) -> Section:
    task, stat = detail.task, detail.stat
    section = Section(" migrate task ")
    section.add("task_id", task.task_id)
    section.add("task_type", task.task_type.value)
    try:
        state = f"{MigrateState(task.state).name.lower()} ({int(task.state)})"
    except ValueError:
        state = str(task.state)
    section.add("state", state)
    section.add("code_mode", code_mode_name(task.code_mode))
    section.add("source_idc", task.source_idc)
    section.add("source_disk_id", str(task.source_disk_id))
    vid, index, epoch = split_vuid(task.source_vuid)
    section.add("source_vuid", f"{task.source_vuid}  (vid {vid}, index {index}, epoch {epoch})")
    section.add("sources", "\n".join(f"{s.vuid} @ {s.host} disk {s.disk_id}" for s in task.sources) or "–")
    dest = task.destination
    section.add("destination", f"{dest.vuid} @ {dest.host or '–'} disk {dest.disk_id}")
    section.add("ctime", task.ctime or "–")
    section.add("mtime", task.mtime or "–")
    section.add("forbidden_direct_download", _value(task.forbidden_direct_download))
    section.add("worker_redo_cnt", str(task.worker_redo_cnt))
    section.add("finish_advance_reason", task.finish_advance_reason or "–")
    fraction = stat.progress / 100 if stat.total_count or stat.progress else None
    section.add("stat.progress", _bar(fraction, f"{stat.progress}%", styles))
    section.add("stat.done/total", f"{stat.done_count}/{stat.total_count} shards")
    section.add("stat.size", f"{human_bytes(stat.done_size)} of {human_bytes(stat.total_size)}")
    return section


def _break_at(part: str, room: int, line_width: int) -> int:
    """How many characters of ``part`` go on a line with ``room`` cells left: up to the last space that fits,
    unless the word there is longer than a whole line (then the word is chopped, never dropped)."""
    head = chop_cells(part, room)[0] if room > 0 else ""
    space = head.rfind(" ")
    if space > 0:
        return space + 1  # the space stays at the end of the line, so the next one starts with the word
    first_word = part.split(" ", 1)[0]
    if room < line_width and cell_len(first_word) <= line_width:
        return 0  # the word fits on a line of its own: start one
    return len(head)


def fold(pieces: Line, width: int) -> list[Line]:
    """Pieces → lines of at most ``width`` cells; newlines break, long text wraps at spaces, words longer than a
    line are chopped (never dropped): a value must never read as another one, e.g. disk ``116`` as ``16``."""
    width = max(1, width)
    lines: list[Line] = [[]]
    used = 0
    for text, style in pieces:
        for number, part in enumerate(text.split("\n")):
            if number:
                lines.append([])
                used = 0
            while part:
                room = width - used
                if cell_len(part) <= room:
                    lines[-1].append((part, style))
                    used += cell_len(part)
                    break
                cut = _break_at(part, room, width)
                if cut:
                    lines[-1].append((part[:cut], style))
                part = part[cut:]
                lines.append([])
                used = 0
    return lines


def _split_lines(pieces: Line) -> list[Line]:
    """A value's pieces, line by line (at its newlines)."""
    lines: list[Line] = [[]]
    for text, style in pieces:
        for number, part in enumerate(text.split("\n")):
            if number:
                lines.append([])
            if part:
                lines[-1].append((part, style))
    return lines


def _widest_word(line: Line) -> int:
    return max((cell_len(word) for word in "".join(text for text, _ in line).split()), default=0)


def layout_section(section: Section, width: int, styles: DetailStyles) -> list[Line]:
    """Label column, value column. A value line with a word wider than the value column (a task id in a narrow
    pane) goes below its label, across the pane, so the word is not split (unless it is wider than the pane)."""
    label_width = min(max((len(label) for label, _ in section.rows), default=0), max(4, width // 2))
    value_width = max(1, width - label_width - 1)
    below_width = max(1, width - BELOW_INDENT)
    lines: list[Line] = [[(section.title, styles.title)]]
    pad = " " * (label_width + 1)
    for label, value in section.rows:
        label_text = label if len(label) <= label_width else label[: label_width - 1] + "…"
        labelled = False
        for value_line in _split_lines(value):
            if _widest_word(value_line) > value_width and below_width > value_width:
                if not labelled:
                    lines.append([(label_text, styles.label)])
                    labelled = True
                lines.extend([(" " * BELOW_INDENT, PAD_STYLE), *folded] for folded in fold(value_line, below_width))
                continue
            for folded in fold(value_line, value_width):
                head = pad if labelled else f"{label_text:<{label_width}} "
                lines.append([(head, PAD_STYLE if labelled else styles.label), *folded])
                labelled = True
    return lines


def _width_of(line: Line) -> int:
    return sum(cell_len(text) for text, _ in line)


def layout(sections: Sequence[Section], note: str, width: int, styles: DetailStyles) -> list[Line]:
    """The pane's lines: the sections next to each other when there is room, else one below the other."""
    lines: list[Line] = []
    if len(sections) == 2 and width >= SIDE_BY_SIDE_FROM:
        column = (width - 2) // 2
        left, right = (layout_section(section, column, styles) for section in sections)
        for number in range(max(len(left), len(right))):
            line = list(left[number]) if number < len(left) else []
            if number < len(right):
                line.append((" " * (column + 2 - _width_of(line)), PAD_STYLE))
                line.extend(right[number])
            lines.append(line)
    else:
        for number, section in enumerate(sections):
            if number:
                lines.append([])
            lines.extend(layout_section(section, width, styles))
    if note:
        if lines:
            lines.append([])
        lines.extend(fold([(note, styles.note)], width))
    return lines


class TaskDetail(ScrollView, can_focus=True):
    """A scrollable pane of the selected task; it redraws only the lines that changed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]

    DEFAULT_CSS = """
    TaskDetail {
        height: 1fr;
        padding: 0 1;
        background: $surface;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    TaskDetail > .task-detail--title { color: $text-accent; text-style: bold reverse; }
    TaskDetail > .task-detail--label { color: $text-muted; text-style: bold; }
    TaskDetail > .task-detail--error { color: $text-error; text-style: bold; }
    TaskDetail > .task-detail--note { color: $text-muted; text-style: italic; }
    TaskDetail > .task-detail--bar { color: $accent; }
    TaskDetail > .task-detail--track { color: $text-muted 30%; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "task-detail--title",
        "task-detail--label",
        "task-detail--error",
        "task-detail--note",
        "task-detail--bar",
        "task-detail--track",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._shown: tuple[object, ...] | None = None
        self._data: tuple[TaskRow | None, MigrateTaskDetail | None, str, datetime | None] = (None, None, "", None)
        self._lines: list[Line] = []
        self._laid_out_for = -1
        self._strips: dict[int, Strip] = {}
        self._styles: DetailStyles | None = None
        self._base: Style | None = None

    @property
    def text(self) -> str:
        """The pane as plain text (for tests and screen readers)."""
        return "\n".join("".join(text for text, _ in line).rstrip() for line in self._lines)

    def show(
        self,
        row: TaskRow | None,
        detail: MigrateTaskDetail | None = None,
        note: str = "",
        now: datetime | None = None,
    ) -> None:
        """Show a task (or a placeholder note); ``note`` also carries a detail lookup's error."""
        live = row is not None and not row.status.state.is_final
        key = (row, detail, note, now if live else None)
        if key == self._shown:
            return
        self._shown = key
        self._data = (row, detail, note, now)
        self._relayout()

    # -- layout ---------------------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return foreground(self.get_component_rich_style(f"task-detail--{name}"))

    @property
    def styles_now(self) -> DetailStyles:
        if self._styles is None:
            names = ("title", "label", "error", "note", "bar", "track")
            self._styles = DetailStyles(**{name: self._style(name) for name in names})
        return self._styles

    def _content_width(self) -> int:
        return max(20, self.scrollable_content_region.width or self.size.width or 60)

    def _relayout(self) -> None:
        row, detail, note, now = self._data
        styles = self.styles_now
        width = self._content_width()
        try:
            if row is None:
                lines = fold([(note or "no task selected", styles.note)], width)
            else:
                sections = [status_section(row, now, styles)]
                if detail is not None:
                    sections.append(migrate_section(detail, styles))
                lines = layout(sections, note, width, styles)
        except Exception as error:  # keep the pane alive on odd data
            lines = fold([(f"⚠ cannot show this task: {type(error).__name__}: {error}", styles.error)], width)
        old, self._lines = self._lines, lines
        self._laid_out_for = width
        if len(lines) != len(old):
            self._strips.clear()
            self.virtual_size = Size(0, len(lines))  # lines fold to the width: nothing to scroll sideways
            self.refresh()
            return
        top = int(self.scroll_offset.y)
        for number, (before, after) in enumerate(zip(old, lines, strict=True)):
            if before != after:
                self._strips.pop(number, None)
                if top <= number < top + self.size.height:
                    self.refresh_line(number)

    def on_resize(self, event: events.Resize) -> None:
        if self._content_width() != self._laid_out_for:
            self._strips.clear()
            self._relayout()
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()
        self._base = None

    def _base_style(self) -> Style:
        """``rich_style`` walks every ancestor; once per style change is enough."""
        if self._base is None:
            self._base = self.rich_style
        return self._base
        if self.is_mounted:
            self._relayout()

    # -- rendering ------------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        number = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        base = self._base_style()
        if number >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._strips.get(number)
        if strip is None or strip.cell_length != width:
            segments = [Segment(text, base + style) for text, style in self._lines[number] if text]
            strip = Strip(keep_spaces_apart(segments))
            if strip.cell_length > width > 1:  # laid out for a wider pane a moment ago: mark the cut, never hide it
                strip = Strip.join([strip.crop(0, width - 1), Strip([Segment("…", base)])])
            strip = self._strips[number] = strip.adjust_cell_length(width, base)
        return strip
