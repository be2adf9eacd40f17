"""The footer shows whole keys only: at any width a key that does not fit is left out, never cut mid-word."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from widgets.footer import KeyFooter

from .app_support import running


@pytest.mark.parametrize("width", [80, 100, 160])
async def test_every_key_shown_in_the_footer_fits_whole(width: int) -> None:
    async with running(size=(width, 24)) as (app, pilot, _engine):
        await pilot.pause()
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        keys = [key for key in footer.query(FooterKey) if key.display and "-command-palette" not in key.classes]
        palette = [key for key in footer.query(FooterKey) if "-command-palette" in key.classes and key.region.width]
        limit = palette[0].region.x if palette else footer.region.right
        assert keys, "some keys are shown"
        for key in keys:
            assert key.region.right <= limit, f"{key.description!r} is cut at {width} columns"
