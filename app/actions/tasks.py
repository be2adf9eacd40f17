"""Actions on the task views (screens 1 and 2): abort, wait, the task detail, selecting, copying the id, and the view.

The view actions (filter, search, sort, quick views, internal tasks) work on the current screen's task view; abort,
wait and copy take its selected task. Abort and wait check the full client model, not what a filtered view shows.
The migrate detail of a CubeFS task is fetched per node and cached on the node (:attr:`app.nodes.Node.details`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import work

from engine.model import MigrateTaskDetail, TaskRow
from widgets.task_view import TaskView

from ..nodes import describe_error
from ..screens.base import DataScreen
from ..sources import base as caps
from ..sources.wire_cubefs import detail_key
from .base import AppHost

if TYPE_CHECKING:  # the dialogs are imported when first opened (start-up time)
    from widgets.wait_dialog import WaitDialog

DETAILS_KEPT = 500
"""Migrate details cached per node before the cache starts over."""


class TaskActions(AppHost):
    # -- the selection ----------------------------------------------------------------------------------------

    def _task_list(self) -> tuple[DataScreen, TaskView] | None:
        """The current screen and its task list, when it has one."""
        base = self.base_screen
        if isinstance(base, DataScreen) and base.task_view is not None:
            return base, base.task_view
        return None

    def selected_task(self) -> str | None:
        found = self._task_list()
        return found[1].selected_task_id if found is not None else None

    def select_task(self, task_id: str) -> None:
        """Select a task in the current task view once it is in the model (it may arrive with the next refresh)."""
        self.pending_select = task_id
        self.select_pending()

    def select_pending(self) -> None:
        task_id = self.pending_select
        found = self._task_list()
        if task_id is None or found is None:
            return
        view = found[1]
        row = self.model.get(task_id) or self.model.find_by_entity(task_id)
        if row is None:
            return
        self.pending_select = None
        task_id = row.id
        if not view.select(task_id):
            reason = view.hidden_reason(task_id) or "it is not shown"
            self.notify(f"task {task_id} is not in the view: {reason}", timeout=6)

    def action_copy_id(self) -> None:
        task_id = self.selected_task()
        if task_id is None:
            self.notify("select a task to copy its id", severity="warning", timeout=3)
            return
        # OSC 52: the terminal puts it on the clipboard, also over SSH (not every terminal allows it)
        self.copy_to_clipboard(task_id)
        self.notify(f"copied {task_id}", timeout=3)

    # -- the view: filter, search, sort, quick views, internal tasks -------------------------------------------

    def action_filter(self) -> None:
        base = self.base_screen
        if isinstance(base, DataScreen):
            base.open_filter()

    def action_search_next(self) -> None:
        self._search(1)

    def action_search_previous(self) -> None:
        self._search(-1)

    def _search(self, direction: int) -> None:
        found = self._task_list()
        if found is None:
            return
        view = found[1]
        if not view.filter_text:
            self.notify("nothing to search for: type a filter with /", severity="warning", timeout=3)
        elif not view.search(direction):
            self.notify(f"no task matches {view.filter_text!r}", severity="warning", timeout=3)

    def action_cycle_sort(self) -> None:
        found = self._task_list()
        if found is not None:
            screen, view = found
            view.cycle_sort()
            screen.filter_changed()
            self.notify(f"sorted by {view.sort_label}", timeout=2)

    def action_reverse_sort(self) -> None:
        found = self._task_list()
        if found is not None:
            screen, view = found
            view.reverse_sort()
            screen.filter_changed()
            self.notify(f"sorted by {view.sort_label}", timeout=2)

    def action_cycle_view(self) -> None:
        found = self._task_list()
        if found is not None:
            screen, view = found
            name = view.cycle_quick_view()
            screen.filter_changed()
            self.notify("all tasks" if name == "all" else f"view: {name} tasks", timeout=2)

    def action_toggle_internal(self) -> None:
        self.show_internal = not self.show_internal
        for screen in self.followers:
            screen.internal_toggled(self.show_internal)
        self.notify("internal tasks shown" if self.show_internal else "internal tasks hidden", timeout=2)

    # -- the task detail (CubeFS migrate tasks) ------------------------------------------------------------------

    def action_detail(self) -> None:
        task_id = self.selected_task()
        if task_id is None:
            self.notify("select a task first", severity="warning", timeout=3)
            return
        self.open_detail(task_id)

    def open_detail(self, task_id: str) -> None:
        from ..screens.detail import DetailScreen

        if isinstance(self.screen, DetailScreen):
            return
        self.want_detail(task_id)
        self.push_screen(DetailScreen(task_id))

    def detail_for(self, row: TaskRow | None) -> tuple[MigrateTaskDetail | None, str]:
        if row is None or not self.has_capability(caps.TASK_DETAIL) or detail_key(row) is None:
            return None, ""
        cached = self.node.details.get(row.id)
        if isinstance(cached, str):
            return None, cached
        return cached, ("" if cached is not None else "loading migrate detail …")

    def want_detail(self, task_id: str | None) -> None:
        if task_id is None or not self.has_capability(caps.TASK_DETAIL):
            return
        row = self.model.get(task_id)
        if row is None or detail_key(row) is None:
            return
        self._fetch_detail(task_id)

    @work(group="detail", exclusive=True, exit_on_error=False)
    async def _fetch_detail(self, task_id: str) -> None:
        node = self.node
        row = node.model.get(task_id)
        key = detail_key(row) if row is not None else None
        if key is None:
            return
        try:
            detail: MigrateTaskDetail | str = await asyncio.wait_for(node.source.task_detail(*key), timeout=10)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            detail = f"migrate detail unavailable: {describe_error(error)}"
        if len(node.details) > DETAILS_KEPT:
            node.details.clear()
        node.details[task_id] = detail
        if node is not self.node:
            return
        for screen in self.followers:
            screen.detail_arrived()

    # -- abort ----------------------------------------------------------------------------------------------------

    def action_abort(self) -> None:
        task_id = self.selected_task()
        if task_id is None:
            self.notify("select a task to abort first", severity="warning", timeout=3)
            return
        self.request_abort(task_id)

    def request_abort(self, task_id: str) -> None:
        row = self.model.get(task_id)
        if row is None:
            self.notify(f"task {task_id} is no longer known", severity="warning")
            return
        status = row.status
        reason = ""
        if status.state.is_final:
            reason = f"it has already finished ({status.state.value})."
        elif row.gone:
            reason = "the server no longer knows it."
        elif not status.is_abortable:
            reason = (
                f"the task manager marks this {status.type} task as not abortable (is_abortable = false); "
                "abort its parent or cancel the operation instead."
            )
        if reason:
            from widgets.confirm import ConfirmDialog

            self.push_screen(
                ConfirmDialog(f"Cannot abort {status.id}", f"It cannot be aborted: {reason}", can_confirm=False)
            )
            return
        children = len(status.children_ids)
        also = f" and its {children} child task{'s' if children > 1 else ''}" if children else ""
        body = f"Abort {status.type} task {status.id} ({status.entity or status.scope}){also}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._abort(task_id)

        from widgets.confirm import ConfirmDialog

        self.push_screen(ConfirmDialog("Abort task", body, "Abort"), answered)

    @work(group="abort", exit_on_error=False)
    async def _abort(self, task_id: str) -> None:
        ok, _ = await self._attempt(self.source.abort(task_id), f"abort {task_id} failed")
        if ok:
            self.notify(f"aborted {task_id}", timeout=4)
            await self.refresh_data()

    # -- drain ----------------------------------------------------------------------------------------------------

    def action_drain_module(self) -> None:
        task_id = self.selected_task()
        row = self.model.get(task_id) if task_id is not None else None
        if row is None:
            self.notify("select a task of the module to drain first", severity="warning", timeout=3)
            return
        module = row.module
        finished = sum(1 for r in self.model.rows.values() if r.module == module and r.status.state.is_final)
        body = (
            f"Unregister the finished (done or failed) tasks of module {module} now, whatever their TTL? "
            f"{finished} finished task{'s' if finished != 1 else ''} of it {'are' if finished != 1 else 'is'} shown; "
            "running tasks stay."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._drain(module)

        from widgets.confirm import ConfirmDialog

        self.push_screen(ConfirmDialog(f"Drain {module}", body, "Drain"), answered)

    @work(group="drain", exit_on_error=False)
    async def _drain(self, module: str) -> None:
        ok, _ = await self._attempt(self.source.drain(module), f"drain {module} failed")
        if ok:
            self.notify(f"drained the finished tasks of {module}", timeout=4)
            await self.refresh_data()

    # -- wait -----------------------------------------------------------------------------------------------------

    def action_wait(self) -> None:
        task_id = self.selected_task()
        if task_id is None:
            self.notify("select a task to wait for first", severity="warning", timeout=3)
            return
        self.wait_for(task_id)

    def wait_for(self, task_id: str) -> None:
        """Show the task's progress until it finishes (the dialog closes early and stops waiting)."""
        from ..screens.wait import WaitScreen

        dialog = WaitScreen(task_id, self.clock())
        worker = self._wait(dialog, task_id)

        def closed(_: None) -> None:
            worker.cancel()

        self.push_screen(dialog, closed)
        dialog.show_current()

    @work(group="wait", exit_on_error=False)
    async def _wait(self, dialog: WaitDialog, task_id: str) -> None:
        try:
            status = await self.source.wait(task_id, None)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if dialog.is_attached:
                dialog.show_error(describe_error(error))
            return
        if dialog.is_attached:
            dialog.show_final(status)
