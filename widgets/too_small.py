"""What every screen shows instead of its panels when the terminal is below the usable size (as btop does)."""

from __future__ import annotations

from textual.widgets import Static


class TooSmall(Static):
    DEFAULT_CSS = """
    TooSmall {
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        text-align: center;
        color: $text-warning;
        display: none;
    }
    """

    def __init__(self, min_width: int, min_height: int) -> None:
        super().__init__("", classes="too-small")
        self.min_width = min_width
        self.min_height = min_height

    def on_resize(self) -> None:
        self.show_size(self.app.size.width, self.app.size.height)

    def on_mount(self) -> None:
        self.show_size(self.app.size.width, self.app.size.height)

    def show_size(self, width: int, height: int) -> None:
        self.update(
            f"terminal too small: need {self.min_width}×{self.min_height}, have {width}×{height}\n"
            "enlarge the window or press q to quit"
        )
