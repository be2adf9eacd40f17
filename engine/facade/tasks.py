"""The task-manager family: ScyllaDB's task manager (module lists, status, abort, wait, TTLs) and Ocient-style
distributed tasks (``CREATE TASK`` / ``CANCEL TASK``, as requests or as statements)."""

from __future__ import annotations

from ..core import EngineCore, durable
from ..errors import InvalidArgument
from ..model import CreateTaskRequest, StatementResult, TaskStats, TaskStatus
from ..statements import StatementError, parse_statement
from ..taskmanager import Task


class TasksFamily(EngineCore):
    # -- ScyllaDB task manager ------------------------------------------------------------------------------
    async def list_modules(self) -> list[str]:
        return list(self.tm.modules)

    async def list_module_tasks(
        self, module: str, internal: bool = False, keyspace: str | None = None, table: str | None = None
    ) -> list[TaskStats]:
        return [t.stats() for t in self._listed(module, internal, keyspace, table)]

    async def list_module_tasks_json(
        self, module: str, internal: bool = False, keyspace: str | None = None, table: str | None = None
    ) -> bytes:
        """``list_module_tasks`` as the JSON array the HTTP API answers, from per-task cached JSON.

        Byte for byte what serialising ``list_module_tasks`` gives; a 10 000-task list costs a join of cached
        items instead of building and serialising 10 000 models per request.
        """
        stats_json = self.tm.stats_json
        return b"[" + b",".join([stats_json(t) for t in self._listed(module, internal, keyspace, table)]) + b"]"

    def _listed(self, module: str, internal: object, keyspace: object, table: object) -> list[Task]:
        if not isinstance(internal, bool):
            raise InvalidArgument(f"internal must be true or false, got {internal!r}")
        for name, value in (("keyspace", keyspace), ("table", table)):
            if value is not None and not isinstance(value, str):
                raise InvalidArgument(f"{name} must be a string, got {value!r}")
        return self.tm.list_tasks(module, internal, keyspace or None, table or None)  # type: ignore[arg-type]

    @durable
    async def task_status(self, task_id: str) -> TaskStatus:
        return self.tm.read_status(task_id)

    @durable
    async def abort_task(self, task_id: str) -> None:
        self.tm.abort(task_id)

    @durable
    async def wait_task(self, task_id: str, timeout: float | None = None) -> TaskStatus:
        return await self.tm.wait(task_id, timeout)

    @durable
    async def task_status_recursive(self, task_id: str) -> list[TaskStatus]:
        return self.tm.recursive_status(task_id)

    async def get_ttl(self) -> int:
        return self.tm.task_ttl

    @durable
    async def set_ttl(self, seconds: int) -> int:
        return self.tm.set_ttl(seconds)

    async def get_user_ttl(self) -> int:
        return self.tm.user_task_ttl

    @durable
    async def drain(self, module: str) -> int:
        return self.tm.drain(module)

    @durable
    async def set_user_ttl(self, seconds: int) -> int:
        return self.tm.set_ttl(seconds, user=True)

    # -- Ocient-style distributed tasks ---------------------------------------------------------------------
    @durable
    async def create_task(self, request: CreateTaskRequest) -> str:
        return self.handlers.distributed.create(request)

    @durable
    async def cancel_task(self, name_or_id: str) -> str:
        return self.handlers.distributed.cancel(name_or_id)

    async def execute(self, statement: str) -> StatementResult:
        if not isinstance(statement, str):
            raise InvalidArgument("a statement must be text")
        try:
            parsed = parse_statement(statement)
        except StatementError as error:
            raise InvalidArgument(str(error)) from None
        if isinstance(parsed, CreateTaskRequest):
            task_id = await self.create_task(parsed)
            where = str(parsed.location)
            return StatementResult(
                action="create",
                task_id=task_id,
                name=parsed.name,
                message=f"created {parsed.type.value} task {parsed.name or task_id} at {where}",
            )
        task_id = await self.cancel_task(parsed.task)
        return StatementResult(action="cancel", task_id=task_id, name=parsed.task, message=f"cancelled {parsed.task}")
