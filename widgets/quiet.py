"""Updates that cost nothing when nothing changed, and that do not make Textual re-lay the whole screen out."""

from __future__ import annotations

from math import ceil

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Static


def update_static(static: Static, content: VisualType, *, layout: bool = True) -> bool:
    """``static.update(content)`` unless it already shows an equal content; True when it updated."""
    if getattr(static, "_quiet_shown", None) == content:
        return False
    # what it shows, kept on the widget itself (Static has no public getter for its content); mypy cannot know an
    # attribute set from outside the class
    static._quiet_shown = content  # type: ignore[attr-defined]
    static.update(content, layout=layout)
    return True


def set_display(widget: Widget, shown: bool) -> None:
    """Show or hide a widget without touching its styles (and the layout) when it is already so."""
    if widget.display != shown:
        widget.display = shown


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """A scroll view's new content size, without re-laying the whole screen out when its own size does not follow
    its content (Textual does that for every virtual size change); only its scrollbars are updated, unless one
    appears or goes."""
    if size == view.virtual_size:
        return
    height = view.styles.height
    if height is None or height.is_auto:
        view.virtual_size = size
        return
    shown = (view.show_vertical_scrollbar, view.show_horizontal_scrollbar)
    try:
        if _same_thumb(view, size):
            # a few lines more or fewer among thousands: the thumb keeps its cells, so the bar is not drawn again
            view.set_reactive(ScrollView.virtual_size, size)
            view.vertical_scrollbar.set_reactive(ScrollBar.window_virtual_size, size.height)
            view.scroll_y = view.validate_scroll_y(view.scroll_y)
            return
        view.set_reactive(ScrollView.virtual_size, size)
        view._scroll_update(size)
    except AttributeError:  # a Textual without these internals: the ordinary (slower) way
        view.virtual_size = size
        return
    if (view.show_vertical_scrollbar, view.show_horizontal_scrollbar) != shown:
        view.refresh(layout=True)


def _thumb(cells: int, virtual: int, window: int, position: float) -> tuple[int, int]:
    """Where a vertical scrollbar's thumb starts and ends, in eighths of a cell (as ``ScrollBar.render_bar``)."""
    if not (window and cells and virtual and cells != virtual):
        return (-1, -1)
    thumb = max(1, window / (virtual / cells))
    start = int((cells - thumb) * (position / (virtual - window)) * 8)
    return start, start + ceil(thumb * 8)


def _same_thumb(view: ScrollView, size: Size) -> bool:
    """Only the content's height changes, a vertical scrollbar stays (and no horizontal one is involved), and its
    thumb keeps its place to the eighth of a cell."""
    old = view.virtual_size
    if size.width != old.width or view.show_horizontal_scrollbar or not view.show_vertical_scrollbar:
        return False
    bar = view.vertical_scrollbar
    window = bar.window_size
    if bar.window_virtual_size != old.height or not window < size.height or not window < old.height:
        return False
    if bar.grabbed or view.scroll_y > size.height - window:
        return False
    return _thumb(window, old.height, window, bar.position) == _thumb(window, size.height, window, bar.position)
