"""The key footer: Textual's Footer, rebuilt only when the keys it shows change, and at most once per refresh,
showing only the keys that fit whole (the stock one cuts the last into ``c Cre``; the help screen lists them all).

The stock Footer recomposes (unmounts and mounts a widget per key, restyling each) after every
``refresh_bindings`` — focus moves, screen switches, node switches — once per call, even when several calls come
before one refresh and nothing it shows changed. At start-up that was eleven rebuilds of eleven keys: a third of
the time between mounting the app and its first frame.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """A Footer that coalesces binding refreshes and skips rebuilds that would show the same keys."""

    def __init__(
        self,
        *children: Widget,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        show_command_palette: bool = True,
        compact: bool = False,
    ) -> None:
        super().__init__(
            *children,
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
            show_command_palette=show_command_palette,
            compact=compact,
        )
        self._rebuild_pending = False
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        # A FooterKey's compact watcher restyles the key when it is mounted (compact starts True) and again when its
        # data binding brings the footer's value (False): two restyles of each key before the first frame. Each
        # key starts as those leave it, so neither changes anything.
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                binding = (getattr(widget, "_reactive_connect", None) or {}).get("compact")
                compact = self.compact if binding is not None else widget.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[Any]) -> None:  # Any: Textual's own signature (any screen's result)
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        shown = self._signature()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """Leave out, from the end, every key that would not fit whole beside the palette key."""
        keys = [key for key in self.query(FooterKey) if "-command-palette" not in key.classes]
        palette = [key for key in self.query(FooterKey) if "-command-palette" in key.classes and key.display]
        room = self.size.width - sum(key.outer_size.width for key in palette)
        used = 0
        for key in keys:
            width = key.get_content_width(self.size, self.size) + key.styles.gutter.width
            used += width
            fits = used <= room
            if key.display != fits:
                key.display = fits

    def _signature(self) -> tuple[object, ...]:
        """What compose would show: each shown binding's key, text, action, group and whether it is enabled."""
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (binding.key, binding.key_display, binding.description, binding.action, id(binding.group), enabled)
                for (_, binding, enabled, _tooltip) in self.screen.active_bindings.values()
                if binding.show or binding.action == "app.command_palette"
            ),
        )
