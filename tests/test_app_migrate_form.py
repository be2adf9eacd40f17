"""The manual-migration form never offers an example vuid that the cluster would refuse."""

from __future__ import annotations

from textual.widgets import Input

from widgets.migrate_form import MigrateForm

from .app_support import running


async def test_the_migrate_form_suggests_no_made_up_vuid() -> None:
    async with running(size=(160, 48)) as (app, pilot, _engine):
        await pilot.press("m")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, MigrateForm)
        placeholder = str(form.query_one("#vuid", Input).placeholder)
        assert not any(char.isdigit() for char in placeholder)
        assert "detail" in placeholder
