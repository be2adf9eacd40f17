"""Human-readable numbers for the widgets: byte rates, durations, ages and text progress bars."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
_BAR_EIGHTHS = " ▏▎▍▌▋▊▉"


def human_bytes(amount: float) -> str:
    """``3.2 GiB``: 1024-based, one decimal above bytes."""
    value = float(max(0.0, amount))
    unit = 0
    while value >= 1024 and unit < len(_BINARY_UNITS) - 1:
        value /= 1024
        unit += 1
    return f"{value:.0f} B" if unit == 0 else f"{value:.1f} {_BINARY_UNITS[unit]}"


def human_count(value: float) -> str:
    """``950``, ``59,123``, ``12.3M``: exact with thousands separators up to ten million, then short."""
    number = float(value)
    if abs(number) < 1e7:
        return f"{round(number):,}"
    for limit, suffix in ((1e9, "G"), (1e6, "M")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}{suffix}"
    return f"{round(number):,}"


def exact_number(value: float) -> str:
    """``9,347,470,000`` or ``12.5``: every digit, thousands separated, never scientific notation."""
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.3f}".rstrip("0")


def human_duration(seconds: float | None) -> str:
    """``45s``, ``12m03s``, ``3h07m``, ``2d04h``; ``–`` when unknown."""
    if seconds is None:
        return "–"
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def elapsed_seconds(start: datetime | None, end: datetime | None, now: datetime | None) -> float | None:
    """Seconds from start to end (or to ``now`` while unfinished); None when the task has no start time."""
    if start is None:
        return None
    stop = end or now
    if stop is None:
        return None
    return max(0.0, (stop - start).total_seconds())


def bar_parts(fraction: float | None, width: int) -> tuple[str, str]:
    """(filled, empty) halves of a determinate bar drawn with eighth blocks; unknown → an all-dots track."""
    width = max(1, width)
    if fraction is None:
        return "", "·" * width
    fraction = max(0.0, min(1.0, fraction))
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    filled = "█" * full + (_BAR_EIGHTHS[part] if part and full < width else "")
    return filled, "░" * (width - len(filled))


def bar_text(fraction: float | None, width: int, style: str | Style = "", empty_style: str | Style = "") -> Text:
    """A determinate bar drawn with eighth blocks; an unknown fraction draws an empty track (never animated)."""
    filled, empty = bar_parts(fraction, width)
    text = Text()
    text.append(filled, style=style)
    text.append(empty, style=empty_style)
    return text


def percent_text(fraction: float | None) -> str:
    return "  –" if fraction is None else f"{fraction * 100:3.0f}%"


def foreground(style: Style) -> Style:
    """A component's style without its background, so the row or cell it is drawn on keeps its own.

    (Textual's ``partial`` component styles would do this, but they skip blending, so ``$text-muted`` comes out
    as plain white; this keeps the blended colour.)
    """
    return Style(
        color=style.color,
        bold=style.bold,
        dim=style.dim,
        italic=style.italic,
        underline=style.underline,
        strike=style.strike,
        reverse=style.reverse,
    )


_NO_STYLE = Style()
_ITALIC = Style(italic=True)
_UPRIGHT = Style(italic=False)
"""Made once: Rich caches style sums by the styles' values, and a new style every time costs hashing it anew."""


def keep_spaces_apart(segments: Iterable[Segment]) -> list[Segment]:
    """Give every run of blanks before text a style of its own (italic toggled: invisible on a space).

    Textual joins neighbouring segments of equal style, and SVG renderers drop the leading spaces of a text run,
    which pulls right-aligned numbers and indented values to the left in screenshots. Blanks in their own style
    stay a separate, text-less run there; a terminal shows exactly the same thing either way.
    """
    result: list[Segment] = []
    for segment in segments:
        text, style = segment.text, segment.style
        stripped = text.lstrip(" ")
        if stripped and len(stripped) < len(text):
            blank_style = (style or _NO_STYLE) + (_UPRIGHT if style and style.italic else _ITALIC)
            result.append(Segment(text[: len(text) - len(stripped)], blank_style))
            result.append(Segment(stripped, style))
        else:
            result.append(segment)
    return result


def text_segments(text: Text, console: Console) -> list[Segment]:
    """``text.render(console)``, except that a text without spans keeps its own style (Rich drops it there)."""
    if not text.spans:
        style = console.get_style(text.style) if text.style else None
        return [Segment(text.plain, style)]
    return list(text.render(console))
