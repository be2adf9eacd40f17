"""A per-minute sparkline drawn as text: one cell a minute, scaled from zero so a quiet minute looks quiet.

Textual's own ``Sparkline`` scales between the series' minimum and maximum, which makes a steady 100/min look as
jumpy as 0…100; rates need a zero baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

BARS = "▁▂▃▄▅▆▇█"


def spark_text(values: Sequence[float], width: int, style: Style | str = "", zero_style: Style | str = "") -> Text:
    """The last ``width`` values as bars, right-aligned; zeros are drawn as a dim baseline."""
    width = max(0, width)
    shown = list(values)[-width:] if width else []
    peak = max(shown, default=0)
    text = Text(" " * (width - len(shown)), no_wrap=True)
    # one span per run of zeros or bars (not one per cell): converting spans to styles is what drawing costs
    run: list[str] = []
    zero_run = True
    for value in shown:
        zero = value <= 0 or peak <= 0
        if run and zero != zero_run:
            text.append("".join(run), zero_style if zero_run else style)
            run = []
        zero_run = zero
        run.append("▁" if zero else BARS[min(len(BARS) - 1, max(1, round(value / peak * (len(BARS) - 1))))])
    if run:
        text.append("".join(run), zero_style if zero_run else style)
    return text
