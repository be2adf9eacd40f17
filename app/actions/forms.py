"""Actions that open a form and send what it asks for: manual migration, create task, the command line, the TTLs.

Each form stays open while its request runs and shows the source's refusal in place (so nothing typed is lost); on
success it closes with the new task's id, which the app selects once a refresh brings it. The submissions arrive as
messages that bubble up to the app; mixins are plain classes, so their handlers go by Textual's naming convention
(``on_<form>_submitted``), not by ``@on``, which only registers handlers on Textual's own classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import work

from engine.statements import StatementError, parse_create_task, parse_statement

from ..nodes import describe_error
from ..sources import base as caps
from ..typeahead import KeyHold
from .base import AppHost

if TYPE_CHECKING:  # the forms and dialogs are imported when first opened (start-up time)
    from widgets.command_line import CommandLine
    from widgets.create_task_form import CreateTaskForm
    from widgets.migrate_form import MigrateForm
    from widgets.ttl_form import TtlForm


class FormActions(AppHost):
    def _created(self, message: str | None) -> Callable[[str | None], None]:
        """What a form's dismissal does with the new task's id: say so (unless ``message`` is None), select it."""

        def done(task_id: str | None) -> None:
            if task_id:
                if message is not None:
                    self.notify(f"{message}: {task_id}", timeout=6)
                self.select_task(task_id)
                self.refresh_soon()

        return done

    # -- manual migration -------------------------------------------------------------------------------------

    def action_manual_migrate(self) -> None:
        from widgets.migrate_form import MigrateForm

        self.push_screen(MigrateForm(), self._created("manual migration queued"))

    def on_migrate_form_submitted(self, event: MigrateForm.Submitted) -> None:
        self._add_migration(event.form, event.request.vuid, event.request.direct_download)

    @work(group="migrate", exit_on_error=False)
    async def _add_migration(self, form: MigrateForm, vuid: int, direct: bool) -> None:
        try:
            task_id = await self.source.add_manual_migrate(vuid, direct)
        except Exception as error:
            form.show_error(describe_error(error))
            return
        form.dismiss(task_id)

    # -- create task ------------------------------------------------------------------------------------------

    def action_create_task(self) -> None:
        from widgets.create_task_form import CreateTaskForm

        self.push_screen(CreateTaskForm(), self._created("created task"))

    def on_create_task_form_submitted(self, event: CreateTaskForm.Submitted) -> None:
        try:
            request = parse_create_task(event.statement)
        except StatementError as error:
            event.form.show_error(str(error))
            return
        self._create(event.form, request)

    @work(group="create", exit_on_error=False)
    async def _create(self, form: CreateTaskForm, request: Any) -> None:
        try:
            task_id = await self.source.create_task(request)
        except Exception as error:
            form.show_error(describe_error(error))
            return
        form.dismiss(task_id)

    # -- the command line -------------------------------------------------------------------------------------

    def action_command_line(self) -> None:
        # the statement's own result is notified by _execute
        from widgets.command_line import CommandLine

        self.push_screen(CommandLine(self.command_history), self._created(None))

    def on_command_line_submitted(self, event: CommandLine.Submitted) -> None:
        try:
            parse_statement(event.text)
        except StatementError as error:
            event.line.show_error(str(error))
            return
        self._execute(event.line, event.text)

    @work(group="command", exit_on_error=False)
    async def _execute(self, line: CommandLine, text: str) -> None:
        try:
            result = await self.source.execute(text)
        except Exception as error:
            line.show_error(describe_error(error))
            return
        verb = {"create": "created", "cancel": "cancelled"}.get(result.action, result.action)
        self.notify(result.message or f"{verb} task {result.name or result.task_id}", timeout=6)
        line.dismiss(result.task_id if result.action == "create" else None)

    # -- TTLs -------------------------------------------------------------------------------------------------

    def action_ttl(self) -> None:
        # the form opens once both TTLs are read: what is typed meanwhile is meant for it
        self._open_ttl(self.hold_keys())

    @work(group="ttl", exit_on_error=False)
    async def _open_ttl(self, hold: KeyHold) -> None:
        with hold:
            ok, ttl = await self._attempt(self.source.get_ttl(), "cannot read task_ttl")
            if not ok:
                return
            user_ttl = None
            if self.has_capability(caps.USER_TTL):
                ok, user_ttl = await self._attempt(self.source.get_user_ttl(), "cannot read user_task_ttl")
                if not ok:
                    return
            from widgets.ttl_form import TtlForm

            self.push_screen(TtlForm(ttl, user_ttl))

    def on_ttl_form_submitted(self, event: TtlForm.Submitted) -> None:
        self._set_ttl(event.form, event.ttl, event.user_ttl)

    @work(group="ttl", exit_on_error=False)
    async def _set_ttl(self, form: TtlForm, ttl: int, user_ttl: int | None) -> None:
        try:
            changes = []
            if ttl != form.ttl:
                previous = await self.source.set_ttl(ttl)
                changes.append(f"task_ttl {previous} → {ttl}")
            if user_ttl is not None and user_ttl != form.user_ttl:
                previous = await self.source.set_user_ttl(user_ttl)
                changes.append(f"user_task_ttl {previous} → {user_ttl}")
        except Exception as error:
            form.show_error(describe_error(error))
            return
        self.notify(", ".join(changes) or "TTLs unchanged", timeout=5)
        form.dismiss((ttl, user_ttl))
