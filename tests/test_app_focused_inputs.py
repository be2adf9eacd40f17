"""A focused input shows what is being typed into it, on small and large terminals alike."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tests.app_support import running, screen_text
from widgets.filter_bar import FilterBar

SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES)
async def test_the_focused_filter_bar_shows_the_text_typed_into_it(size: tuple[int, int]) -> None:
    async with running(size=size) as (app, pilot, _engine):
        await pilot.press("slash", *"balance")
        await pilot.pause()
        bar = app.screen.query_one(FilterBar)
        assert bar.has_focus
        assert "balance" in screen_text(app).splitlines()[bar.region.y]


@pytest.mark.parametrize("size", SIZES)
async def test_the_focused_command_line_shows_the_statement_typed_into_it(size: tuple[int, int]) -> None:
    async with running(size=size) as (app, pilot, _engine):
        await pilot.press("colon", *"CREATE TASK x")
        await pilot.pause()
        field = app.screen.query_one("#command", Input)
        assert field.has_focus
        assert "CREATE TASK x" in screen_text(app).splitlines()[field.content_region.y]


@pytest.mark.parametrize("size", SIZES)
async def test_the_focused_field_of_a_form_shows_the_text_typed_into_it(size: tuple[int, int]) -> None:
    async with running(size=size) as (app, pilot, _engine):
        await pilot.press("m", *"4395630596")
        await pilot.pause()
        field = app.screen.query_one("#vuid", Input)
        assert field.has_focus
        assert "4395630596" in screen_text(app).splitlines()[field.content_region.y]
