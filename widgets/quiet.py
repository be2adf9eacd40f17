"""Updates that cost nothing when nothing changed: a refresh of a Static re-lays the whole screen out, so skip it."""

from __future__ import annotations

from typing import Any

from textual.widget import Widget
from textual.widgets import Static


def update_static(static: Static, content: Any, *, layout: bool = True) -> bool:
    """``static.update(content)`` unless it already shows an equal content; True when it updated."""
    if getattr(static, "_quiet_shown", None) == content:
        return False
    static._quiet_shown = content  # type: ignore[attr-defined]
    static.update(content, layout=layout)
    return True


def set_display(widget: Widget, shown: bool) -> None:
    """Show or hide a widget without touching its styles (and the layout) when it is already so."""
    if widget.display != shown:
        widget.display = shown
